import { readFileSync } from 'node:fs'

const folder = new URL('../fixtures/aws-events/', import.meta.url)

/** A fresh copy of a real AWS event from `test/fixtures/aws-events/` (copied from `../shared/fixtures`). */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`${name}.json`, folder), 'utf8')) as T
}
