#!/usr/bin/env node
/**
 * The package's `bin`: `npx serverless-done-right init <recipe> [dir]`. See `index.ts`.
 *
 * @module
 */
import { main } from './index.js'

process.exitCode = main(process.argv.slice(2))
