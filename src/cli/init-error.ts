/**
 * What the `init` modules share: the package's name and the error for the person at the terminal.
 *
 * @module
 */

/** The package's name: every import of it or of its subpaths becomes one dependency of a project. */
export const packageName = 'serverless-done-right'

/** A usage error: the message is for the person at the terminal, printed without a stack. */
export class InitError extends Error {
  override readonly name = 'InitError'
}
