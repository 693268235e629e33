import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';
import { projectRecord } from '../../lib/classify/record-fields';
import { ConfigurationError, LogTooLargeError, MalformedLogError } from '../../lib/core/errors';
import {
  DEFAULT_READ_LIMITS,
  type ReadLimits,
  type ReadSummary,
  readS3Records,
} from '../../lib/formats/cloudtrail-reader';
import { chunkedBody } from '../support/synthetic-log';

const OBJECT = 's3://trail-bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/file.json.gz';

const s3Get = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  eventVersion: '1.09',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  eventID: id,
  sourceIPAddress: '203.0.113.9',
  requestParameters: { bucketName: 'b', key: 'k' },
  ...extra,
});
const kmsBySs3 = (id: string): Record<string, unknown> => ({
  eventVersion: '1.08',
  eventSource: 'kms.amazonaws.com',
  eventName: 'GenerateDataKey',
  eventID: id,
  sourceIPAddress: 's3.amazonaws.com',
});
const sts = (id: string): Record<string, unknown> => ({
  eventVersion: '1.08',
  eventSource: 'sts.amazonaws.com',
  eventID: id,
});

function logOf(records: unknown[]): Buffer {
  return Buffer.from(JSON.stringify({ Records: records }), 'utf8');
}

async function* once(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

async function readAll(
  body: AsyncIterable<Uint8Array>,
  limits?: ReadLimits,
): Promise<{ records: CloudTrailRecord[]; summary: ReadSummary }> {
  const records: CloudTrailRecord[] = [];
  const reader = readS3Records(body, OBJECT, limits);
  for (;;) {
    const step = await reader.next();
    if (step.done) return { records, summary: step.value };
    records.push(step.value);
  }
}

/** Reads `body` expecting a failure, and returns it. */
async function readError(body: AsyncIterable<Uint8Array>, limits?: ReadLimits): Promise<Error> {
  try {
    await readAll(body, limits);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected readS3Records to throw');
}

function expectMalformed(error: Error, code: string, problem: RegExp): void {
  expect(error).toBeInstanceOf(MalformedLogError);
  expect((error as MalformedLogError).code).toBe(code);
  expect((error as MalformedLogError).retryable).toBe(false);
  expect(error.message.startsWith(`${OBJECT}: `)).toBe(true);
  expect(error.message).toMatch(problem);
}

describe('Function: readS3Records', () => {
  describe('reading', () => {
    it('yields the S3 records of a plain JSON log in file order and drops the others', async () => {
      // Prepare
      const log = logOf([
        s3Get('a'),
        sts('b'),
        kmsBySs3('c'),
        s3Get('d'),
        { ...s3Get('e'), eventSource: 'S3.amazonaws.com' },
      ]);

      // Act
      const { records, summary } = await readAll(once(log));

      // Assess
      expect(records.map((r) => r.eventID)).toEqual(['a', 'd']);
      expect(records[0]).toEqual(projectRecord(s3Get('a')));
      expect(summary).toEqual({
        records: 5,
        s3Records: 2,
        compressedBytes: log.length,
        decompressedBytes: log.length,
        gzip: false,
      });
    });

    it('detects gzip by its magic bytes and reports both sizes', async () => {
      // Prepare
      const log = logOf([s3Get('a'), sts('b'), s3Get('c')]);
      const gzip = gzipSync(log);

      // Act
      const { records, summary } = await readAll(chunkedBody(gzip, 1));

      // Assess
      expect(records.map((r) => r.eventID)).toEqual(['a', 'c']);
      expect(summary).toEqual({
        records: 3,
        s3Records: 2,
        compressedBytes: gzip.length,
        decompressedBytes: log.length,
        gzip: true,
      });
    });

    it('accepts Buffer chunks from a Node stream and plain Uint8Array chunks', async () => {
      // Prepare
      const log = gzipSync(logOf([s3Get('a')]));
      const half = Math.floor(log.length / 2);

      // Act
      const fromStream = await readAll(Readable.from([log.subarray(0, half), log.subarray(half)]));
      const fromArrays = await readAll(chunkedBody(log, 5));

      // Assess
      expect(fromStream.records).toEqual([projectRecord(s3Get('a'))]);
      expect(fromArrays.records).toEqual([projectRecord(s3Get('a'))]);
    });

    it('reads concatenated gzip members as one stream, as gunzip does', async () => {
      // Prepare
      const log = logOf([s3Get('a'), sts('b'), s3Get('c')]);
      const members = Buffer.concat([
        gzipSync(log.subarray(0, 40)),
        gzipSync(log.subarray(40, 90)),
        gzipSync(log.subarray(90)),
      ]);

      // Act
      const { records, summary } = await readAll(chunkedBody(members, 7));

      // Assess
      expect(records.map((r) => r.eventID)).toEqual(['a', 'c']);
      expect(summary.decompressedBytes).toBe(log.length);
    });

    it('finds Records after other top-level keys, skipping nested values, decoys and whitespace', async () => {
      // Prepare
      const text = ` \r\n\t{ "Records2": [{"eventSource":"s3.amazonaws.com"}], "x": {"Records": "no", "y": ["]}", {"z": [[]]}]},
        "n": -1.5e+3, "t": true, "f": false, "nil": null, "s": "a \\" } ] [ {",
        "R\\u0065cords" : [ ${JSON.stringify(s3Get('a'), null, 2)} ,
          ${JSON.stringify(sts('b'))} ] , "after": {"Records": [1]} }  \n`;

      // Act
      const { records, summary } = await readAll(chunkedBody(Buffer.from(text), 3));

      // Assess
      expect(records).toEqual([projectRecord(s3Get('a'))]);
      expect(summary.records).toBe(2);
    });

    it('reads an empty Records array', async () => {
      // Act
      const { records, summary } = await readAll(once(Buffer.from('{"Records":[]}')));

      // Assess
      expect(records).toEqual([]);
      expect(summary.records).toBe(0);
    });

    it('parses records whose eventSource is written with \\u escapes, and keeps multi-byte characters', async () => {
      // Prepare
      const text = `{"Records":[{"eventSource":"s3\\u002eamazonaws\\u002Ecom","eventID":"a","userAgent":"r\u00e9ception/\u65e5\u672c/\ud83d\ude00"},{"eventSource":"\\u0073ts.amazonaws.com","eventID":"b"}]}`;

      // Act
      const { records } = await readAll(chunkedBody(Buffer.from(text, 'utf8'), 1));

      // Assess
      expect(records).toEqual([{ eventSource: 's3.amazonaws.com', eventID: 'a', userAgent: 'réception/日本/😀' }]);
    });

    it("is exact where CloudTrail's record separator appears inside a record", async () => {
      // Prepare: a nested object that starts like a record, so the guessed end is wrong
      const inner = `{"eventVersion":"1.0","eventSource":"s3.amazonaws.com"}`;
      const text = `{"Records":[{"eventVersion":"1.09","eventSource":"s3.amazonaws.com","eventID":"a","list":[{"k":1},{"eventVersion":"x"}],"nested":[{},${inner}]},{"eventVersion":"1.09","eventSource":"s3.amazonaws.com","eventID":"b"}]}`;

      // Act
      const { records, summary } = await readAll(once(Buffer.from(text)));

      // Assess
      expect(records).toEqual((JSON.parse(text) as { Records: unknown[] }).Records.map(projectRecord));
      expect(summary.records).toBe(2);
    });

    for (const format of ['plain', 'gzip'] as const) {
      it(`releases the body when the consumer stops early (${format})`, async () => {
        // Prepare
        const log = logOf(Array.from({ length: 2000 }, (_, i) => s3Get(String(i))));
        const data = format === 'gzip' ? gzipSync(log) : log;
        let released = false;
        async function* body(): AsyncGenerator<Uint8Array> {
          try {
            yield* chunkedBody(data, 512);
          } finally {
            released = true;
          }
        }

        // Act
        const reader = readS3Records(body(), OBJECT);
        const first = await reader.next();
        await reader.return(undefined as never);
        await new Promise((resolve) => setTimeout(resolve, 50));

        // Assess
        expect(first.value).toEqual(projectRecord(s3Get('0')));
        expect(released).toBe(true);
      });
    }

    it('passes errors of the body through unchanged', async () => {
      // Prepare
      const failure = new Error('socket hang up');
      const gzip = gzipSync(logOf(Array.from({ length: 500 }, (_, i) => s3Get(String(i)))));
      async function* body(): AsyncGenerator<Uint8Array> {
        yield gzip.subarray(0, 1000);
        throw failure;
      }

      // Act
      const error = await readError(body());

      // Assess
      expect(error).toBe(failure);
    });

    it('rejects limits that are not positive integers', async () => {
      // Act
      const error = await readError(once(logOf([])), { maxDecompressedBytes: 0, maxRecordBytes: 10 });

      // Assess
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toMatch(/maxDecompressedBytes/);
    });

    it('has default limits sized for a 50 MB CloudTrail file and 256 KB events', () => {
      // Assess
      expect(DEFAULT_READ_LIMITS.maxDecompressedBytes).toBe(2 * 1024 ** 3);
      expect(DEFAULT_READ_LIMITS.maxRecordBytes).toBe(1024 ** 2);
    });
  });

  describe('errors', () => {
    it('corrupt-gzip: data after the magic bytes is not deflate', async () => {
      // Prepare
      const gzip = gzipSync(logOf([s3Get('a')]));
      gzip.fill(0xff, 10, 30);

      // Act
      const error = await readError(once(gzip));

      // Assess
      expectMalformed(error, 'corrupt-gzip', /not valid gzip data/);
    });

    it('corrupt-gzip: the gzip stream stops before its end', async () => {
      // Prepare
      const gzip = gzipSync(logOf(Array.from({ length: 50 }, (_, i) => s3Get(String(i)))));

      // Act
      const error = await readError(chunkedBody(gzip.subarray(0, gzip.length - 100), 64));

      // Assess
      expectMalformed(error, 'corrupt-gzip', /gzip stream is truncated/);
    });

    it('decompressed-too-large: stops a gzip bomb at the cap, without reading the rest of the body', async () => {
      // Prepare: 500 MiB of whitespace inside a valid document, as 50 concatenated 10 MiB members
      const member = gzipSync(Buffer.alloc(10 * 1024 ** 2, 0x20));
      const bomb = Buffer.concat([gzipSync(Buffer.from('{"Records":[')), ...Array.from({ length: 50 }, () => member)]);
      let pulled = 0;
      async function* counted(): AsyncGenerator<Uint8Array> {
        for await (const chunk of chunkedBody(bomb, 1024)) {
          pulled += chunk.length;
          yield chunk;
        }
      }

      // Act
      const error = await readError(counted(), { maxDecompressedBytes: 1024 ** 2, maxRecordBytes: 1024 });

      // Assess
      expect(error).toBeInstanceOf(LogTooLargeError);
      expect((error as LogTooLargeError).code).toBe('decompressed-too-large');
      expect(error.message).toMatch(new RegExp(`^${OBJECT}: decompresses to more than 1048576 bytes`));
      expect(pulled).toBeLessThan(bomb.length / 10);
    });

    it('decompressed-too-large: applies to plain JSON too', async () => {
      // Act
      const error = await readError(chunkedBody(logOf(Array.from({ length: 100 }, (_, i) => s3Get(String(i)))), 256), {
        maxDecompressedBytes: 4096,
        maxRecordBytes: 1024,
      });

      // Assess
      expect((error as LogTooLargeError).code).toBe('decompressed-too-large');
    });

    it('not-json: the first non-whitespace byte is not {', async () => {
      // Act
      const html = await readError(once(Buffer.from('  <html>AccessDenied</html>')));
      const array = await readError(once(Buffer.from('[{"Records":[]}]')));

      // Assess
      expectMalformed(html, 'not-json', /does not start with a JSON object: found '<' \(0x3c\) at byte 2/);
      expectMalformed(array, 'not-json', /found '\['/);
    });

    it('not-json: an empty body, or an empty gzip member', async () => {
      // Act
      const empty = await readError(once(Buffer.alloc(0)));
      const emptyGzip = await readError(once(gzipSync(Buffer.alloc(0))));

      // Assess
      expectMalformed(empty, 'not-json', /is empty/);
      expectMalformed(emptyGzip, 'not-json', /is empty/);
    });

    it('not-json: invalid JSON inside an S3 record, with its byte offset', async () => {
      // Prepare
      const good = JSON.stringify(s3Get('a'));
      const text = `{"Records":[${good},{"eventSource":"s3.amazonaws.com","eventID":tru}]}`;
      const recordStart = 13 + good.length;

      // Act
      const error = await readError(chunkedBody(Buffer.from(text), 10));

      // Assess
      expectMalformed(
        error,
        'not-json',
        new RegExp(`Records\\[1\\] \\(starting at byte ${recordStart}\\) is not valid JSON near byte \\d+`),
      );
      expect((error as MalformedLogError).cause).toBeInstanceOf(SyntaxError);
    });

    it('not-json: a raw control character inside a string, in one chunk or cut across chunks', async () => {
      // Prepare: the fast parser crosses strings without reading them; the reader must notice
      const good = JSON.stringify(s3Get('a'));
      const text = `{"Records":[${good},{"eventSource":"s3.amazonaws.com","eventID":"b","userAgent":"x\ty"}]}`;

      for (const body of [once(Buffer.from(text)), chunkedBody(Buffer.from(text), 10), once(gzipSync(text))]) {
        // Act
        const error = await readError(body);

        // Assess
        expectMalformed(error, 'not-json', /Records\[1\] \(starting at byte \d+\) is not valid JSON/);
      }
    });

    it('not-json: an element of Records is not an object', async () => {
      // Act
      const error = await readError(once(Buffer.from(`{"Records":[${JSON.stringify(s3Get('a'))}, "oops"]}`)));

      // Assess
      expectMalformed(error, 'not-json', /Records\[1\] is not a JSON object: found '"'/);
    });

    it('not-json: unbalanced structure, trailing data, a second Records key', async () => {
      // Act
      const unbalanced = await readError(once(Buffer.from('{"Records":[{"a":1}}')));
      const trailing = await readError(once(Buffer.from('{"Records":[]} {"Records":[]}')));
      const twice = await readError(once(Buffer.from('{"Records":[],"Records":[]}')));
      const trailingComma = await readError(once(Buffer.from('{"Records":[],}')));

      // Assess
      expectMalformed(unbalanced, 'not-json', /expected ',' or '\]' after Records\[0\], found '}'/);
      expectMalformed(trailing, 'not-json', /data after the end of the JSON document/);
      expectMalformed(twice, 'not-json', /second top-level Records key/);
      expectMalformed(trailingComma, 'not-json', /expected a key of the top-level object/);
    });

    it('no-records: the document has no Records key', async () => {
      // Act
      const error = await readError(once(Buffer.from('{"foo": {"Records": []}}')));
      const empty = await readError(once(Buffer.from('{}')));

      // Assess
      expectMalformed(error, 'no-records', /has no top-level Records array/);
      expectMalformed(empty, 'no-records', /has no top-level Records array/);
    });

    it('no-records: Records is not an array', async () => {
      // Act
      const object = await readError(once(Buffer.from('{"Records": {"0": {}}}')));
      const nul = await readError(once(gzipSync(Buffer.from('{"Records":null}'))));

      // Assess
      expectMalformed(object, 'no-records', /Records is not an array: found '{'/);
      expectMalformed(nul, 'no-records', /Records is not an array: found 'n'/);
    });

    it('truncated: the JSON ends inside the document, plain or inside a valid gzip stream', async () => {
      // Prepare
      const log = logOf(Array.from({ length: 20 }, (_, i) => s3Get(String(i))));
      const cut = log.subarray(0, Math.floor(log.length * 0.6));

      // Act
      const plain = await readError(chunkedBody(cut, 100));
      const gzip = await readError(once(gzipSync(cut)));
      const afterRecords = await readError(once(Buffer.from('{"Records":[]')));

      // Assess
      expectMalformed(plain, 'truncated', /ends inside the JSON document after \d+ bytes \(\d+ records read\)/);
      expectMalformed(gzip, 'truncated', /file is truncated/);
      expectMalformed(afterRecords, 'truncated', /after 13 bytes/);
    });

    it('throws for every truncation of a document, never yielding a partial count', async () => {
      // Prepare
      const text = Buffer.from(
        `{"Digest": {"a": ["x\\"y", 1.5, null]},\n "Records": [${JSON.stringify(s3Get('a'))},${JSON.stringify(sts('b'))},\n ${JSON.stringify(s3Get('c', { key: 'café 日' }))}]}`,
      );
      const complete = text.lastIndexOf('}') + 1;

      // Act
      const outcomes: string[] = [];
      for (let cut = 0; cut < complete; cut++) {
        const error = await readError(chunkedBody(text.subarray(0, cut), 5));
        outcomes.push(error instanceof MalformedLogError ? error.code : `unexpected ${error.name}`);
      }
      const whole = await readAll(once(text));

      // Assess
      expect(new Set(outcomes)).toEqual(new Set(['not-json', 'truncated']));
      expect(outcomes.slice(1).every((code) => code === 'truncated')).toBe(true);
      expect(whole.records.map((r) => r.eventID)).toEqual(['a', 'c']);
    });

    it('record-too-large: a record over the cap, within one chunk or across many', async () => {
      // Prepare
      const limits = { maxDecompressedBytes: 1024 ** 2, maxRecordBytes: 2000 };
      const log = logOf([s3Get('a'), s3Get('b', { padding: 'x'.repeat(3000) })]);

      // Act
      const whole = await readError(once(log), limits);
      const chunked = await readError(chunkedBody(log, 100), limits);
      const nonS3 = await readError(once(logOf([{ ...sts('c'), padding: 'x'.repeat(3000) }])), limits);

      // Assess
      for (const error of [whole, chunked, nonS3]) {
        expect(error).toBeInstanceOf(LogTooLargeError);
        expect((error as LogTooLargeError).code).toBe('record-too-large');
        expect(error.message).toMatch(/Records\[\d\] at byte \d+ is larger than the 2000-byte cap/);
      }
      expect(whole.message).toMatch(/Records\[1\]/);
    });
  });
});

describe('Function: readS3Records, error messages', () => {
  it('does not copy record text (addresses, ARNs) into the error message', async () => {
    // Prepare
    const body = Buffer.from(
      '{"Records":[{"eventSource":"s3.amazonaws.com","sourceIPAddress":"203.0.113.9","b":tru}]}',
    );

    // Act
    const failure = await (async () => {
      for await (const _ of readS3Records(Readable.from([body]), 'secret-test.json')) {
        // drain
      }
    })().catch((error: unknown) => error as Error);

    // Assess
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^secret-test\.json: Records\[0\]/);
    expect((failure as Error).message).not.toContain('203.0.113.9');
  });
});
