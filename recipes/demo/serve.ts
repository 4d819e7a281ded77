/**
 * `npm start -- --serve`: the user API stays up after the summary, with `curl` lines to try it.
 *
 * @module
 */
import { userApiSettings } from '../rest-user-api/settings.js'

/** `--serve`: keeps the API up and shows how to call it, with a user made for the purpose, until Ctrl-C. */
export async function serve(url: string): Promise<void> {
  const created = await fetch(`${url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'grace@example.com', name: 'Grace Hopper' }),
  })
  const { id } = (await created.json()) as { id: string }
  const json = "-H 'content-type: application/json'"
  console.log('')
  console.log(`The user API is up at ${url} (payload ${userApiSettings.payloadFormat}). Try:`)
  console.log('')
  console.log(`  curl -si -X POST ${url}/users ${json} -d '{"email":"ada@example.com","name":"Ada Lovelace"}'`)
  console.log(`  curl -s '${url}/users?limit=5'`)
  console.log(`  curl -si ${url}/users/${id}`)
  console.log(
    `  curl -si -X PUT ${url}/users/${id} -H 'if-match: "1"' ${json} -d '{"email":"grace@example.org","name":"Grace B. Hopper"}'`,
  )
  console.log(
    `  curl -si -X PUT ${url}/users/${id} ${json} -d '{"email":"g@example.com","name":"G"}'   # 428: no If-Match`,
  )
  console.log(`  curl -si -X POST ${url}/users ${json} -d '{"email":"nope"}'   # 400: problem+json with pointers`)
  console.log(`  curl -si -X DELETE ${url}/users/${id} -H 'if-match: "2"'`)
  console.log('')
  console.log('Ctrl-C stops it.')
  // A pending promise alone does not keep Node running: the timer does, until a signal arrives.
  const keepAlive = setInterval(() => undefined, 60_000)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  clearInterval(keepAlive)
}
