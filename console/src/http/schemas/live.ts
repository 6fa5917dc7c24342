import { type Static, Type } from 'typebox'

// Server-sent events (text/event-stream; EventSource sends the session cookie). Each stream sends `event: sample`
// (or `message` for the tail) with a JSON `data:` line, and `event: failure` with `{ code, message }` when a
// sample cannot be taken (the stream goes on). A comment line every 15 s keeps proxies from closing it.
//   GET /api/live/throughput            samples every CONSOLE_SAMPLE_MS (default 2 s)
//   GET /api/live/groups/:group/lag     samples every CONSOLE_SAMPLE_MS
//   GET /api/topics/:topic/tail         one `message` per record (Message of messages.ts), at most 200/s

export const ThroughputSample = Type.Object({
  at: Type.String(),
  /** Records appended per second, all topics (from log end offsets). */
  inPerSec: Type.Number(),
  /** Records consumed per second, all groups (from committed offsets). */
  outPerSec: Type.Number(),
  topics: Type.Array(Type.Object({ topic: Type.String(), inPerSec: Type.Number(), outPerSec: Type.Number() })),
})

export const LagSample = Type.Object({
  at: Type.String(),
  group: Type.String(),
  lag: Type.Number(),
  partitions: Type.Array(Type.Object({ topic: Type.String(), partition: Type.Integer(), lag: Type.Number() })),
})

export const StreamFailure = Type.Object({ code: Type.String(), message: Type.String() })

export type ThroughputSample = Static<typeof ThroughputSample>
export type LagSample = Static<typeof LagSample>
export type StreamFailure = Static<typeof StreamFailure>
