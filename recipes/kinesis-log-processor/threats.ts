/**
 * Threat detection: one table of rules matched against each request, and the per-batch brute-force count.
 *
 * Every pattern is matched against the decoded, canonical text (`decode.ts`: percent-decoded until stable, `+` as a
 * space in the query, lower case, `\` as `/`, SQL comments and whitespace runs as one space) unless the rule says
 * `raw`. Whitespace runs are one space (or one newline, a shell command separator), so `\s?` stands for
 * any spacing. Quantifiers are bounded so that no input can make a pattern backtrack for long.
 *
 * @module
 */
import { decodedParts, type RequestParts, rawParts } from './decode.js'

/** What kind of attack a rule detects. */
export type ThreatKind = 'sql-injection' | 'xss' | 'path-traversal' | 'command-injection' | 'scanner' | 'brute-force'

/** The request parts a rule can inspect. */
export type InspectedField = keyof RequestParts

/** One detected threat, written into the enriched event. */
export interface Threat {
  readonly kind: ThreatKind
  /** The rule that matched, from {@link threatRules} (or `brute-force-auth-failures`). */
  readonly rule: string
  /** Where it matched; `status` for brute force, which is about the responses, not the request. */
  readonly field: InspectedField | 'status'
}

/** One row of the rule table. */
export interface ThreatRule {
  readonly rule: string
  readonly kind: ThreatKind
  /** What it catches, for the reader of this table and of the README. */
  readonly description: string
  readonly fields: readonly InspectedField[]
  readonly pattern: RegExp
  /** Match the request as logged instead of decoded: for rules about the encoding itself. */
  readonly raw?: true
}

const everywhere: readonly InspectedField[] = ['path', 'query', 'userAgent']
const target: readonly InspectedField[] = ['path', 'query']
/** Event handler attributes, by name, so that an `onion=` parameter after a `<` is no attack. */
const eventHandlers =
  'error|load|unload|beforeunload|click|dblclick|auxclick|contextmenu|mouse[a-z]{2,5}|pointer[a-z]{2,6}|focus(?:in|out)?|blur|key(?:down|up|press)|submit|change|input|toggle|begin|end|(?:animation|transition)[a-z]{3,9}|touch[a-z]{3,6}|wheel|scroll|drag[a-z]{0,5}|drop|copy|paste|cut|play(?:ing)?|pause|resize|message|hashchange|popstate|select|show|search|invalid|reset|abort|canplay|ended|progress|readystatechange'
const shellCommands =
  'cat|ls|id|whoami|uname|wget|curl|nc|ncat|netcat|bash|sh|zsh|python[23]?|perl|php|ruby|ping|rm|chmod|chown|powershell|cmd(?:\\.exe)?|echo|nslookup'

/** The rules, in the order their threats are reported. */
export const threatRules: readonly ThreatRule[] = [
  {
    rule: 'sql-union-select',
    kind: 'sql-injection',
    description:
      '`UNION [ALL] SELECT` appends rows from another query, the `SELECT` maybe in parentheses: `UNION(SELECT …)`',
    fields: everywhere,
    pattern: /\bunion(?:\s(?:all|distinct))?\s?(?:\(\s?){0,8}select\b/,
  },
  {
    rule: 'sql-tautology',
    kind: 'sql-injection',
    description: "a quote closed, then an always-true condition: `' OR '1'='1`, `1 OR 1=1`",
    fields: everywhere,
    pattern: /['"`]\s?(?:or|and|xor|\|\||&&)\s?[^=<>&]{0,24}?(?:=|<>|!=|\slike\s)|\b(?:or|and)\s(\d{1,9})\s?=\s?\1\b/,
  },
  {
    rule: 'sql-comment-terminator',
    kind: 'sql-injection',
    description: "a quote closed, then the rest of the query commented out: `admin'--`, `1')#`",
    fields: everywhere,
    pattern: /['"`]\s?\)?\s?(?:--|#)/,
  },
  {
    rule: 'sql-constant-condition',
    kind: 'sql-injection',
    description: "a quote closed, a condition on a constant, then the rest commented out: `admin' OR 1 -- `, `'||1#`",
    fields: everywhere,
    pattern: /['"`]\s?\)?\s?(?:or|and|xor|\|\||&&)\s?(?:[-+]?\d{1,12}|true|false|null)\s?(?:--|#)/,
  },
  {
    rule: 'sql-stacked-query',
    kind: 'sql-injection',
    description: 'a second statement after `;`: `; DROP TABLE users`',
    fields: everywhere,
    pattern:
      /;\s?(?:drop\s(?:table|database)|delete\sfrom|insert\sinto|update\s\w{1,64}\sset|truncate\stable|alter\stable|create\s(?:table|user)|exec(?:ute)?\s(?:xp_|sp_)|shutdown\b|declare\s@)/,
  },
  {
    rule: 'sql-function-probe',
    kind: 'sql-injection',
    description: 'functions used to probe blind injections or read the schema: `SLEEP(5)`, `information_schema.tables`',
    fields: everywhere,
    pattern:
      /\b(?:sleep|benchmark|pg_sleep|extractvalue|updatexml|load_file)\s?\(|\bwaitfor\sdelay\s'|\binformation_schema\s?\.\s?(?:tables|columns|schemata)\b|\bxp_cmdshell\b|\binto\s(?:out|dump)file\b|@@version\b/,
  },
  {
    rule: 'xss-script-tag',
    kind: 'xss',
    description: 'a `<script>` element',
    fields: everywhere,
    pattern: /<\s?\/?\s?script\b/,
  },
  {
    rule: 'xss-event-handler',
    kind: 'xss',
    description: 'an HTML tag with an event handler attribute: `<img src=x onerror=…>`, `<svg/onload=…>`',
    fields: everywhere,
    pattern: new RegExp(`<[a-z][^<>]{0,256}?\\bon(?:${eventHandlers})\\s?=`),
  },
  {
    rule: 'xss-dangerous-tag',
    kind: 'xss',
    description:
      'tags that load or run content: `<iframe>`, `<object>`, `<embed>`, `<svg>`, `<math>`, `<base>`, `<meta>`',
    fields: everywhere,
    pattern: /<\s?(?:iframe|object|embed|svg|math|base|meta)\b/,
  },
  {
    rule: 'xss-script-uri',
    kind: 'xss',
    description: 'a script URI that calls something: `javascript:alert(1)`, or an HTML `data:` URI',
    fields: everywhere,
    pattern: /\b(?:java|vb|live)script\s?:\s?[\w.$[\]'"]{1,100}\s?\(|\bdata\s?:\s?text\/html\b/,
  },
  {
    rule: 'xss-dom-sink',
    kind: 'xss',
    description: 'script that reads cookies or runs code: `document.cookie`, `alert(`, `eval(`, `String.fromCharCode(`',
    fields: everywhere,
    pattern:
      /\bdocument\s?\.\s?(?:cookie|domain|write)\b|\bstring\s?\.\s?fromcharcode\s?\(|\b(?:alert|prompt|eval)\s?\(\s?[\w'"`]/,
  },
  {
    rule: 'traversal-dot-segments',
    kind: 'path-traversal',
    description:
      'a `..` path segment (after decoding, with `\\` read as `/`): `/../../etc/passwd`, `?file=..%252f..%252f`',
    fields: target,
    pattern: /(?:^|[/=])\.\.;?(?:\/|$)/,
  },
  {
    rule: 'traversal-overlong-encoding',
    kind: 'path-traversal',
    description:
      'encodings that only exist to sneak `.`, `/` or `\\` past a filter: overlong UTF-8 `%c0%af`, IIS `%u2215`',
    fields: target,
    pattern: /%(?:c0%(?:ae|af|2f|5c|9v)|c1%(?:1c|9c|pc|8s)|e0%80%(?:ae|af))|%u(?:002e|002f|005c|2215|2216|ff0e)/i,
    raw: true,
  },
  {
    rule: 'traversal-system-file',
    kind: 'path-traversal',
    description: 'well-known system files: `/etc/passwd`, `/proc/self/environ`, `win.ini`, `boot.ini`',
    fields: target,
    pattern:
      /(?:^|[/=])(?:etc\/(?:passwd|shadow|group|hosts)|proc\/self\/(?:environ|cmdline|fd)|windows\/(?:win|system)\.ini|boot\.ini)\b/,
  },
  {
    rule: 'traversal-null-byte',
    kind: 'path-traversal',
    description: 'a NUL byte (`%00`), used to cut off an extension the application appends',
    fields: target,
    pattern: /\0/,
  },
  {
    rule: 'cmd-chained-command',
    kind: 'command-injection',
    description:
      'a shell separator, then a command with nothing or an option, path, number or URL after it: `;cat /etc/passwd`, `| id`',
    fields: everywhere,
    pattern: new RegExp(
      `(?:;|\\|\\|?|&&|\\n)\\s?(?:${shellCommands})(?:\\s[-/$\\d]|\\s(?:https?|ftp):\\/\\/|$|\\s?[;|&\`])`,
    ),
  },
  {
    rule: 'cmd-substitution',
    kind: 'command-injection',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text shows shell syntax, not a template
    description: 'shell command substitution or `$IFS` tricks: `$(id)`, `` `whoami` ``, `${IFS}`',
    fields: everywhere,
    pattern: /\$\(\s?[a-z]|`[a-z][^`]{0,200}`|\$\{ifs\}/,
  },
  {
    rule: 'cmd-jndi-lookup',
    kind: 'command-injection',
    description:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the text shows Log4j lookup syntax, not a template
      'Log4Shell: a JNDI lookup (`${jndi:ldap://…}`) or a nested lookup that hides one (`${${lower:j}ndi:…}`)',
    fields: everywhere,
    pattern: /\$\{\s?jndi\s?:|\$\{\s?\$\{/,
  },
  {
    rule: 'cmd-shellshock',
    kind: 'command-injection',
    description: 'Shellshock: a bash function definition in a header, `() { :; };`',
    fields: everywhere,
    pattern: /\(\s?\)\s?\{\s?:?\s?;?\s?\}\s?;/,
  },
  {
    rule: 'scanner-user-agent',
    kind: 'scanner',
    description: 'the user agent of a known vulnerability scanner or brute-forcer: sqlmap, Nikto, Nuclei, …',
    fields: ['userAgent'],
    pattern:
      /\b(?:sqlmap|nikto|nmap|masscan|zgrab|nuclei|acunetix|nessus|openvas|wpscan|dirbuster|gobuster|ffuf|feroxbuster|w3af|havij|netsparker|arachni|zmeu|jorgee|skipfish|commix|whatweb|hydra|burp\s?suite|burp\scollaborator)\b/,
  },
]

/** The rule name brute-force threats carry. */
export const bruteForceRule = 'brute-force-auth-failures'

/** Every rule that matches one request, in table order, at most once per rule. */
export function detectThreats(event: { readonly path: string; readonly userAgent: string }): Threat[] {
  const decoded = decodedParts(event.path, event.userAgent)
  const raw = rawParts(event.path, event.userAgent)
  const threats: Threat[] = []
  for (const { rule, kind, fields, pattern, raw: onRaw } of threatRules) {
    const parts = onRaw === true ? raw : decoded
    const field = fields.find((name) => parts[name] !== '' && pattern.test(parts[name]))
    if (field !== undefined) threats.push({ kind, rule, field })
  }
  return threats
}

/**
 * The IPs with at least `threshold` responses of 401 or 403 among `events` (one batch), each with its count.
 * Brute force is a rate, and the batch is the window the processor sees at once: counting across batches would need
 * shared state (the stream reducer's job), and an attacker that trickles under the threshold per batch is slow.
 */
export function bruteForceSources(
  events: Iterable<{ readonly ip: string; readonly status: number }>,
  threshold: number,
): Map<string, number> {
  const failures = new Map<string, number>()
  for (const { ip, status } of events) {
    if (status === 401 || status === 403) failures.set(ip, (failures.get(ip) ?? 0) + 1)
  }
  for (const [ip, count] of failures) if (count < threshold) failures.delete(ip)
  return failures
}
