import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { putRecordsDefaults } from '../src/aws/put-records-options.js'
import { fanOutDefaults } from '../src/batch/fan-out.js'
import { kafkaWindowReducerDefaults } from '../src/batch/kafka-window.js'
import { windowReducerDefaults } from '../src/batch/window.js'
import { memoryWatchdogDefaults } from '../src/guards/memory.js'
import { timeoutGuardDefaults } from '../src/guards/timeout.js'
import { warmupDefaults } from '../src/guards/warmup.js'
import { localCloudDefaults } from '../src/local/cloud-options.js'
import { defaults as kinesisEventSourceDefaults } from '../src/local/esm/options.js'
import { httpGatewayDefaults } from '../src/local/http-gateway-options.js'
import { invokeDefaults } from '../src/local/invoke.js'
import { invokeConcurrentlyDefaults } from '../src/local/invoke-concurrently.js'
import { httpErrorsDefaults } from '../src/validation/http-errors.js'

// Issue 15: each factory's defaults live in one `defaults` object, and the `@defaultValue` its options' TSDoc shows
// users is that object's value, not a second copy that can drift. A prose default ("single-line JSON on the console",
// "none", "a fresh crypto.randomUUID()") is not a literal and is not compared.

const root = new URL('..', import.meta.url).pathname

/** [options interface, file, the defaults object] */
const pairs: ReadonlyArray<readonly [string, string, object]> = [
  ['WarmupOptions', 'src/guards/warmup.ts', warmupDefaults],
  ['TimeoutGuardOptions', 'src/guards/timeout.ts', timeoutGuardDefaults],
  ['MemoryWatchdogOptions', 'src/guards/memory.ts', memoryWatchdogDefaults],
  ['HttpErrorsOptions', 'src/validation/http-errors.ts', httpErrorsDefaults],
  ['FanOutOptions', 'src/batch/fan-out.ts', fanOutDefaults],
  ['WindowReducerOptions', 'src/batch/window-types.ts', windowReducerDefaults],
  ['KafkaWindowReducerOptions', 'src/batch/kafka-window-types.ts', kafkaWindowReducerDefaults],
  ['PutRecordsOptions', 'src/aws/put-records-options.ts', putRecordsDefaults],
  ['LocalCloudOptions', 'src/local/cloud-options.ts', localCloudDefaults],
  ['InvokeOptions', 'src/local/local-options.ts', invokeDefaults],
  ['InvokeConcurrentlyOptions', 'src/local/invoke-concurrently.ts', invokeConcurrentlyDefaults],
  ['KinesisEventSourceOptions', 'src/local/esm/options.ts', kinesisEventSourceDefaults],
  ['HttpGatewayOptions', 'src/local/http-gateway-options.ts', httpGatewayDefaults],
]

const notLiteral = Symbol('not a literal')

/** The literal a `@defaultValue` starts with (`` `'json'` ``, `` `100` ``, `5`, `` `undefined` ``), or `notLiteral`. */
function literalOf(text: string): unknown {
  const trimmed = text.trim()
  const token = trimmed.startsWith('`') ? trimmed.slice(1, trimmed.indexOf('`', 1)) : (trimmed.split(/\s/)[0] ?? '')
  if (token === 'undefined') return undefined
  if (/^'[^']*'$/.test(token)) return token.slice(1, -1)
  const json = token.replaceAll('_', '')
  if (/^(-?\d+(\.\d+)?|true|false|\[\]|\{\})$/.test(json)) return JSON.parse(json)
  return notLiteral
}

/** Each member of `name` in `file` with the text of its `@defaultValue` tag (`undefined` without one). */
function documentedDefaults(file: string, name: string): Map<string, string | undefined> {
  const source = ts.createSourceFile(file, readFileSync(`${root}${file}`, 'utf8'), ts.ScriptTarget.Latest, true)
  const found = new Map<string, string | undefined>()
  const visit = (node: ts.Node): void => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === name) {
      for (const member of node.members) {
        const tag = ts.getJSDocTags(member).find((candidate) => candidate.tagName.text === 'defaultValue')
        const text = typeof tag?.comment === 'string' ? tag.comment : ts.getTextOfJSDocComment(tag?.comment)
        found.set(member.name?.getText(source) ?? '', tag === undefined ? undefined : (text ?? ''))
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

describe('the TSDoc @defaultValue of every option is the value in its defaults object', () => {
  it.each(pairs)('%s (%s)', (name, file, defaults) => {
    const documented = documentedDefaults(file, name)
    expect(documented.size).toBeGreaterThan(0)
    let compared = 0
    for (const [option, text] of documented) {
      const literal = text === undefined ? notLiteral : literalOf(text)
      if (literal === undefined) {
        // `undefined`: the option is absent from the defaults object, or there as undefined.
        expect({ option, value: (defaults as Record<string, unknown>)[option] }).toEqual({ option, value: undefined })
        compared++
      } else if (literal !== notLiteral) {
        // A literal default shown to users must be the one the code applies.
        expect({
          option,
          value: (defaults as Record<string, unknown>)[option],
          inDefaults: option in defaults,
        }).toEqual({ option, value: literal, inDefaults: true })
        compared++
      } else if (option in defaults) {
        // An option with a value in the defaults object documents it (in prose at least).
        expect({ option, documented: text !== undefined }).toEqual({ option, documented: true })
      }
    }
    expect(compared).toBeGreaterThan(0)
  })

  it('reads literals and leaves prose alone (the comparison itself works)', () => {
    expect(literalOf("`'json'`")).toBe('json')
    expect(literalOf('`10_000` records')).toBe(10000)
    expect(literalOf('5242880 (5 MiB)')).toBe(5242880)
    expect(literalOf('`undefined` (no logging)')).toBeUndefined()
    expect(literalOf('`[]`')).toEqual([])
    expect(literalOf('single-line JSON on the console')).toBe(notLiteral)
    expect(literalOf('none: the decoded item is passed as it is')).toBe(notLiteral)
  })
})
