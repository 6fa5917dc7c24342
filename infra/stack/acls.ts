import {
  type Acl,
  AclOperations,
  AclPermissionTypes,
  Admin,
  ResourcePatternTypes,
  ResourceTypes,
} from '@platformatic/kafka'
import { kafkaBootstrap } from './config.ts'
import { StackError } from './errors.ts'
import { adminClientOptions, type Principal } from './security.ts'

// Least privilege: what each principal of the local stack may do, and nothing else (allow.everyone.if.no.acl.found
// is false, so whatever is not granted here is denied). READ and WRITE imply DESCRIBE, and WRITE on a topic implies
// the idempotent producer's IdempotentWrite (Kafka 3+), so neither is granted on its own. docs/security.md has the
// table for people.

type Operation = keyof typeof AclOperations
type ResourceType = 'TOPIC' | 'GROUP' | 'CLUSTER'

export interface Grant {
  principal: Principal
  resource: ResourceType
  name: string
  pattern: 'LITERAL' | 'PREFIXED'
  operations: Operation[]
  /** Why: shown in docs/security.md's table. */
  why: string
}

export const USER_EVENTS_TOPIC = 'grimos.user-events'
export const CONSUMER_GROUP = 'grimos-event-consumer'
/** Apicurio's kafkasql journal, snapshots and events topics (registry.ts names them) and its consumer groups. */
export const REGISTRY_TOPIC_PREFIX = 'grimos.registry-'
export const REGISTRY_GROUP_PREFIX = 'grimos-registry-'
/** Groups whose committed offsets the operator may reset (OffsetCommit needs READ on the group). */
export const OPERATOR_RESET_GROUP_PREFIX = 'grimos-'

export function grants(topic = USER_EVENTS_TOPIC): Grant[] {
  const t = (principal: Principal, name: string, operations: Operation[], why: string): Grant => ({
    principal,
    resource: 'TOPIC',
    name,
    pattern: 'LITERAL',
    operations,
    why,
  })
  return [
    // CREATE on its own topic only: its outbox relay creates the topic on a fresh stack, with the library's layout.
    t('auth-service', topic, ['WRITE', 'CREATE'], 'publishes user events (idempotent producer), creates the topic'),
    t('event-consumer', topic, ['READ', 'CREATE'], 'consumes; creates the topic if it starts first'),
    t('event-consumer', `${topic}.retry`, ['READ', 'WRITE', 'CREATE'], 'its retry lane'),
    // READ on the DLQ and its status: the DLQ API (browse) runs inside the event-consumer for now.
    t('event-consumer', `${topic}.dlq`, ['READ', 'WRITE', 'CREATE'], 'dead-letters; the DLQ API browses'),
    t('event-consumer', `${topic}.dlq.status`, ['READ', 'WRITE', 'CREATE'], 'DLQ decisions (compacted)'),
    {
      principal: 'event-consumer',
      resource: 'GROUP',
      name: CONSUMER_GROUP,
      pattern: 'LITERAL',
      operations: ['READ'],
      why: 'joins its group, commits offsets',
    },
    t('operator', '*', ['READ', 'DESCRIBE_CONFIGS'], 'reads every topic (console, CLI, DLQ browse)'),
    t('operator', topic, ['WRITE'], 'DLQ replay: back to the source topic'),
    t(
      'operator',
      `${topic}.dlq.status`,
      ['WRITE', 'CREATE'],
      'DLQ replay and discard decisions (creates the compacted topic on first use)',
    ),
    {
      principal: 'operator',
      resource: 'GROUP',
      name: '*',
      pattern: 'LITERAL',
      operations: ['DESCRIBE'],
      why: 'sees every group and its lag',
    },
    {
      principal: 'operator',
      resource: 'GROUP',
      name: OPERATOR_RESET_GROUP_PREFIX,
      pattern: 'PREFIXED',
      operations: ['READ'],
      why: "resets the grimOS groups' offsets (console, CLI; the group must be empty)",
    },
    {
      principal: 'operator',
      resource: 'CLUSTER',
      name: 'kafka-cluster',
      pattern: 'LITERAL',
      operations: ['DESCRIBE'],
      why: 'sees the brokers (console, kafbat UI)',
    },
    {
      principal: 'registry',
      resource: 'TOPIC',
      name: REGISTRY_TOPIC_PREFIX,
      pattern: 'PREFIXED',
      operations: ['READ', 'WRITE', 'CREATE', 'DESCRIBE_CONFIGS'],
      why: 'kafkasql journal, snapshots, events: creates and checks them',
    },
    {
      principal: 'registry',
      resource: 'GROUP',
      name: REGISTRY_GROUP_PREFIX,
      pattern: 'PREFIXED',
      operations: ['READ'],
      why: 'replays its journal in a fresh group each start',
    },
  ]
}

/** The broker's ACL records for `grants`: one per operation. */
export function aclsOf(list: Grant[]): Acl[] {
  return list.flatMap((grant) =>
    grant.operations.map((operation) => ({
      resourceType: ResourceTypes[grant.resource],
      resourceName: grant.name,
      resourcePatternType: ResourcePatternTypes[grant.pattern],
      principal: `User:${grant.principal}`,
      host: '*',
      operation: AclOperations[operation],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  )
}

const aclKey = (acl: Acl) =>
  [acl.principal, acl.resourceType, acl.resourceName, acl.resourcePatternType, acl.operation, acl.permissionType].join(
    '|',
  )

/**
 * Makes the broker's ACLs exactly `grants()`, as the admin: missing ones are created, and any other ACL of the
 * stack's principals (left by an older version of this table) is deleted. Idempotent: runs on every `up`.
 */
export async function applyAcls(bootstrap = kafkaBootstrap): Promise<{ created: number; deleted: number }> {
  const admin = new Admin({
    clientId: 'grimos-stack-acls',
    bootstrapBrokers: bootstrap.split(','),
    timeout: 10_000,
    retries: 3,
    ...adminClientOptions(),
  })
  try {
    const wanted = aclsOf(grants())
    const any = {
      resourceType: ResourceTypes.ANY,
      resourceName: null,
      resourcePatternType: ResourcePatternTypes.ANY,
      principal: null,
      host: null,
      operation: AclOperations.ANY,
      permissionType: AclPermissionTypes.ANY,
    }
    const present = (await admin.describeAcls({ filter: any })).flatMap((resource) =>
      resource.acls.map(
        (acl): Acl => ({
          resourceType: resource.resourceType,
          resourceName: resource.resourceName,
          resourcePatternType: resource.resourcePatternType,
          ...acl,
        }),
      ),
    )
    const presentKeys = new Set(present.map(aclKey))
    const wantedKeys = new Set(wanted.map(aclKey))
    const missing = wanted.filter((acl) => !presentKeys.has(aclKey(acl)))
    const ours = new Set(grants().map((g) => `User:${g.principal}`))
    const stale = present.filter((acl) => ours.has(acl.principal) && !wantedKeys.has(aclKey(acl)))
    if (missing.length) await admin.createAcls({ creations: missing })
    if (stale.length) await admin.deleteAcls({ filters: stale })
    return { created: missing.length, deleted: stale.length }
  } catch (error) {
    throw new StackError(`setting the Kafka ACLs as admin failed: ${(error as Error).message}`)
  } finally {
    await admin.close()
  }
}
