/**
 * The demo's session with the user API: every route, each way it can fail, then everyday use while the streams are
 * busy. Each call's status is checked against what the script expects, and its latency recorded.
 *
 * @module
 */

/** One call the session made. */
export interface ApiCall {
  readonly label: string
  readonly status: number
  readonly expected: readonly number[]
  readonly ms: number
}

/** A JSON request to the API; records status and latency against what the script expects. */
function apiClient(baseUrl: string, calls: ApiCall[]) {
  return async (
    label: string,
    expected: readonly number[],
    method: string,
    path: string,
    options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { ...options.headers }
    let body: string | undefined = options.raw
    if (options.body !== undefined) body = JSON.stringify(options.body)
    if (body !== undefined) headers['content-type'] = 'application/json'
    const started = performance.now()
    const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
    const text = await response.text()
    calls.push({ label, status: response.status, expected, ms: performance.now() - started })
    const json = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>)
    return { status: response.status, etag: response.headers.get('etag') ?? '', json }
  }
}

/**
 * The scripted session: every route, each way it can fail. Then `keepGoing` decides how many rounds of everyday use
 * (create, read, list, replace) follow, to measure latency while the streams are busy.
 */
export async function apiSession(baseUrl: string, calls: ApiCall[], keepGoing: () => boolean): Promise<void> {
  const call = apiClient(baseUrl, calls)
  const ada = await call('create', [201], 'POST', '/users', {
    body: { email: 'ada@example.com', name: 'Ada Lovelace' },
  })
  const id = String(ada.json?.id)
  await call('create, invalid email', [400], 'POST', '/users', { body: { email: 'not-an-email', name: 'X' } })
  await call('create, unknown field', [400], 'POST', '/users', {
    body: { email: 'eve@example.com', name: 'Eve', role: 'admin' },
  })
  await call('create, malformed JSON', [415, 422], 'POST', '/users', { raw: '{"email": "x@example.com",' })
  await call('get', [200], 'GET', `/users/${id}`)
  await call('list', [200], 'GET', '/users?limit=10')
  await call('list, limit too large', [400], 'GET', '/users?limit=1000')
  const replaced = await call('replace with If-Match', [200], 'PUT', `/users/${id}`, {
    body: { email: 'ada@example.org', name: 'Ada King' },
    headers: { 'if-match': ada.etag },
  })
  await call('replace with a stale If-Match', [412], 'PUT', `/users/${id}`, {
    body: { email: 'ada@example.net', name: 'Ada' },
    headers: { 'if-match': ada.etag },
  })
  await call('replace without If-Match', [428], 'PUT', `/users/${id}`, { body: { email: 'a@example.com', name: 'A' } })
  await call('get, not a user id', [400], 'GET', '/users/not-a-uuid')
  await call('get, missing', [404], 'GET', `/users/${crypto.randomUUID()}`)
  await call('method not allowed', [405], 'PATCH', `/users/${id}`, { body: { name: 'A' } })
  await call('unknown path', [404], 'GET', '/nowhere')
  await call('delete with If-Match', [204], 'DELETE', `/users/${id}`, { headers: { 'if-match': replaced.etag } })
  await call('get, deleted', [404], 'GET', `/users/${id}`)

  for (let round = 1; keepGoing(); round++) {
    const user = await call('create', [201], 'POST', '/users', {
      body: { email: `user${round}@example.com`, name: `User ${round}` },
    })
    const userId = String(user.json?.id)
    await call('get', [200], 'GET', `/users/${userId}`)
    await call('list', [200], 'GET', '/users?limit=20')
    await call('replace with If-Match', [200], 'PUT', `/users/${userId}`, {
      body: { email: `user${round}@example.org`, name: `User ${round} (renamed)` },
      headers: { 'if-match': user.etag },
    })
  }
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}
