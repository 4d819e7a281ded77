/**
 * The CDK app of the three recipes: `npx cdk deploy --all` (cdk.json runs this file with tsx), `npm run synth` offline.
 *
 * Context: `-c userApi=rest` deploys the user API behind a REST API (payload 1.0) instead of an HTTP API (2.0).
 */
import { App } from 'aws-cdk-lib'
import { deployRecipes } from './stacks.js'

const app = new App()
const userApiKind = app.node.tryGetContext('userApi') === 'rest' ? 'rest' : 'http'
// The CLI sets CDK_DEFAULT_* from its credentials; without them the stacks stay environment-agnostic (nothing in them
// needs a concrete account or region at synthesis time).
const account = process.env.CDK_DEFAULT_ACCOUNT
const region = process.env.CDK_DEFAULT_REGION
deployRecipes(app, {
  userApiKind,
  env: account || region ? { ...(account ? { account } : {}), ...(region ? { region } : {}) } : undefined,
})
app.synth()
