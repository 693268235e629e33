import { describe, expect, it } from 'vitest';
import { parseRecordFields, projectRecord } from '../../lib/classify/record-fields';
import { mulberry32, pick } from '../support/random';

// parseRecordFields must give projectRecord(JSON.parse(text)) for every text JSON.parse accepts,
// and throw for every text it refuses, whether the caller vouches for the text being clean (no
// backslash, no control character) or not. These tests generate records around the fields the
// parser keeps, with the shapes and tokens that could trip a hand-written parser.

/** What the reader may claim: `clean` only when the text has no backslash and no control character. */
function isClean(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x5c) return false;
  }
  return true;
}

function reference(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: projectRecord(JSON.parse(text)) };
  } catch {
    return { ok: false };
  }
}

function parsed(
  text: string,
  clean: boolean,
  start?: number,
  end?: number,
): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: parseRecordFields(text, clean, start, end) };
  } catch {
    return { ok: false };
  }
}

/** A random record: kept fields with values of every type, unkept ones, duplicates, odd keys. */
function randomRecord(random: () => number): string {
  const ws = (): string => (random() < 0.15 ? pick([' ', '\n', '\t', '\r\n '], random) : '');
  const string = (): string =>
    JSON.stringify(
      Array.from({ length: Math.floor(random() * 4) }, () =>
        pick(
          ['s3.amazonaws.com', 'GetObject', 'é日😀', '"', '\\', '}', ']', ',', ':', ' ', 'TLSv1.2', '\u0001', ''],
          random,
        ),
      ).join(''),
    );
  const number = (): string => pick(['0', '-0', '12', '-3.25', '1e3', '2.5E-2', '1.08', '-0.0e+0'], random);
  const scalar = (): string => pick([string(), number(), 'true', 'false', 'null'], random);
  const value = (depth: number): string => {
    const x = random();
    if (depth > 3 || x < 0.5) return scalar();
    if (x < 0.75)
      return `[${ws()}${Array.from({ length: Math.floor(random() * 3) }, () => value(depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
    return object(depth + 1, ANY_KEYS);
  };
  const object = (depth: number, keys: readonly string[]): string => {
    const entries = Array.from(
      { length: Math.floor(random() * 6) },
      () => `${JSON.stringify(pick(keys, random))}${ws()}:${ws()}${fieldValue(depth)}`,
    );
    return `{${ws()}${entries.join(`${ws()},${ws()}`)}${ws()}}`;
  };
  const fieldValue = (depth: number): string => {
    const x = random();
    if (x < 0.25) return object(depth + 1, NESTED_KEYS);
    if (x < 0.35)
      return `[${ws()}${Array.from({ length: Math.floor(random() * 3) }, () => object(depth + 1, NESTED_KEYS)).join(',')}${ws()}]`;
    return value(depth);
  };
  return object(0, TOP_KEYS);
}

const TOP_KEYS = [
  'eventVersion',
  'eventSource',
  'eventName',
  'eventTime',
  'eventID',
  'sourceIPAddress',
  'userAgent',
  'userIdentity',
  'requestParameters',
  'additionalEventData',
  'tlsDetails',
  'resources',
  'responseElements',
  'requestID',
  'readOnly',
  '__proto__',
  'constructor',
  'eventNamE',
  '',
];
/** Keys kept somewhere below the top level, and keys never kept. */
const NESTED_KEYS = [
  'arn',
  'type',
  'principalId',
  'sessionContext',
  'ec2RoleDelivery',
  'bucketName',
  'Host',
  'CipherSuite',
  'tlsVersion',
  'ARN',
  'key',
  'attributes',
  '__proto__',
];
const ANY_KEYS = [...TOP_KEYS, ...NESTED_KEYS];

describe('Function: parseRecordFields (differential against JSON.parse)', () => {
  it('gives projectRecord(JSON.parse(text)) for 3,000 random records, clean or not', () => {
    // Prepare
    const random = mulberry32(61);
    let cleanCount = 0;

    for (let i = 0; i < 3000; i++) {
      const text = randomRecord(random);
      const expected = reference(text);

      // Act
      const slow = parsed(text, false);
      const fast = isClean(text) ? parsed(text, true) : undefined;

      // Assess
      expect(expected.ok, text).toBe(true);
      expect(slow, text).toEqual(expected);
      if (fast) {
        cleanCount++;
        expect(fast, text).toEqual(expected);
      }
    }
    expect(cleanCount).toBeGreaterThan(500);
  });

  it('throws exactly where JSON.parse throws, on 20,000 one-character mutations of records', () => {
    // Prepare
    const random = mulberry32(62);
    const alphabet = ['"', '{', '}', '[', ']', ',', ':', ' ', '0', '-', '.', 'e', 't', 'n', 'x', '\t', '\u0007', '\\'];
    let refused = 0;

    for (let i = 0; i < 20_000; i++) {
      const base = randomRecord(random);
      const at = Math.floor(random() * base.length);
      const kind = random();
      const text =
        kind < 0.4
          ? base.slice(0, at) + base.slice(at + 1)
          : kind < 0.7
            ? base.slice(0, at) + pick(alphabet, random) + base.slice(at)
            : base.slice(0, at) + pick(alphabet, random) + base.slice(at + 1);
      const expected = reference(text);

      // Act
      const result = parsed(text, isClean(text));

      // Assess
      expect(result, text).toEqual(expected);
      if (!expected.ok) refused++;
    }
    expect(refused).toBeGreaterThan(5000);
  });

  it('parses a record in place inside a larger text, and refuses one whose string runs past its end', () => {
    // Prepare
    const record = '{"eventSource":"s3.amazonaws.com","userAgent":"curl/8","requestID":"X"}';
    const text = `${record},${record}`;
    const cut = '{"eventSource":"s3.amazonaws.com","userAgent":"cu';

    // Act
    const second = parseRecordFields(text, true, record.length + 1, text.length);
    const first = parseRecordFields(text, true, 0, record.length);

    // Assess
    expect(first).toEqual({ eventSource: 's3.amazonaws.com', userAgent: 'curl/8' });
    expect(second).toEqual(first);
    expect(() => parseRecordFields(`${cut}rl/8"}`, true, 0, cut.length)).toThrow(SyntaxError);
  });

  it('refuses a raw control character inside a string only when the caller did not vouch for the text', () => {
    // Prepare: the contract is that `clean` is only claimed for text without control characters
    const text = '{"userAgent":"a\tb"}';

    // Act + Assess
    expect(() => parseRecordFields(text, false)).toThrow(SyntaxError);
    expect(isClean(text)).toBe(false);
  });

  it('skips an unkept value nested 100,000 deep without overflowing the stack', () => {
    // Prepare
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const text = `{"responseElements":${deep},"eventName":"GetObject"}`;

    // Act
    const record = parseRecordFields(text, true);

    // Assess
    expect(record).toEqual({ eventName: 'GetObject' });
  });

  it('keeps a value whole where the shape expects an object, as JSON.parse gives it', () => {
    // Prepare
    const text =
      '{"userIdentity":[{"arn":"x","key":1}],"tlsDetails":"TLSv1.2","resources":{"ARN":"y"},"requestParameters":null}';

    // Act
    const record = parseRecordFields(text, true);

    // Assess
    expect(record).toEqual({
      userIdentity: [{ arn: 'x', key: 1 }],
      tlsDetails: 'TLSv1.2',
      resources: { ARN: 'y' },
      requestParameters: null,
    });
    expect(record).toEqual(projectRecord(JSON.parse(text)));
  });
});
