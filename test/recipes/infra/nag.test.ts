/**
 * cdk-nag's AwsSolutions pack over the three recipe stacks, as `cdk deploy --all` builds them (the user API both as
 * an HTTP API with a JWT authorizer and as a REST API with IAM auth): no finding may be left unsuppressed, and every
 * suppression carries its reason in the construct that needs it (`recipes/deploy/nag.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App, Aspects, type Stack } from 'aws-cdk-lib'
import { Annotations, Match } from 'aws-cdk-lib/assertions'
import { AwsSolutionsChecks } from 'cdk-nag'
import { type DeployRecipesOptions, deployRecipes } from '../../../recipes/deploy/stacks.js'
import { synthTimeoutMs } from './synth.js'

const outdirs: string[] = []
afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true })
})

/** Every AwsSolutions finding cdk-nag reports on the app's stacks (errors and warnings), as `rule: path`. */
function nagFindings(options: DeployRecipesOptions): { findings: string[]; stacks: Stack[] } {
  const outdir = mkdtempSync(join(tmpdir(), 'sdr-nag-'))
  outdirs.push(outdir)
  // Bundling is skipped: cdk-nag reads the templates, not the code.
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } })
  const stacks = Object.values(
    deployRecipes(app, { env: { account: '123456789012', region: 'eu-west-1' }, ...options }),
  )
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }))
  app.synth()
  const findings = stacks.flatMap((stack) => {
    const annotations = Annotations.fromStack(stack)
    return [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
    ].map((message) => `${String(message.entry.data).split(':')[0]}: ${message.id}`)
  })
  return { findings, stacks }
}

describe('cdk-nag AwsSolutions', () => {
  it(
    'finds nothing unsuppressed in the three stacks (user API: HTTP API, JWT authorizer)',
    () => {
      expect(nagFindings({}).findings).toEqual([])
    },
    synthTimeoutMs,
  )

  it(
    'finds nothing unsuppressed with the user API as a REST API with IAM auth',
    () => {
      expect(nagFindings({ userApiKind: 'rest', userApiAuth: { type: 'iam' } }).findings).toEqual([])
    },
    synthTimeoutMs,
  )

  it(
    'reports the public user API (the check can fail): no authorizer on any route',
    () => {
      const { findings } = nagFindings({ userApiAuth: { type: 'none-i-understand-this-is-public' } })
      expect(findings.length).toBeGreaterThan(0)
      expect(findings.every((finding) => finding.startsWith('AwsSolutions-APIG4'))).toBe(true)
    },
    synthTimeoutMs,
  )
})
