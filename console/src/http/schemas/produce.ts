import { type Static, Type } from 'typebox'
import { strict, TopicName } from './common.ts'

// POST /api/produce: one event (a form) or a chunk of an NDJSON file. Each line is either the library's input
// form `{ eventType, userId, userData, metadata?, eventId? }` or a whole event `{ event_id, event_type, ... }`;
// every line is validated as the library validates before anything is sent. With dryRun nothing is sent.
// A file is sent in chunks of at most 1000 lines (the client drives the progress bar); `firstLine` numbers them.

export const ProduceBody = Type.Object(
  {
    /** Default: the user events topic. */
    topic: Type.Optional(TopicName),
    lines: Type.Array(Type.String({ maxLength: 65_536 }), { minItems: 1, maxItems: 1000 }),
    /** Line number of lines[0] in the file (1-based), for the results. */
    firstLine: Type.Integer({ minimum: 1, maximum: 100_000_000, default: 1 }),
    /** Validate only. */
    dryRun: Type.Boolean({ default: false }),
    /** Send the valid lines even when some are invalid (default: send nothing if any line is invalid). */
    skipInvalid: Type.Boolean({ default: false }),
  },
  strict,
)

export const LineResult = Type.Object({
  line: Type.Integer(),
  ok: Type.Boolean(),
  /** Blank lines are skipped, not errors. */
  skipped: Type.Optional(Type.Boolean()),
  eventId: Type.Optional(Type.String()),
  eventType: Type.Optional(Type.String()),
  /** Where it landed, when sent. */
  partition: Type.Optional(Type.Integer()),
  offset: Type.Optional(Type.String()),
  error: Type.Optional(
    Type.Object({
      code: Type.String(),
      message: Type.String(),
      violations: Type.Optional(
        Type.Array(Type.Object({ field: Type.String(), rule: Type.String(), message: Type.String() })),
      ),
    }),
  ),
})

export const ProduceAnswer = Type.Object({
  topic: Type.String(),
  dryRun: Type.Boolean(),
  /** True when records were sent. */
  sent: Type.Boolean(),
  valid: Type.Integer(),
  invalid: Type.Integer(),
  results: Type.Array(LineResult),
})

export const CatalogAnswer = Type.Object({
  topic: Type.String(),
  eventTypes: Type.Array(
    Type.Object({
      eventType: Type.String(),
      /** The Avro schema of the event (the registry's subject holds the same). */
      schema: Type.Unknown(),
      /** A valid input line for this type, to start a form or a file from. */
      example: Type.Unknown(),
    }),
  ),
})

export type ProduceBody = Static<typeof ProduceBody>
export type LineResult = Static<typeof LineResult>
export type ProduceAnswer = Static<typeof ProduceAnswer>
export type CatalogAnswer = Static<typeof CatalogAnswer>
