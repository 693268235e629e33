/**
 * How text from the logs is shown to a person. Whoever sends a request to a bucket writes its
 * user agent, and a hand-made or copied log file can hold anything in any field, so every
 * human-facing output (terminal tables and messages, the HTML page, CSV, the alert) shows such
 * text through this one rule, and JSON alone gives it back exactly. Pure.
 *
 * The rule ({@link escapeUntrusted}): a character that a terminal, a browser or a mail reader
 * would act on or hide instead of showing is written as a visible escape, in JavaScript's
 * notation:
 * - controls: C0 (U+0000–U+001F), DEL and C1 (U+0080–U+009F) as `\x1b`, `\x9b`; tab, CR and LF
 *   as `\t`, `\r`, `\n`, so a value stays on its line and in its cell;
 * - format characters (Unicode category Cf): the bidi marks, embeddings, overrides and isolates
 *   (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), which reorder what is read ("Trojan
 *   Source"), and the invisible ones (zero-width space and joiners, U+2060, the BOM, soft hyphen,
 *   tag characters), which make two different values look alike, as `\u202e`, `\u{e0041}`;
 * - the line and paragraph separators U+2028 and U+2029, which some readers break lines at;
 * - the other default-ignorable code points (Hangul fillers, variation selectors), which render
 *   as nothing;
 * - a lone surrogate, which no UTF-8 output can carry;
 * - the backslash itself, as `\\`, so a value cannot forge an escape: `\x1b` on screen always
 *   was an ESC, `\\x1b` the four characters.
 * Everything else, markup included, is left as it is: HTML escapes markup on top of this rule
 * (`bin/render/html.ts`), CSV neutralises formulas ({@link csvCell}).
 *
 * Overlong values are cut with `…` ({@link untrustedText}) at a width chosen per output
 * ({@link SHOWN_WIDTH}); the width counts the shown characters, escapes included, and an escape
 * is never cut in half.
 */

/** Widths, in shown characters including the `…`, at which a value from the logs is cut. */
export const SHOWN_WIDTH = {
  /** A user-agent cell of a terminal table or message line: the tables have up to 12 columns. */
  terminalUserAgent: 40,
  /** Any other value from the logs in a terminal table or message line (a principal ARN, a key). */
  terminal: 120,
  /** A value on the HTML page; the page clamps user agents further by CSS and keeps this much in the DOM. */
  html: 1000,
  /** A value in the new-client alert, which an e-mail client shows as plain text. */
  alert: 200,
  /** A value an error message quotes ({@link quoteUntrusted}): enough to recognise it. */
  message: 80,
} as const;

/** What {@link escapeUntrusted} rewrites (see the module comment). */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\\]|[\ud800-\udfff]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');
/** The rule without the backslash: for a whole output, see {@link withoutRawControls}. */
const RAW_CONTROL_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]|[\ud800-\udfff]/gu;

const NAMED: Record<string, string> = { '\t': '\\t', '\r': '\\r', '\n': '\\n', '\\': '\\\\' };

/** The visible escape of one character the rule rewrites. */
function escapeOf(character: string): string {
  const named = NAMED[character];
  if (named !== undefined) return named;
  const code = character.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/**
 * A value from the logs with every character the rule covers written as a visible escape; not cut.
 *
 * @example escapeUntrusted('ua\x1b[2J\u202eevil') // => 'ua\\x1b[2J\\u202eevil'
 */
export function escapeUntrusted(value: string): string {
  return UNSAFE.test(value) ? value.replace(UNSAFE_ALL, escapeOf) : value;
}

/**
 * A value from the logs as a person may see it: escaped ({@link escapeUntrusted}) and, when the
 * result is longer than `width` characters, cut to `width - 1` of them plus `…`.
 *
 * @example untrustedText('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML)', 20) // => 'Mozilla/5.0 (X11; L…'
 */
export function untrustedText(value: string, width: number): string {
  if (!Number.isInteger(width) || width < 1)
    throw new RangeError(`untrustedText: width must be a positive integer, got ${width}`);
  const pieces: Array<{ text: string; size: number }> = [];
  let shown = 0;
  for (const character of value) {
    // An escape is ASCII, one shown character per unit; any other piece is one code point.
    const piece = UNSAFE.test(character) ? { text: escapeOf(character), size: 0 } : { text: character, size: 1 };
    piece.size ||= piece.text.length;
    pieces.push(piece);
    shown += piece.size;
  }
  if (shown <= width) return pieces.map((piece) => piece.text).join('');
  let kept = '';
  let used = 0;
  for (const piece of pieces) {
    if (used + piece.size > width - 1) break;
    kept += piece.text;
    used += piece.size;
  }
  return `${kept}…`;
}

/**
 * A whole output with any raw character of the rule still in it escaped, line breaks kept:
 * the last guard of a sink (`print`, the HTML file, the alert body) for a field a caller forgot.
 * Backslashes are left alone, so text already shown by the rule passes unchanged.
 */
export function withoutRawControls(text: string): string {
  return text.replace(RAW_CONTROL_ALL, (character) => (character === '\n' ? character : escapeOf(character)));
}

/**
 * A value from a log as an error message quotes it: shown by the rule, cut at
 * `SHOWN_WIDTH.message`, in double quotes (a `"` in it as `\"`). Anything but a string is
 * shown as its JSON by the rule. The message is then safe wherever it goes (stderr, the failures list, the
 * Lambda's log) and never carries a record whole.
 *
 * @example quoteUntrusted('yesterday\x1b[2J') // => '"yesterday\\x1b[2J"'
 */
export function quoteUntrusted(value: unknown): string {
  if (typeof value !== 'string') return untrustedText(JSON.stringify(value) ?? String(value), SHOWN_WIDTH.message);
  return `"${untrustedText(value, SHOWN_WIDTH.message).replace(/"/g, '\\"')}"`;
}

/** The characters a spreadsheet reads as the start of a formula, after OWASP's CSV-injection advice. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 CSV cell. A number is written as it is (a negative count is data, not a formula).
 * A string is shown by the rule ({@link escapeUntrusted}, not cut: a CSV is read whole) and, when
 * it begins with `=`, `+`, `-`, `@`, tab or CR, neutralised as OWASP recommends for formula
 * injection: prefixed with `'` and quoted. Pass numeric columns as numbers, never as text.
 *
 * @example csvCell('=HYPERLINK("http://x")') // => '"\'=HYPERLINK(""http://x"")"'
 */
export function csvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const escaped = escapeUntrusted(value);
  const neutral = FORMULA_START.test(value) ? `'${escaped}` : escaped;
  return neutral !== escaped || /[",\n\r]/.test(neutral) ? `"${neutral.replace(/"/g, '""')}"` : neutral;
}
