/**
 * Fault injection at the wire: a loopback proxy in front of kinesalite that throttles, fails and slows Kinesis the
 * way AWS does, so the real SDK (and its retry logic) sees exactly what AWS would send.
 *
 * @module
 */
import { randomInt, randomUUID } from 'node:crypto'
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { type EmbeddedServer, serveEmbedded } from './embedded-server.js'
import {
  amzJson,
  type EntryErrorCode,
  failedEntry,
  internalFailureResponse,
  mergePutRecordsResponse,
  type PutRecordsRequestEntry,
  type PutRecordsResultEntry,
  type ShardRange,
  shardOf,
  throttledResponse,
  type WireResponse,
} from './kinesis-wire.js'
import { LocalCloudError } from './local-cloud-error.js'
import { seededRandom } from './seeded-random.js'

/**
 * Which faults the proxy injects. Rates are probabilities from 0 to 1, drawn independently for every request (and
 * every PutRecords entry) from a generator seeded with `seed`, so a run can be replayed.
 */
export interface KinesisFaults {
  /**
   * Share of PutRecords entries answered `ProvisionedThroughputExceededException` (and not written).
   * @defaultValue `0`
   */
  putRecordsThrottleRate?: number
  /**
   * Share of PutRecords entries answered `InternalFailure` (and not written).
   * @defaultValue `0`
   */
  putRecordsInternalFailureRate?: number
  /**
   * Share of whole requests answered `400 ProvisionedThroughputExceededException` (`LimitExceededException` for
   * control-plane operations such as `ListShards`), as AWS throttles. Nothing of the request is applied.
   * @defaultValue `0`
   */
  requestThrottleRate?: number
  /**
   * Share of whole requests answered `500 InternalFailure`. Nothing of the request is applied.
   * @defaultValue `0`
   */
  requestInternalFailureRate?: number
  /**
   * Milliseconds added before every affected request is handled (or refused).
   * @defaultValue `0`
   */
  latencyMs?: number
  /**
   * The operations (`X-Amz-Target` names such as `'GetRecords'`) that faults and latency apply to, or `'all'`.
   * Other requests pass through untouched.
   * @defaultValue `['PutRecord', 'PutRecords']`
   */
  operations?: readonly string[] | 'all'
  /**
   * Seed of the generator that decides which requests and entries fail.
   * @defaultValue a random seed
   */
  seed?: number
}

/** How many faults the proxy has injected since it started (or since {@link FaultController.resetCounts}). */
export interface FaultCounts {
  /** Requests that reached the proxy, affected or not. */
  requests: number
  /** Requests held back by `latencyMs`. */
  delayedRequests: number
  /** Whole requests answered with a 400 throttling error. */
  throttledRequests: number
  /** Whole requests answered with a 500 `InternalFailure`. */
  internalFailureRequests: number
  /** PutRecords entries answered `ProvisionedThroughputExceededException`. */
  throttledEntries: number
  /** PutRecords entries answered `InternalFailure`. */
  internalFailureEntries: number
}

/** Reads and changes the fault settings of a running proxy, and counts what it injected. */
export interface FaultController {
  /** The settings in force, every default filled in. */
  readonly settings: Readonly<Required<KinesisFaults>>
  /** A snapshot of what was injected so far. */
  readonly counts: Readonly<FaultCounts>
  /** Changes some settings from the next request on; the rest stay. A new `seed` restarts the generator. */
  update(changes: KinesisFaults): void
  /** Sets every count back to zero. */
  resetCounts(): void
}

const defaults = {
  putRecordsThrottleRate: 0,
  putRecordsInternalFailureRate: 0,
  requestThrottleRate: 0,
  requestInternalFailureRate: 0,
  latencyMs: 0,
  operations: ['PutRecord', 'PutRecords'],
} as const

function zeroCounts(): FaultCounts {
  return {
    requests: 0,
    delayedRequests: 0,
    throttledRequests: 0,
    internalFailureRequests: 0,
    throttledEntries: 0,
    internalFailureEntries: 0,
  }
}

function checkSettings(settings: Required<KinesisFaults>): void {
  const rates = [
    'putRecordsThrottleRate',
    'putRecordsInternalFailureRate',
    'requestThrottleRate',
    'requestInternalFailureRate',
  ] as const
  for (const name of rates) {
    const rate = settings[name]
    if (!(rate >= 0 && rate <= 1)) throw new LocalCloudError(`faults.${name} must be between 0 and 1, got ${rate}`)
  }
  if (settings.requestThrottleRate + settings.requestInternalFailureRate > 1)
    throw new LocalCloudError('faults.requestThrottleRate + faults.requestInternalFailureRate must not exceed 1')
  if (settings.putRecordsThrottleRate + settings.putRecordsInternalFailureRate > 1)
    throw new LocalCloudError('faults.putRecordsThrottleRate + faults.putRecordsInternalFailureRate must not exceed 1')
  if (!(settings.latencyMs >= 0))
    throw new LocalCloudError(`faults.latencyMs must be 0 or more, got ${settings.latencyMs}`)
}

/** A fault proxy in front of `upstream` and the controller that steers it. Internal: `startLocalCloud` starts it. */
export interface FaultProxy {
  /** The proxy's loopback server; its URL is the Kinesis endpoint clients should use. */
  readonly server: EmbeddedServer
  /** Live settings and counts. */
  readonly controller: FaultController
  /** Cancels held-back requests and closes the proxy and its upstream connections. */
  stop(): Promise<void>
}

/**
 * Starts a fault proxy on 127.0.0.1:`port` (`0`: ephemeral) forwarding to the Kinesis endpoint `upstream`.
 *
 * PutRecords entry faults are decided before forwarding: only the surviving entries are sent to kinesalite, so a
 * failed entry is really not written, and the answer merges kinesalite's results with the failed entries in request
 * order with a recomputed `FailedRecordCount`. If every entry of a request is picked to fail, nothing is forwarded and
 * the request is not validated by kinesalite (an unknown stream then yields failed entries, not
 * `ResourceNotFoundException`).
 */
export async function startFaultProxy(upstream: string, faults: KinesisFaults, port = 0): Promise<FaultProxy> {
  let settings: Required<KinesisFaults> = { ...defaults, seed: randomInt(2 ** 31), ...faults }
  checkSettings(settings)
  let random = seededRandom(settings.seed)
  let counts = zeroCounts()
  const stopping = new AbortController()
  const agent = new Agent({ keepAlive: true })
  const target = new URL(upstream)

  const controller: FaultController = {
    get settings() {
      return { ...settings }
    },
    get counts() {
      return { ...counts }
    },
    update(changes) {
      const next = { ...settings, ...changes }
      checkSettings(next)
      if (changes.seed !== undefined) random = seededRandom(changes.seed)
      settings = next
    },
    resetCounts() {
      counts = zeroCounts()
    },
  }

  /** Sends a request to kinesalite with the caller's headers (kinesalite checks that auth headers exist, not more). */
  function forward(incoming: IncomingMessage, body: Buffer, operation?: string): Promise<WireResponse> {
    const headers: OutgoingHttpHeaders = {
      ...incoming.headers,
      host: target.host,
      'content-length': String(body.length),
    }
    if (operation !== undefined) headers['x-amz-target'] = `Kinesis_20131202.${operation}`
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        { host: target.hostname, port: target.port, path: incoming.url ?? '/', method: 'POST', headers, agent },
        (response) => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('error', reject)
          response.on('end', () => {
            const outHeaders: Record<string, string> = {}
            for (const [name, value] of Object.entries(response.headers)) {
              if (typeof value === 'string') outHeaders[name] = value
            }
            resolve({ status: response.statusCode ?? 500, headers: outHeaders, body: Buffer.concat(chunks) })
          })
        },
      )
      outgoing.on('error', reject)
      outgoing.end(body)
    })
  }

  /** The stream's shards, for the "Rate exceeded for shard …" messages; empty when they cannot be listed. */
  async function listShards(incoming: IncomingMessage, streamName: string): Promise<ShardRange[]> {
    try {
      const answer = await forward(incoming, Buffer.from(JSON.stringify({ StreamName: streamName })), 'ListShards')
      if (answer.status !== 200) return []
      return (JSON.parse(answer.body.toString('utf8')) as { Shards?: ShardRange[] }).Shards ?? []
    } catch {
      return []
    }
  }

  async function putRecordsWithFaults(incoming: IncomingMessage, body: Buffer): Promise<WireResponse> {
    const payload = JSON.parse(body.toString('utf8')) as { StreamName?: string; Records?: PutRecordsRequestEntry[] }
    const entries = Array.isArray(payload.Records) ? payload.Records : []
    const { putRecordsThrottleRate: throttleRate, putRecordsInternalFailureRate: failureRate } = settings
    const picked: Array<EntryErrorCode | undefined> = entries.map(() => {
      const draw = random()
      if (draw < throttleRate) return 'ProvisionedThroughputExceededException'
      if (draw < throttleRate + failureRate) return 'InternalFailure'
      return undefined
    })
    if (picked.every((code) => code === undefined)) return forward(incoming, body)

    const kept = entries.filter((_entry, index) => picked[index] === undefined)
    let forwarded: { Records?: PutRecordsResultEntry[]; EncryptionType?: string } | undefined
    let upstreamHeaders: Record<string, string> = {}
    if (kept.length > 0) {
      const answer = await forward(incoming, Buffer.from(JSON.stringify({ ...payload, Records: kept })))
      if (answer.status !== 200) return answer // the whole request failed upstream: the caller sees that, as is
      forwarded = JSON.parse(answer.body.toString('utf8')) as typeof forwarded
      upstreamHeaders = answer.headers
    }
    const shards = picked.includes('ProvisionedThroughputExceededException')
      ? await listShards(incoming, payload.StreamName ?? '')
      : []
    const injected = picked.map((code, index) => {
      const entry = entries[index]
      return code === undefined || entry === undefined
        ? undefined
        : failedEntry(code, payload.StreamName, shardOf(entry, shards))
    })
    const merged = Buffer.from(JSON.stringify(mergePutRecordsResponse(injected, forwarded)))
    for (const code of picked) {
      if (code === 'ProvisionedThroughputExceededException') counts.throttledEntries += 1
      else if (code === 'InternalFailure') counts.internalFailureEntries += 1
    }
    return {
      status: 200,
      headers: {
        ...upstreamHeaders,
        'content-type': amzJson,
        'content-length': String(merged.length),
        'x-amzn-requestid': upstreamHeaders['x-amzn-requestid'] ?? randomUUID(),
      },
      body: merged,
    }
  }

  async function wholeRequestFault(incoming: IncomingMessage, operation: string, body: Buffer) {
    const draw = random()
    const { requestThrottleRate: throttleRate, requestInternalFailureRate: failureRate } = settings
    if (draw >= throttleRate + failureRate) return undefined
    if (draw >= throttleRate) {
      counts.internalFailureRequests += 1
      return internalFailureResponse()
    }
    counts.throttledRequests += 1
    const payload = parseJson(incoming, body)
    const streamName = typeof payload?.StreamName === 'string' ? payload.StreamName : undefined
    const first = operation === 'PutRecords' && Array.isArray(payload?.Records) ? payload.Records[0] : payload
    const shardId =
      streamName !== undefined && (operation === 'PutRecord' || operation === 'PutRecords')
        ? shardOf(first as PutRecordsRequestEntry, await listShards(incoming, streamName))
        : typeof payload?.ShardId === 'string'
          ? payload.ShardId
          : undefined
    return throttledResponse(operation, streamName, shardId)
  }

  async function handle(incoming: IncomingMessage, body: Buffer): Promise<WireResponse> {
    counts.requests += 1
    const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? ''
    const affected = settings.operations === 'all' || settings.operations.includes(operation)
    if (!affected) return forward(incoming, body)
    if (settings.latencyMs > 0) {
      counts.delayedRequests += 1
      await sleep(settings.latencyMs, undefined, { signal: stopping.signal })
    }
    const refused = await wholeRequestFault(incoming, operation, body)
    if (refused !== undefined) return refused
    if (operation === 'PutRecords' && parseJson(incoming, body) !== undefined)
      return putRecordsWithFaults(incoming, body)
    return forward(incoming, body)
  }

  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      handle(incoming, Buffer.concat(chunks)).then(
        (answer) => {
          outgoing.writeHead(answer.status, answer.headers)
          outgoing.end(answer.body)
        },
        () => {
          // Stopped, or kinesalite unreachable: the client sees a dropped connection, as with a network fault.
          outgoing.destroy()
        },
      )
    })
  })
  const embedded = await serveEmbedded(server, port, { drainMs: 0 })

  return {
    server: embedded,
    controller,
    async stop() {
      stopping.abort()
      await embedded.stop()
      agent.destroy()
    },
  }
}

/** The JSON body of a JSON 1.1 request, or `undefined` for another content type or bad JSON. */
function parseJson(incoming: IncomingMessage, body: Buffer): Record<string, unknown> | undefined {
  const contentType = String(incoming.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
  if (contentType !== amzJson) return undefined
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'))
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
