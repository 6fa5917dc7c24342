// The client's default classic assignor (round robin over the flat list of topic-partitions) gives
// partition N of topic A and partition N of topic B to different members whenever the partition count is
// not a multiple of the member count. Keys map to the same partition number in topics with equal
// partition counts, so a key's records in a topic and in its retry topic would be handled by two members
// and per-key order could not hold. Here partition N of every topic goes to the same member.
import type { GroupPartitionsAssigner, GroupPartitionsAssignments } from '@platformatic/kafka'

export const coPartitionedAssigner: GroupPartitionsAssigner = (_current, members, topics, metadata) => {
  const memberIds = [...members.keys()].sort()
  const result = new Map<string, GroupPartitionsAssignments>(
    memberIds.map((memberId) => [memberId, { memberId, assignments: new Map() }]),
  )
  for (const topic of [...topics].sort()) {
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0
    // Members that did not subscribe to the topic take none of it; the rest share it by partition number.
    const eligible = memberIds.filter((id) => members.get(id)?.topics?.includes(topic) ?? true)
    if (eligible.length === 0) continue
    for (let partition = 0; partition < count; partition++) {
      const owner = result.get(eligible[partition % eligible.length] as string)
      if (!owner) continue
      const entry = owner.assignments.get(topic) ?? { topic, partitions: [] }
      entry.partitions.push(partition)
      owner.assignments.set(topic, entry)
    }
  }
  return [...result.values()]
}
