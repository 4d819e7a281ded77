/**
 * The error the local emulators throw for options AWS would refuse.
 *
 * @module
 */
import { ServerlessDoneRightError } from '../errors.js'

/**
 * An emulator was given options AWS would refuse (or was used out of order): a `batchSize` over 10,000, a `parallelizationFactor` of 11,
 * a malformed route key, and so on. Thrown when the emulator is created, before anything runs.
 *
 * @example
 * ```ts
 * import { LocalOptionsError, httpGateway } from 'serverless-done-right/local'
 *
 * try {
 *   await httpGateway({ payloadFormat: '2.0', routes: { 'users/{id}': async () => ({}) } })
 * } catch (error) {
 *   if (error instanceof LocalOptionsError) console.log(error.code, error.message) // 'SDR_LOCAL_OPTIONS' …
 * }
 * ```
 * @group Errors
 */
export class LocalOptionsError extends ServerlessDoneRightError {
  readonly code = 'SDR_LOCAL_OPTIONS'

  /**
   * @param message - which option is wrong and what AWS accepts
   */
  constructor(message: string) {
    super(message)
    this.name = 'LocalOptionsError'
  }
}
