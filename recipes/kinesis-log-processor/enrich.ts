/**
 * From a batch of valid log events to the entries of the output stream: threats per event, brute force per batch,
 * partition key per client.
 *
 * @module
 */
import type { PutRecordsEntry } from 'serverless-done-right'
import type { EnrichedLogEvent, LogEvent } from './schema.js'
import { bruteForceRule, bruteForceSources, detectThreats, type Threat } from './threats.js'

/** The longest partition key Kinesis accepts. */
const maxPartitionKeyLength = 256

/**
 * Enriches the events of one batch, in order. Every event gets the request rules' threats; every event from an IP with
 * at least `bruteForceThreshold` 401/403 responses in the batch also gets a `brute-force` threat, its successes
 * included (a 200 after fifty 401s is the one that matters).
 */
export function enrichBatch(
  events: readonly LogEvent[],
  bruteForceThreshold: number,
  processedAt: string,
): EnrichedLogEvent[] {
  const bruteForcing = bruteForceSources(events, bruteForceThreshold)
  const bruteForce: Threat = { kind: 'brute-force', rule: bruteForceRule, field: 'status' }
  return events.map((event) => {
    const threats = detectThreats(event)
    if (bruteForcing.has(event.ip)) threats.push(bruteForce)
    return { ...event, threats, processedAt }
  })
}

/**
 * The output entry of an enriched event. The partition key is the client IP: one client's events stay in order on one
 * shard, and traffic spreads over the shards (one constant key would make one hot shard and throttle). The schema
 * makes the IP a valid key; `fallbackKey` (the source record's key) covers an event that somehow has none.
 */
export function outputEntry(event: EnrichedLogEvent, fallbackKey: string): PutRecordsEntry {
  const usable = event.ip.length > 0 && event.ip.length <= maxPartitionKeyLength
  return { partitionKey: usable ? event.ip : fallbackKey, data: JSON.stringify(event) }
}

/** How many events have a threat of each kind (an event with two SQL injection rules counts once), for summaries. */
export function threatCounts(events: Iterable<{ readonly threats: readonly Threat[] }>): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const { threats } of events) {
    for (const kind of new Set(threats.map((threat) => threat.kind))) counts[kind] = (counts[kind] ?? 0) + 1
  }
  return counts
}
