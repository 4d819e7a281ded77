/**
 * What the recipes' cold-start levers leave in a deployed bundle (issue 18): `node:http` is never an ESM import (Node 22
 * would build its namespace and load undici, recipes/deploy/node-http-shim.ts), and the Powertools tracer, loaded only
 * when the function traces, still loads and traces-ready when it does (active tracing, as deployed).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Stream } from 'aws-cdk-lib/aws-kinesis'
import { StreamReducer } from '../../../recipes/stream-reducer/infra.js'
import {
  bundleOf,
  lambdaEnvironment,
  loadBundle,
  logicalIdsOf,
  type Synthesized,
  synthesize,
  synthTimeoutMs,
} from './synth.js'

let synthesized: Synthesized
let fn: string

beforeAll(() => {
  let reducer: StreamReducer | undefined
  synthesized = synthesize((stack) => {
    reducer = new StreamReducer(stack, 'StreamReducer', { inputStream: new Stream(stack, 'Logs', { shardCount: 1 }) })
  })
  fn = logicalIdsOf(synthesized, { fn: (reducer as StreamReducer).function }).fn
}, synthTimeoutMs)

afterAll(() => synthesized.dispose())

describe('a recipe bundle, for its cold start', () => {
  it('takes node:http through CommonJS: no ESM import of it, though Middy and the X-Ray SDK use it', () => {
    const code = readFileSync(join(bundleOf(synthesized, fn), 'index.mjs'), 'utf8')
    expect(code).not.toMatch(/from\s*["'](node:)?http["']/)
    // The shim is in, and used: the X-Ray SDK (loaded when the function traces) and Middy's util import node:http.
    expect(code).toMatch(/process\.getBuiltinModule\(["']node:http["']\)/)
  })

  it('loads with tracing on (in Lambda, POWERTOOLS_TRACE_ENABLED true) and with tracing off', async () => {
    const environment = lambdaEnvironment(synthesized.template, fn)
    const on = { ...environment, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: 'true' }
    const off = { ...environment, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: 'false' }
    expect(await loadBundle(bundleOf(synthesized, fn), on)).toEqual({ handler: 'function' })
    expect(await loadBundle(bundleOf(synthesized, fn), off)).toEqual({ handler: 'function' })
  })
})
