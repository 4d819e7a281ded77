/**
 * The CDK app of the three recipes: `npx cdk deploy --all` (cdk.json runs this file with tsx), `npm run synth` offline.
 *
 * Context:
 * - `-c userApi=rest` deploys the user API behind a REST API (payload 1.0) instead of an HTTP API (2.0).
 * - `-c jwtIssuer=https://… -c jwtAudience=a,b`: the user API's JWT authorizer (HTTP API), instead of the placeholders
 *   in `recipes/rest-user-api/settings.ts`.
 * - `-c userApiAuth=iam` (IAM-signed callers only) or `-c userApiAuth=none-i-understand-this-is-public` (no auth).
 */
import { App } from 'aws-cdk-lib'
import { publicApiAuthType, type UserApiAuth } from '../rest-user-api/infra.js'
import { userApiSettings } from '../rest-user-api/settings.js'
import { deployRecipes } from './stacks.js'

const app = new App()
const context = (name: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(name)
  return typeof value === 'string' && value !== '' ? value : undefined
}
const userApiKind = context('userApi') === 'rest' ? 'rest' : 'http'

function userApiAuth(): UserApiAuth | undefined {
  const type = context('userApiAuth')
  if (type === 'iam') return { type: 'iam' }
  if (type === publicApiAuthType) return { type: publicApiAuthType }
  if (type !== undefined && type !== 'jwt') {
    throw new Error(`-c userApiAuth must be jwt, iam or ${publicApiAuthType}, not ${type}`)
  }
  const issuer = context('jwtIssuer')
  const audience = context('jwtAudience')?.split(',')
  if (type === undefined && issuer === undefined && audience === undefined) return undefined // the stacks' default
  return {
    type: 'jwt',
    issuer: issuer ?? userApiSettings.auth.issuer,
    audience: audience ?? userApiSettings.auth.audience,
  }
}

// The CLI sets CDK_DEFAULT_* from its credentials; without them the stacks stay environment-agnostic (nothing in them
// needs a concrete account or region at synthesis time).
const account = process.env.CDK_DEFAULT_ACCOUNT
const region = process.env.CDK_DEFAULT_REGION
deployRecipes(app, {
  userApiKind,
  userApiAuth: userApiAuth(),
  env: account || region ? { ...(account ? { account } : {}), ...(region ? { region } : {}) } : undefined,
})
app.synth()
