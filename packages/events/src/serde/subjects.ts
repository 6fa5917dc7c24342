// Which registry subject a record's schema lives under. One topic carries seven record types, so the
// default is TopicRecordNameStrategy: each (topic, record) pair evolves on its own compatibility line.
export const SUBJECT_STRATEGIES = ['TopicRecordNameStrategy', 'TopicNameStrategy', 'RecordNameStrategy'] as const

export type SubjectStrategy = (typeof SUBJECT_STRATEGIES)[number]

export function subjectFor(strategy: SubjectStrategy, topic: string, recordName: string): string {
  switch (strategy) {
    case 'TopicRecordNameStrategy':
      return `${topic}-${recordName}`
    case 'TopicNameStrategy':
      // Confluent's default: one subject per topic. With several record types BACKWARD refuses the second
      // one, so it only suits a topic with a single type or compatibility NONE.
      return `${topic}-value`
    case 'RecordNameStrategy':
      return recordName
  }
}
