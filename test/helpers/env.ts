/**
 * Sets the environment a recipe's `handler.ts` reads at import (plus dummy credentials and a silent log level) and
 * returns a function that puts back exactly what was there before, unset variables included.
 */
export function setLambdaEnv(variables: Record<string, string>): () => void {
  const all = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', LOG_LEVEL: 'SILENT', ...variables }
  const saved = new Map(Object.keys(all).map((name) => [name, process.env[name]]))
  Object.assign(process.env, all)
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}
