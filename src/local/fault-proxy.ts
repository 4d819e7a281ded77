/**
 * The fault proxy: a loopback HTTP server in front of kinesalite that throttles, fails and slows Kinesis the way AWS
 * does, so the real SDK (and its retry logic) sees exactly what AWS would send. Internal: `startLocalCloud` starts it.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
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
import { createFaultState, type FaultController, type FaultState, type KinesisFaults } from './faults.js'
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

/** A fault proxy in front of `upstream` and the controller that steers it. Internal: `startLocalCloud` starts it. */
export interface FaultProxy {
  /** The proxy's loopback server; its URL is the Kinesis endpoint clients should use. */
  readonly server: EmbeddedServer
  /** Live settings and counts. */
  readonly controller: FaultController
  /** Cancels held-back requests and closes the proxy and its upstream connections. */
  stop(): Promise<void>
}

/** What the proxy's request handlers share: the fault state, the upstream, its connection pool and the stop signal. */
interface ProxyContext {
  readonly state: FaultState
  readonly stopping: AbortController
  readonly agent: Agent
  readonly target: URL
}

/** Sends a request to kinesalite with the caller's headers (kinesalite checks that auth headers exist, not more). */
function forward(
  proxy: ProxyContext,
  incoming: IncomingMessage,
  body: Buffer,
  operation?: string,
): Promise<WireResponse> {
  const headers: OutgoingHttpHeaders = {
    ...incoming.headers,
    host: proxy.target.host,
    'content-length': String(body.length),
  }
  if (operation !== undefined) headers['x-amz-target'] = `Kinesis_20131202.${operation}`
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: proxy.target.hostname,
        port: proxy.target.port,
        path: incoming.url ?? '/',
        method: 'POST',
        headers,
        agent: proxy.agent,
      },
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
async function listShards(proxy: ProxyContext, incoming: IncomingMessage, streamName: string): Promise<ShardRange[]> {
  try {
    const answer = await forward(proxy, incoming, Buffer.from(JSON.stringify({ StreamName: streamName })), 'ListShards')
    if (answer.status !== 200) return []
    return (JSON.parse(answer.body.toString('utf8')) as { Shards?: ShardRange[] }).Shards ?? []
  } catch {
    return []
  }
}

async function putRecordsWithFaults(
  proxy: ProxyContext,
  incoming: IncomingMessage,
  body: Buffer,
): Promise<WireResponse> {
  const payload = JSON.parse(body.toString('utf8')) as { StreamName?: string; Records?: PutRecordsRequestEntry[] }
  const entries = Array.isArray(payload.Records) ? payload.Records : []
  const { putRecordsThrottleRate: throttleRate, putRecordsInternalFailureRate: failureRate } = proxy.state.current()
  const picked: Array<EntryErrorCode | undefined> = entries.map(() => {
    const draw = proxy.state.draw()
    if (draw < throttleRate) return 'ProvisionedThroughputExceededException'
    if (draw < throttleRate + failureRate) return 'InternalFailure'
    return undefined
  })
  if (picked.every((code) => code === undefined)) return forward(proxy, incoming, body)

  const kept = entries.filter((_entry, index) => picked[index] === undefined)
  let forwarded: { Records?: PutRecordsResultEntry[]; EncryptionType?: string } | undefined
  let upstreamHeaders: Record<string, string> = {}
  if (kept.length > 0) {
    const answer = await forward(proxy, incoming, Buffer.from(JSON.stringify({ ...payload, Records: kept })))
    if (answer.status !== 200) return answer // the whole request failed upstream: the caller sees that, as is
    forwarded = JSON.parse(answer.body.toString('utf8')) as typeof forwarded
    upstreamHeaders = answer.headers
  }
  const shards = picked.includes('ProvisionedThroughputExceededException')
    ? await listShards(proxy, incoming, payload.StreamName ?? '')
    : []
  const injected = picked.map((code, index) => {
    const entry = entries[index]
    return code === undefined || entry === undefined
      ? undefined
      : failedEntry(code, payload.StreamName, shardOf(entry, shards))
  })
  const merged = Buffer.from(JSON.stringify(mergePutRecordsResponse(injected, forwarded)))
  for (const code of picked) {
    if (code === 'ProvisionedThroughputExceededException') proxy.state.count('throttledEntries')
    else if (code === 'InternalFailure') proxy.state.count('internalFailureEntries')
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

async function wholeRequestFault(proxy: ProxyContext, incoming: IncomingMessage, operation: string, body: Buffer) {
  const draw = proxy.state.draw()
  const { requestThrottleRate: throttleRate, requestInternalFailureRate: failureRate } = proxy.state.current()
  if (draw >= throttleRate + failureRate) return undefined
  if (draw >= throttleRate) {
    proxy.state.count('internalFailureRequests')
    return internalFailureResponse()
  }
  proxy.state.count('throttledRequests')
  const payload = parseJson(incoming, body)
  const streamName = typeof payload?.StreamName === 'string' ? payload.StreamName : undefined
  const first = operation === 'PutRecords' && Array.isArray(payload?.Records) ? payload.Records[0] : payload
  const shardId =
    streamName !== undefined && (operation === 'PutRecord' || operation === 'PutRecords')
      ? shardOf(first as PutRecordsRequestEntry, await listShards(proxy, incoming, streamName))
      : typeof payload?.ShardId === 'string'
        ? payload.ShardId
        : undefined
  return throttledResponse(operation, streamName, shardId)
}

async function handle(proxy: ProxyContext, incoming: IncomingMessage, body: Buffer): Promise<WireResponse> {
  proxy.state.count('requests')
  const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? ''
  const settings = proxy.state.current()
  const affected = settings.operations === 'all' || settings.operations.includes(operation)
  if (!affected) return forward(proxy, incoming, body)
  if (settings.latencyMs > 0) {
    proxy.state.count('delayedRequests')
    await sleep(settings.latencyMs, undefined, { signal: proxy.stopping.signal })
  }
  const refused = await wholeRequestFault(proxy, incoming, operation, body)
  if (refused !== undefined) return refused
  if (operation === 'PutRecords' && parseJson(incoming, body) !== undefined)
    return putRecordsWithFaults(proxy, incoming, body)
  return forward(proxy, incoming, body)
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
  const proxy: ProxyContext = {
    state: createFaultState(faults),
    stopping: new AbortController(),
    agent: new Agent({ keepAlive: true }),
    target: new URL(upstream),
  }
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      handle(proxy, incoming, Buffer.concat(chunks)).then(
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
    controller: proxy.state.controller,
    async stop() {
      proxy.stopping.abort()
      await embedded.stop()
      proxy.agent.destroy()
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
