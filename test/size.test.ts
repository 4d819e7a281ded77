import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

// CONTRIBUTING.md and the working rules: one concept a file, a plain function per idea. No file in `src/` over 250
// lines, no function over 80 (a function's lines include the functions nested in it: a factory that hides its whole
// logic in closures is one long function). The figures are lines of the source text, comments included.
const maxFileLines = 250
const maxFunctionLines = 80
const root = new URL('..', import.meta.url).pathname
const src = join(root, 'src')

// Exceptions, each with its reason. An exception that no longer exceeds fails the test, so the list only shrinks.
const fileExceptions: Record<string, string> = {}
const functionExceptions: Record<string, string> = {}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

function lineCount(text: string): number {
  return text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length
}

/** A readable name for a function node: its own, its variable's, its property's, or `<anonymous>`. */
function nameOf(node: ts.Node): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isFunctionExpression(node)) && node.name)
    return node.name.getText()
  const parent = node.parent
  if (parent !== undefined && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)))
    return parent.name.getText()
  return '<anonymous>'
}

/** Every function in a file with its length in lines, nested functions included in their parent's length. */
function functionLengths(path: string): Array<{ name: string; lines: number }> {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true)
  const found: Array<{ name: string; lines: number }> = []
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line
      found.push({ name: nameOf(node), lines: last - first + 1 })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

const files = sourceFiles(src).map((path) => relative(root, path))

describe('source size limits', () => {
  it('finds the source files and measures functions (the measure itself works)', () => {
    expect(files.length).toBeGreaterThan(30)
    const lengths = functionLengths(join(root, 'src/budget/invocation.ts'))
    expect(lengths.length).toBeGreaterThan(3)
    expect(lengths.every((entry) => entry.lines >= 1)).toBe(true)
  })

  it(`has no src/ file over ${maxFileLines} lines`, () => {
    const over = files
      .map((file) => ({ file, lines: lineCount(readFileSync(join(root, file), 'utf8')) }))
      .filter(({ file, lines }) => lines > maxFileLines && fileExceptions[file] === undefined)
    expect(over).toEqual([])
  })

  it(`has no src/ function over ${maxFunctionLines} lines`, () => {
    const over = files.flatMap((file) =>
      functionLengths(join(root, file))
        .filter(({ name, lines }) => lines > maxFunctionLines && functionExceptions[`${file} ${name}`] === undefined)
        .map(({ name, lines }) => `${file} ${name}: ${lines} lines`),
    )
    expect(over).toEqual([])
  })

  it('lists only exceptions that still exceed the limits', () => {
    const stale = Object.keys(fileExceptions).filter(
      (file) => !files.includes(file) || lineCount(readFileSync(join(root, file), 'utf8')) <= maxFileLines,
    )
    for (const key of Object.keys(functionExceptions)) {
      const [file, name] = key.split(' ') as [string, string]
      const lengths = files.includes(file) ? functionLengths(join(root, file)) : []
      if (!lengths.some((entry) => entry.name === name && entry.lines > maxFunctionLines)) stale.push(key)
    }
    expect(stale).toEqual([])
  })
})
