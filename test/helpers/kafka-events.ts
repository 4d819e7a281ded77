import type { KafkaEvent, KafkaRecord } from 'serverless-done-right'

/** One Kafka record in Lambda's shape: `value` is sent as JSON unless it is a string (sent as it is). */
export function kafkaRecord(
  topic: string,
  partition: number,
  offset: number,
  value: unknown,
  timestamp = 1_767_225_600_000 + offset,
): KafkaRecord {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return {
    topic,
    partition,
    offset,
    timestamp,
    timestampType: 'CREATE_TIME',
    key: Buffer.from(`key-${offset % 5}`).toString('base64'),
    value: Buffer.from(text, 'utf8').toString('base64'),
    headers: [{ source: [97, 112, 112] }],
  }
}

/** An Amazon MSK event holding `records`, grouped by topic-partition as Lambda groups them. */
export function kafkaEvent(records: readonly KafkaRecord[]): KafkaEvent {
  const grouped: Record<string, KafkaRecord[]> = {}
  for (const record of records) {
    const name = `${record.topic}-${record.partition}`
    grouped[name] = [...(grouped[name] ?? []), record]
  }
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/logs/abcd1234-0123-4567-89ab-cdef01234567-1',
    bootstrapServers: 'b-1.logs.abc123.c2.kafka.us-east-1.amazonaws.com:9092',
    records: grouped,
  }
}
