/**
 * The route table of the user API and the matcher that picks a route from a method and a path.
 *
 * @module
 */

/** The routes, by what they do. `queryUsers` is `GET /users`: the list, or one user with `?id=`. */
export type RouteName = 'createUser' | 'queryUsers' | 'readUser' | 'replaceUser' | 'deleteUser'

/** One resource: its path template, split in segments (`{name}` captures one), and the route of each method. */
interface Resource {
  readonly segments: readonly string[]
  readonly methods: Readonly<Record<string, RouteName>>
}

/** The API: `/users` and `/users/{id}`. */
const resources: readonly Resource[] = [
  { segments: ['users'], methods: { GET: 'queryUsers', POST: 'createUser' } },
  { segments: ['users', '{id}'], methods: { GET: 'readUser', PUT: 'replaceUser', DELETE: 'deleteUser' } },
]

/** What the router found. */
export type RouteMatch =
  | { readonly kind: 'route'; readonly route: RouteName; readonly pathParameters: Record<string, string> }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' }

/** The path's segments, percent-decoded; `undefined` when a segment is not valid percent-encoding. */
function splitPath(path: string): string[] | undefined {
  const trimmed = path.replace(/^\/+/, '').replace(/\/$/, '')
  if (trimmed === '') return []
  try {
    return trimmed.split('/').map((segment) => decodeURIComponent(segment))
  } catch {
    return undefined
  }
}

/** The path parameters when `segments` fit `resource`, else `undefined`. An empty segment never fills `{name}`. */
function fitResource(resource: Resource, segments: readonly string[]): Record<string, string> | undefined {
  if (segments.length !== resource.segments.length) return undefined
  const parameters: Record<string, string> = {}
  for (const [index, template] of resource.segments.entries()) {
    const segment = segments[index] as string
    if (template.startsWith('{')) {
      if (segment === '') return undefined
      parameters[template.slice(1, -1)] = segment
    } else if (segment !== template) {
      return undefined
    }
  }
  return parameters
}

/**
 * Finds the route of `method` on `path`. A path of the API with another method is `method-not-allowed`, listing the
 * methods it has (for the `Allow` header of a 405); any other path is `not-found`. One trailing slash is ignored.
 *
 * @param method - the HTTP method, upper case
 * @param path - the path inside the API, such as `/users/42`
 */
export function matchRoute(method: string, path: string): RouteMatch {
  const segments = splitPath(path)
  if (segments === undefined) return { kind: 'not-found' }
  for (const resource of resources) {
    const pathParameters = fitResource(resource, segments)
    if (pathParameters === undefined) continue
    const route = resource.methods[method]
    return route === undefined || !Object.hasOwn(resource.methods, method)
      ? { kind: 'method-not-allowed', allow: Object.keys(resource.methods) }
      : { kind: 'route', route, pathParameters }
  }
  return { kind: 'not-found' }
}
