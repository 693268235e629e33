import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type CloudTrailRecord, S3_EVENT_SOURCE } from '../../lib/classify/cloudtrail-record';
import { projectRecord } from '../../lib/classify/record-fields';
import { type ReadSummary, readS3Records } from '../../lib/formats/cloudtrail-reader';
import { chunkedBody, type SyntheticLogOptions, syntheticLogJson } from '../support/synthetic-log';

// The reader's fast paths (the `s3.amazonaws.com` pre-filter, guessed record ends, per-record
// parsing of the fields cleartrail reads) must give exactly what a whole-file JSON.parse gives. These tests run both over real
// files and generated ones, whole and cut into chunks that split every token somewhere.

const FIXTURES = join(__dirname, '../fixtures/invictus-ir');
const fixtureNames = readdirSync(FIXTURES).filter((name) => name.endsWith('.json'));

/** Generated files: CloudTrail's compact layout, then layouts that defeat each fast path. */
const GENERATED: Record<string, SyntheticLogOptions> = {
  compact: { records: 20_000, seed: 11 },
  'pretty-printed': { records: 20_000, seed: 12, indent: '  ' },
  'escaped unicode': { records: 20_000, seed: 13, escapeUnicode: true },
  'odd key order, extra top-level keys, tabs and CRLF': {
    records: 20_000,
    seed: 14,
    shuffleKeys: true,
    extraTopLevelKeys: true,
    indent: '\t',
    newline: '\r\n',
  },
};

/** What a whole-file JSON.parse gives, cut down to the fields cleartrail reads (see record-fields.ts). */
function expectedS3Records(json: Buffer): CloudTrailRecord[] {
  const whole = JSON.parse(json.toString('utf8')) as { Records: CloudTrailRecord[] };
  return whole.Records.filter((record) => record.eventSource === S3_EVENT_SOURCE).map(projectRecord);
}

async function readAll(
  body: AsyncIterable<Uint8Array>,
): Promise<{ records: CloudTrailRecord[]; summary: ReadSummary }> {
  const records: CloudTrailRecord[] = [];
  const reader = readS3Records(body, 'differential');
  for (;;) {
    const step = await reader.next();
    if (step.done) return { records, summary: step.value };
    records.push(step.value);
  }
}

const fixtures = fixtureNames.map((name) => readFileSync(join(FIXTURES, name)));
const allFixturesExpected = fixtures.map(expectedS3Records);

describe('Function: readS3Records (differential against JSON.parse)', () => {
  it('has the 55 invictus-ir fixtures to compare', () => {
    // Assess
    expect(fixtureNames).toHaveLength(55);
    expect(allFixturesExpected.flat().length).toBeGreaterThan(200);
  });

  for (const [label, size] of [
    ['whole', Number.MAX_SAFE_INTEGER],
    ['1-byte chunks', 1],
    ['7-byte chunks', 7],
    ['64 KiB chunks', 64 * 1024],
    ['random chunks up to 300 bytes', { max: 300, seed: 5 }],
  ] as const) {
    describe(`every fixture, plain and gzip, ${label}`, () => {
      for (const [i, json] of fixtures.entries()) {
        it(`yields what JSON.parse gives for ${fixtureNames[i]}`, async () => {
          // Prepare
          const expected = allFixturesExpected[i];
          const records = (JSON.parse(json.toString('utf8')) as { Records: unknown[] }).Records.length;

          // Act
          const plain = await readAll(chunkedBody(json, size));
          const gzip = await readAll(chunkedBody(gzipSync(json), size));

          // Assess
          expect(plain.records).toEqual(expected);
          expect(gzip.records).toEqual(expected);
          expect(plain.summary).toMatchObject({ records, s3Records: expected?.length, gzip: false });
          expect(gzip.summary).toMatchObject({ records, s3Records: expected?.length, gzip: true });
        });
      }
    });
  }

  it('yields what JSON.parse gives for 300 random documents with tricky strings, layouts and chunk sizes', async () => {
    for (let seed = 1; seed <= 300; seed++) {
      // Prepare
      const json = Buffer.from(randomDocument(seed), 'utf8');
      const expected = expectedS3Records(json);

      // Act
      const plain = await readAll(chunkedBody(json, { max: 1 + (seed % 40), seed }));
      const gzip = await readAll(chunkedBody(gzipSync(json), { max: 1 + (seed % 13), seed }));

      // Assess
      expect(plain.records, `seed ${seed}`).toEqual(expected);
      expect(gzip.records, `seed ${seed}`).toEqual(expected);
    }
  });

  for (const [name, options] of Object.entries(GENERATED)) {
    describe(`generated file: ${name}`, () => {
      const json = syntheticLogJson(options);
      const gzip = gzipSync(json);
      const expected = expectedS3Records(json);

      it('has S3 and non-S3 records, multi-byte characters and the layout asked for', () => {
        // Assess
        expect(expected.length).toBeGreaterThan(15_000);
        expect(expected.length).toBeLessThan(20_000);
        expect(json.length).toBeGreaterThan(20_000 * 1000);
        const text = json.toString('utf8');
        if (options.escapeUnicode) expect(text).toContain('"s3\\u002eamazonaws.com"');
        else expect(/[^ -~\t\r\n]/.test(text)).toBe(true);
        if (options.shuffleKeys) expect(text).not.toContain('{"eventVersion"');
      });

      for (const [label, size] of [
        ['64 KiB chunks', 64 * 1024],
        ['random chunks up to 5,000 bytes', { max: 5000, seed: 9 }],
      ] as const) {
        it(`yields what JSON.parse gives, plain and gzip, ${label}`, async () => {
          // Act
          const plain = await readAll(chunkedBody(json, size));
          const gzipped = await readAll(chunkedBody(gzip, size));

          // Assess
          expect(plain.records).toEqual(expected);
          expect(gzipped.records).toEqual(expected);
          expect(plain.summary).toEqual({
            records: options.records,
            s3Records: expected.length,
            compressedBytes: json.length,
            decompressedBytes: json.length,
            gzip: false,
          });
          expect(gzipped.summary).toEqual({
            records: options.records,
            s3Records: expected.length,
            compressedBytes: gzip.length,
            decompressedBytes: json.length,
            gzip: true,
          });
        });
      }

      // Tiny chunks cost a few microseconds each in async iteration (a 35 MB file in 7-byte chunks
      // takes minutes), and what they test does not depend on the file's length.
      for (const [label, size, records] of [
        ['1-byte chunks', 1, 200],
        ['7-byte chunks', 7, 1000],
      ] as const) {
        it(`yields what JSON.parse gives, plain and gzip, ${label} (first ${records} records)`, async () => {
          // Prepare
          const small = syntheticLogJson({ ...options, records });
          const smallExpected = expectedS3Records(small);

          // Act
          const plain = await readAll(chunkedBody(small, size));
          const gzipped = await readAll(chunkedBody(gzipSync(small), size));

          // Assess
          expect(smallExpected.length).toBeGreaterThan(records * 0.8);
          expect(plain.records).toEqual(smallExpected);
          expect(gzipped.records).toEqual(smallExpected);
        });
      }
    });
  }
});

/**
 * A small random CloudTrail-like document: records of random shape whose strings hold what
 * trips a byte scanner (quotes, backslashes, brackets, CloudTrail's record separator, the S3
 * needle, `\u` escapes, multi-byte characters), in compact or spaced layout.
 */
function randomDocument(seed: number): string {
  let state = seed >>> 0;
  const rng = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
  const TRICKY = [
    '},{"eventVersion":',
    's3.amazonaws.com',
    '\\',
    '\\"',
    '"',
    '[{',
    '}]',
    '\\u0073',
    'é',
    '日本',
    '😀',
    ' ',
    '',
  ];
  const ws = (): string => (rng() < 0.3 ? pick([' ', '\n', '\t', '\r\n  ']) : '');
  const str = (): string => JSON.stringify(Array.from({ length: Math.floor(rng() * 4) }, () => pick(TRICKY)).join(''));
  const value = (depth: number): string => {
    const x = rng();
    if (depth > 3 || x < 0.4)
      return pick([str(), String(Math.floor(rng() * 1e6) / 100), 'true', 'false', 'null', '-0.5e-3']);
    if (x < 0.7)
      return `[${ws()}${Array.from({ length: Math.floor(rng() * 3) }, () => value(depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
    // Nested objects that start like a record make the guessed record end wrong.
    return object(depth + 1, rng() < 0.3 ? ['"eventVersion":"nested"'] : []);
  };
  const object = (depth: number, fixed: string[]): string => {
    const entries = [...fixed];
    for (let k = Math.floor(rng() * 4); k > 0; k--) entries.push(`${str()}${ws()}:${ws()}${value(depth)}`);
    return `{${ws()}${entries.join(`${ws()},${ws()}`)}${ws()}}`;
  };
  const records = Array.from({ length: 1 + Math.floor(rng() * 8) }, () => {
    const source = pick([
      '"s3.amazonaws.com"',
      '"s3\\u002eamazonaws.com"',
      '"kms.amazonaws.com"',
      '"S3.amazonaws.com"',
      '"s3.amazonaws.com "',
    ]);
    const fixed = [`"eventVersion":${ws()}"1.0${Math.floor(rng() * 10)}"`, `"eventSource":${ws()}${source}`];
    if (rng() < 0.5) fixed.reverse();
    return object(0, fixed);
  });
  const recordsJson = `"Records"${ws()}:${ws()}[${ws()}${records.join(`${ws()},${ws()}`)}${ws()}]`;
  return rng() < 0.5
    ? `{${ws()}${recordsJson}${ws()}}`
    : `{${ws()}"x":${value(0)},${ws()}${recordsJson},"y":${value(0)}${ws()}}${ws()}`;
}
