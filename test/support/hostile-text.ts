/**
 * Hostile text for tests of how log content is shown: strings drawn from terminal controls,
 * bidi and invisible characters, markup, spreadsheet formulas and long runs, from a seed; the
 * fixed corpus an attacker would try first; and the check that an output carries none of them
 * raw. The check is written out here, apart from lib/core/untrusted-text.ts, so that a narrower
 * rule there fails the tests instead of redefining them.
 */
import { mulberry32, pick } from './random';

/** Every character class the rule covers, as ranges, with tab, CR and LF among the C0 controls. */
const RAW_CLASSES: ReadonlyArray<readonly [number, number, string]> = [
  [0x00, 0x1f, 'C0 control'],
  [0x7f, 0x7f, 'DEL'],
  [0x80, 0x9f, 'C1 control'],
  [0xad, 0xad, 'soft hyphen'],
  [0x061c, 0x061c, 'Arabic letter mark'],
  [0x115f, 0x1160, 'Hangul filler'],
  [0x180e, 0x180e, 'Mongolian vowel separator'],
  [0x200b, 0x200f, 'zero-width or bidi mark'],
  [0x2028, 0x2029, 'line or paragraph separator'],
  [0x202a, 0x202e, 'bidi embedding or override'],
  [0x2060, 0x2064, 'word joiner or invisible operator'],
  [0x2066, 0x2069, 'bidi isolate'],
  [0x3164, 0x3164, 'Hangul filler'],
  [0xd800, 0xdfff, 'lone surrogate'],
  [0xfe00, 0xfe0f, 'variation selector'],
  [0xfeff, 0xfeff, 'byte order mark'],
  [0xe0000, 0xe007f, 'tag character'],
];

/**
 * The raw characters of those classes found in `text`, as `U+XXXX (class) at index`, with the
 * characters in `allowed` (e.g. the line breaks of the output's own layout) let through.
 */
export function rawCharactersIn(text: string, allowed = ''): string[] {
  const found: string[] = [];
  let index = 0;
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    const hit = RAW_CLASSES.find(([low, high]) => code >= low && code <= high);
    if (hit && !allowed.includes(character)) {
      found.push(`U+${code.toString(16).padStart(4, '0')} (${hit[2]}) at ${index}`);
    }
    index += character.length;
  }
  return found;
}

/** What an attacker tries first: screen clears and colours, window titles, C1 CSI, bidi, NUL, CR, DEL, markup, formulas. */
export const HOSTILE_STRINGS = [
  'ua0\x1b[2J\x1b[31mRED\x1b[0m',
  'title\x1b]0;pwned\x07tail',
  'osc8\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\',
  'c1\x9b31mcsi',
  'admin\u202egpj.exe',
  'iso\u2066late\u2069d\u2067x',
  'nul\x00byte',
  'fake\rline',
  'two\nlines',
  'del\x7fete',
  'zero\u200bwidth\ufeff',
  'sep\u2028arator',
  'tag\u{e0041}\u{e0042}',
  'forged \\x1b escape',
  '<script>alert(1)</script>',
  '=HYPERLINK("http://evil.example","x")',
  "+cmd|' /C calc'!A0",
  '-2+3',
  '@SUM(A1:A2)',
  '\tindent',
  '\rreturn',
] as const;

const PIECES = [
  ...HOSTILE_STRINGS,
  'Mozilla/5.0',
  'aws-cli/2.24.10 Python/3.12',
  'é',
  '日本',
  '😀',
  '"',
  "'",
  '&amp;',
  ',',
  '\\',
  '\\u202e',
];

/** One random character of a class the rule covers, or any code point below U+3000. */
function randomCharacter(random: () => number): string {
  const [low, high] = pick(RAW_CLASSES, random);
  const code = random() < 0.8 ? low + Math.floor(random() * (high - low + 1)) : Math.floor(random() * 0x3000);
  return String.fromCodePoint(code);
}

/**
 * Strings that mix hostile pieces, single characters of every class, long runs (up to 1500
 * characters) and ordinary text, from `seed`.
 */
export function hostileStrings(seed: number, count: number): string[] {
  const random = mulberry32(seed);
  const strings: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const length = 1 + Math.floor(random() * 8);
    for (let p = 0; p < length; p++) {
      const roll = random();
      if (roll < 0.4) parts.push(pick(PIECES, random));
      else if (roll < 0.85) parts.push(randomCharacter(random));
      else parts.push(pick(['A', '\x1b', '\u202e', '=', 'x\\'], random).repeat(50 + Math.floor(random() * 250)));
    }
    strings.push(parts.join(''));
  }
  return strings;
}
