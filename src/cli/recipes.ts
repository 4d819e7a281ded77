/**
 * The recipes `init` can scaffold: every folder of `recipes/` with a `handler.ts` and an `infra.ts` (the package ships
 * them as they are in the repository), and the CDK app each one gets.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** A recipe as `init --list` shows it. */
export interface RecipeEntry {
  /** The folder name under `recipes/`, and what `init` takes. */
  readonly name: string
  /** The recipe README's title after its dash: what the recipe does, in one line. */
  readonly summary: string
}

/** The recipes shipped in the package at `packageRoot`, sorted by name. */
export function listRecipes(packageRoot: string): RecipeEntry[] {
  const recipesDir = join(packageRoot, 'recipes')
  if (!existsSync(recipesDir)) return []
  return readdirSync(recipesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => ['handler.ts', 'infra.ts'].every((file) => existsSync(join(recipesDir, name, file))))
    .sort()
    .map((name) => ({ name, summary: readmeSummary(join(recipesDir, name, 'README.md')) }))
}

function readmeSummary(readme: string): string {
  if (!existsSync(readme)) return ''
  // The first level-1 heading (front matter, if a README grows some, comes before it).
  const title = readFileSync(readme, 'utf8').match(/^# .*$/m)?.[0] ?? ''
  const dash = title.indexOf(' — ')
  return dash === -1 ? title.replace(/^#\s*/, '') : title.slice(dash + ' — '.length).trim()
}

/**
 * `infra/app.ts` of a scaffolded project: one stack holding the recipe's construct from `src/infra.ts` (the project's
 * own copy, so that what is edited is what deploys) and outputs naming what was made. Undefined for a recipe without one.
 */
export function cdkAppSource(recipe: string, stackName: string): string | undefined {
  const body = cdkAppBodies[recipe]
  if (body === undefined) return undefined
  return `/**
 * The CDK app (cdk.json runs it with tsx): \`npm run synth\` writes the template offline, \`npx cdk deploy\` deploys it
 * to the account and region of your AWS credentials.
 */
${body.imports}
const app = new App()
// The CLI sets CDK_DEFAULT_* from your credentials; without them the stack stays environment-agnostic.
const account = process.env.CDK_DEFAULT_ACCOUNT
const region = process.env.CDK_DEFAULT_REGION
const stack = new Stack(app, '${stackName}', {
  ...(account || region ? { env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } } : {}),
})
${body.construct}
app.synth()
`
}

const cdkAppBodies: Readonly<Record<string, { imports: string; construct: string }>> = {
  'kinesis-log-processor': {
    imports: `import { App, CfnOutput, Stack } from 'aws-cdk-lib'
import { LogProcessor } from '../src/infra.js'
`,
    construct: `const logs = new LogProcessor(stack, 'LogProcessor')
new CfnOutput(stack, 'InputStreamName', { value: logs.inputStream.streamName })
new CfnOutput(stack, 'OutputStreamName', { value: logs.outputStream.streamName })
new CfnOutput(stack, 'DeadLetterStreamName', { value: logs.deadLetterStream.streamName })
new CfnOutput(stack, 'OnFailureQueueUrl', { value: logs.onFailureQueue.queueUrl })
`,
  },
  'rest-user-api': {
    imports: `import { App, CfnOutput, Stack } from 'aws-cdk-lib'
import { UserApi, UserAudit } from '../src/infra.js'
import { userApiSettings } from '../src/settings.js'
`,
    construct: `// \`-c userApi=rest\`: a REST API (payload 1.0) instead of an HTTP API (payload 2.0), behind IAM auth (a REST API has
// no JWT authorizer). The HTTP API checks JWTs from \`userApiSettings.auth\` (placeholders: set your issuer and audience).
const apiKind = app.node.tryGetContext('userApi') === 'rest' ? 'rest' : 'http'
const auth = apiKind === 'rest' ? ({ type: 'iam' } as const) : ({ type: 'jwt', ...userApiSettings.auth } as const)
const api = new UserApi(stack, 'UserApi', { apiKind, auth })
new CfnOutput(stack, 'UsersUrl', { value: api.usersUrl })
new CfnOutput(stack, 'UsersTableName', { value: api.table.tableName })
// The audit trail: one item per change of the users table, read from its stream.
const audit = new UserAudit(stack, 'UserAudit', { usersTable: api.table })
new CfnOutput(stack, 'AuditTableName', { value: audit.table.tableName })
`,
  },
  'stream-reducer': {
    imports: `import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib'
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis'
import { StreamReducer } from '../src/infra.js'
`,
    construct: `// The stream the reducer counts. To count an existing one instead: Stream.fromStreamArn(stack, 'Logs', '<arn>').
const logs = new Stream(stack, 'LogStream', {
  streamMode: StreamMode.PROVISIONED,
  shardCount: 1,
  retentionPeriod: Duration.hours(24),
  encryption: StreamEncryption.MANAGED,
  removalPolicy: RemovalPolicy.DESTROY,
})
const reducer = new StreamReducer(stack, 'StreamReducer', { inputStream: logs })
new CfnOutput(stack, 'LogStreamName', { value: logs.streamName })
new CfnOutput(stack, 'CountsTableName', { value: reducer.table.tableName })
`,
  },
}
