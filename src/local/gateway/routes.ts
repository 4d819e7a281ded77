/**
 * Route keys and route selection of the API Gateway emulator, as HTTP APIs and REST APIs choose a route:
 * the most specific path wins (a literal segment over `{param}`, `{param}` over `{greedy+}`), then an exact method
 * over `ANY`, and `$default` only when nothing else matches. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import { LocalOptionsError } from '../options-error.js'

/** One segment of a route path. */
type Segment = { kind: 'literal'; text: string } | { kind: 'param'; name: string } | { kind: 'greedy'; name: string }

/** A parsed route key, such as `GET /users/{id}`, `ANY /{proxy+}` or `$default`. */
export interface Route<H> {
  /** The key as written, which is also payload 2.0's `routeKey`. */
  readonly key: string
  /** The upper-case method, `ANY`, or `undefined` for `$default`. */
  readonly method: string | undefined
  /** The path template, payload 1.0's `resource`; `/{proxy+}` for `$default`. */
  readonly resource: string
  readonly segments: readonly Segment[]
  readonly handler: H
}

/** A route that matched a request, with its decoded path parameters. */
export interface RouteMatch<H> {
  readonly route: Route<H>
  /** Decoded path parameters; empty when the route has none. */
  readonly pathParameters: Record<string, string>
}

const segmentRank = { literal: 0, param: 1, greedy: 2 } as const
const routeKeyPattern = /^([A-Z]+) (\/.*)$/
const paramPattern = /^\{([A-Za-z0-9_.-]+)(\+?)\}$/

/** The default route: matches everything, as `ANY /{proxy+}` does for a REST API. */
const defaultRouteKey = '$default'

/** Parses a route key. Throws a `LocalOptionsError` naming the key when it is malformed. */
export function parseRoute<H>(key: string, handler: H): Route<H> {
  if (key === defaultRouteKey) {
    return {
      key,
      method: undefined,
      resource: '/{proxy+}',
      segments: [{ kind: 'greedy', name: 'proxy' }],
      handler,
    }
  }
  const parts = routeKeyPattern.exec(key)
  const path = parts?.[2]
  const method = parts?.[1]
  if (path === undefined || method === undefined) {
    throw new LocalOptionsError(
      `httpGateway: route key "${key}" must look like "GET /users/{id}", "ANY /{proxy+}" or "$default"`,
    )
  }
  const segments = splitPath(path).map((text, index, all): Segment => {
    const param = paramPattern.exec(text)
    if (param === null) {
      if (text.includes('{') || text.includes('}'))
        throw new LocalOptionsError(`httpGateway: bad path segment in "${key}"`)
      return { kind: 'literal', text }
    }
    const name = param[1] as string
    if (param[2] !== '+') return { kind: 'param', name }
    if (index !== all.length - 1)
      throw new LocalOptionsError(`httpGateway: a greedy {${name}+} must end the path in "${key}"`)
    return { kind: 'greedy', name }
  })
  return { key, method, resource: path, segments, handler }
}

/** Parses every route key and orders the routes so that the first match is the one API Gateway would pick. */
export function compileRoutes<H>(routes: Readonly<Record<string, H>>): Route<H>[] {
  return Object.entries(routes)
    .map(([key, handler]) => parseRoute(key, handler))
    .sort(compareRoutes)
}

/** Finds the route for a request, or `undefined` (API Gateway answers 404). `rawPath` is still percent-encoded. */
export function matchRoute<H>(routes: readonly Route<H>[], method: string, rawPath: string): RouteMatch<H> | undefined {
  const requestSegments = splitPath(rawPath)
  for (const route of routes) {
    if (route.method === undefined) {
      // `$default` takes every request, `/` included; 1.0 events see the path as a REST API's `{proxy+}`.
      const proxy = requestSegments.join('/')
      return { route, pathParameters: proxy === '' ? {} : { proxy: safeDecode(proxy) } }
    }
    if (route.method !== 'ANY' && route.method !== method) continue
    const pathParameters = matchSegments(route.segments, requestSegments)
    if (pathParameters !== undefined) return { route, pathParameters }
  }
  return undefined
}

function matchSegments(
  segments: readonly Segment[],
  requestSegments: readonly string[],
): Record<string, string> | undefined {
  const parameters: Record<string, string> = {}
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index] as Segment
    if (segment.kind === 'greedy') {
      const rest = requestSegments.slice(index)
      // A greedy parameter needs at least one segment: `/{proxy+}` does not match `/` in API Gateway either.
      if (rest.length === 0) return undefined
      parameters[segment.name] = safeDecode(rest.join('/'))
      return parameters
    }
    const text = requestSegments[index]
    if (text === undefined) return undefined
    if (segment.kind === 'literal') {
      if (safeDecode(text) !== segment.text) return undefined
    } else {
      parameters[segment.name] = safeDecode(text)
    }
  }
  return segments.length === requestSegments.length ? parameters : undefined
}

function compareRoutes<H>(a: Route<H>, b: Route<H>): number {
  // `$default` is the last resort, whatever its shape.
  if ((a.method === undefined) !== (b.method === undefined)) return a.method === undefined ? 1 : -1
  const length = Math.min(a.segments.length, b.segments.length)
  for (let index = 0; index < length; index++) {
    const byKind = segmentRank[(a.segments[index] as Segment).kind] - segmentRank[(b.segments[index] as Segment).kind]
    if (byKind !== 0) return byKind
  }
  if (a.segments.length !== b.segments.length) return b.segments.length - a.segments.length
  return (a.method === 'ANY' ? 1 : 0) - (b.method === 'ANY' ? 1 : 0)
}

/** `/a/b/` → `['a', 'b']`; `/` → `[]`. */
function splitPath(path: string): string[] {
  return path.split('/').filter((segment, index, all) => !(segment === '' && (index === 0 || index === all.length - 1)))
}

/** Percent-decodes `text`; malformed escapes or invalid UTF-8 leave it as it came, as API Gateway passes odd bytes on. */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
