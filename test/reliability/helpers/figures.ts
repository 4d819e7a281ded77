/**
 * The one line each reliability suite prints at the end, in a stable format that RELIABILITY.md quotes and a script
 * can parse: `<suite>: key=value key=value …`, where a value that is itself a set of counts prints as `{k=v,k=v}`.
 */
export type Figures = Record<string, number | string | Record<string, number | string>>

/** Formats the figures line; keys keep the order they were given in. */
export function figuresLine(suite: string, figures: Figures): string {
  const value = (entry: Figures[string]) =>
    typeof entry === 'object'
      ? `{${Object.entries(entry)
          .map(([name, inner]) => `${name}=${inner}`)
          .join(',')}}`
      : String(entry)
  return `${suite}: ${Object.entries(figures)
    .map(([name, entry]) => `${name}=${value(entry)}`)
    .join(' ')}`
}

/** Prints the figures line (jest shows `console.log` output with the file's results). */
export function printFigures(suite: string, figures: Figures): void {
  console.log(figuresLine(suite, figures))
}
