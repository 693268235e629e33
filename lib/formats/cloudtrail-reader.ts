import { isAscii } from 'node:buffer';
import { once } from 'node:events';
import { createGunzip, type Gunzip } from 'node:zlib';
import { type CloudTrailRecord, S3_EVENT_SOURCE } from '../classify/cloudtrail-record';
import { parseRecordFields } from '../classify/record-fields';
import { ConfigurationError, LogTooLargeError, MalformedLogError } from '../core/errors';
import { RecordScanner } from './record-scanner';

/** Caps that keep one log object from taking the Lambda down. */
export interface ReadLimits {
  /** Decompressed bytes after which reading stops: the zip-bomb defence. */
  maxDecompressedBytes: number;
  /** Largest single record accepted; the reader holds at most one record in memory. */
  maxRecordBytes: number;
}

/**
 * A CloudTrail file is at most about 50 MB compressed and its JSON compresses 10 to 20 times,
 * so 2 GiB of JSON is the most a real file decompresses to. CloudTrail events are at most
 * 256 KB; 1 MiB leaves room for escaping without letting a broken file grow a record forever.
 */
export const DEFAULT_READ_LIMITS: ReadLimits = Object.freeze({
  maxDecompressedBytes: 2 * 1024 ** 3,
  maxRecordBytes: 1024 ** 2,
});

/** What one read saw; the generator's return value. */
export interface ReadSummary {
  /** Elements of `Records`, S3 or not. */
  records: number;
  /** Records yielded (eventSource exactly `s3.amazonaws.com`). */
  s3Records: number;
  /** Bytes read from the body. */
  compressedBytes: number;
  /** Bytes of JSON (equal to `compressedBytes` for a plain JSON body). */
  decompressedBytes: number;
  gzip: boolean;
}

/**
 * What CloudTrail writes between two records (it always puts `eventVersion` first); lets the
 * scanner guess where a record ends instead of scanning it (see RecordScanner.guessEnd).
 */
const RECORD_SEPARATOR = '},{"eventVersion":';

/**
 * Gunzip output chunk size. Each chunk costs a thread-pool round trip and a stream hand-off, so
 * zlib's 16 KiB default makes many more of them for a large file (docs/performance.md).
 */
const GUNZIP_CHUNK_BYTES = 120 * 1024;

/**
 * Streams a CloudTrail log (gzip detected by magic bytes 1f 8b, plain JSON accepted too) and yields
 * the records whose eventSource is s3.amazonaws.com, in file order, in batches: those of one
 * decompressed chunk (a few hundred), since awaiting each record on its own costs a promise round
 * trip per record. Records carry only the fields cleartrail reads (see record-fields.ts).
 * `objectName` names the object in every error. The generator's return value is the summary.
 *
 * Memory stays flat whatever the file size: a decompressed chunk or two, and one batch of
 * records, where a whole-file `JSON.parse` of a large file cannot even build the string.
 * Decompression runs on libuv's thread pool while this thread scans and parses. A half-read
 * file always throws: a MalformedLogError (`corrupt-gzip`, `not-json`, `no-records`,
 * `truncated`) or a LogTooLargeError (`decompressed-too-large`, `record-too-large`); errors
 * of the body itself (network) pass through unchanged.
 *
 * @example
 * const reader = readS3RecordBatches(s3Response.Body as AsyncIterable<Uint8Array>, 's3://trail/AWSLogs/...json.gz');
 * let step = await reader.next();
 * while (!step.done) {
 *   for (const record of step.value) requests.accept(record);
 *   step = await reader.next();
 * }
 * console.log(step.value.records, step.value.s3Records);
 */
export async function* readS3RecordBatches(
  body: AsyncIterable<Uint8Array>,
  objectName: string,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): AsyncGenerator<CloudTrailRecord[], ReadSummary, void> {
  checkLimits(limits);
  const summary: ReadSummary = { records: 0, s3Records: 0, compressedBytes: 0, decompressedBytes: 0, gzip: false };
  const scanner = new RecordScanner(objectName, {
    maxRecordBytes: limits.maxRecordBytes,
    needle: S3_EVENT_SOURCE,
    separator: RECORD_SEPARATOR,
  });
  const chunkText = new ChunkText();
  for await (const chunk of decompressedChunks(body, objectName, limits, summary)) {
    scanner.feed(chunk);
    chunkText.reset(chunk);
    const batch: CloudTrailRecord[] = [];
    while (scanner.next()) {
      const record = parseRecord(scanner, objectName, chunkText);
      if (record === undefined) {
        scanner.rescan();
        continue;
      }
      if (record.eventSource === S3_EVENT_SOURCE) batch.push(record);
    }
    summary.s3Records += batch.length;
    if (batch.length > 0) yield batch;
  }
  scanner.finish();
  summary.records = scanner.records;
  return summary;
}

/** readS3RecordBatches one record at a time, for callers that do not need the speed. */
export async function* readS3Records(
  body: AsyncIterable<Uint8Array>,
  objectName: string,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): AsyncGenerator<CloudTrailRecord, ReadSummary, void> {
  const batches = readS3RecordBatches(body, objectName, limits);
  try {
    let step = await batches.next();
    while (!step.done) {
      yield* step.value;
      step = await batches.next();
    }
    return step.value;
  } finally {
    await batches.return(undefined as never);
  }
}

/**
 * One record, parsed by parseRecordFields (which falls back to JSON.parse). Most records are
 * parsed in place in their chunk's text, decoded once per chunk (see ChunkText); a record of a
 * chunk that is not ASCII, or cut by a chunk boundary, is decoded on its own, as UTF-8. Decoding
 * record by record, rather than the whole file at once, keeps V8 strings one-byte for every
 * ASCII record: a whole-file `toString` turns all of it into a two-byte string as soon as one
 * character is not ASCII. Returns undefined when a guessed record end (`scanner.tentative`) did
 * not parse.
 */
function parseRecord(scanner: RecordScanner, objectName: string, chunkText: ChunkText): CloudTrailRecord | undefined {
  const { start, end } = scanner;
  const inChunk = scanner.buffer === chunkText.chunk;
  const shared = inChunk ? chunkText.text(start, end) : undefined;
  const text = shared ?? scanner.buffer.toString('utf8', start, end);
  try {
    if (shared !== undefined) return parseRecordFields(shared, chunkText.backslashFree(start, end), start, end);
    return parseRecordFields(text, inChunk && chunkText.noControl && text.indexOf('\\') < 0);
  } catch (error) {
    if (scanner.tentative) return undefined; // a wrong guess of the record's end: scan it exactly
    const recordText = shared === undefined ? text : shared.slice(start, end);
    const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
    const at =
      position === undefined
        ? scanner.offset
        : scanner.offset + Buffer.byteLength(recordText.slice(0, Number(position)));
    throw new MalformedLogError(
      objectName,
      'not-json',
      `Records[${scanner.index}] (starting at byte ${scanner.offset}) is not valid JSON near byte ${at}: ${withoutSnippet((error as Error).message)}`,
      error,
    );
  }
}

/**
 * What parseRecordFields needs to know about a decompressed chunk. JSON allows no byte below
 * 0x20 inside a string, so in a chunk without them a record without backslashes is "clean": its
 * strings end at the next quote. Such a chunk, when ASCII, is also decoded once (latin1, a plain
 * copy) and its records parsed in place, byte offsets being character offsets. The control-byte
 * check is one `indexOf` per byte value over the chunk: a third of a regular expression's cost.
 */
class ChunkText {
  chunk: Buffer = Buffer.alloc(0);
  noControl = false;
  private ascii = false;
  private decoded: string | undefined;
  /** Index of the next backslash at or after the last record asked about (`chunk.length`: none). */
  private nextBackslash = -1;

  reset(chunk: Buffer): void {
    this.chunk = chunk;
    this.noControl = !hasControlByte(chunk);
    this.ascii = this.noControl && isAscii(chunk);
    this.decoded = undefined;
    this.nextBackslash = -1;
  }

  /**
   * The chunk as a string, when the record at `[start, end)` can be parsed in place: the chunk
   * has no control byte and the record is ASCII. One non-ASCII character (an object key, a user
   * agent) is enough to make a chunk non-ASCII; its other records still share the decoded copy,
   * whose byte offsets are character offsets up to the first non-ASCII byte and for every ASCII
   * record's own range (latin1 maps each byte to one character).
   */
  text(start: number, end: number): string | undefined {
    if (!this.noControl) return undefined;
    if (!this.ascii && !isAscii(this.chunk.subarray(start, end))) return undefined;
    this.decoded ??= this.chunk.toString('latin1');
    return this.decoded;
  }

  /** Whether `chunk[start, end)` holds no backslash; asked in increasing order of `start`. */
  backslashFree(start: number, end: number): boolean {
    if (this.nextBackslash < start) {
      const at = this.chunk.indexOf(BACKSLASH, start);
      this.nextBackslash = at < 0 ? this.chunk.length : at;
    }
    return this.nextBackslash >= end;
  }
}

const BACKSLASH = 0x5c;

function hasControlByte(chunk: Buffer): boolean {
  for (let byte = 0; byte < 0x20; byte++) if (chunk.indexOf(byte) >= 0) return true;
  return false;
}

/**
 * The body's bytes: gunzipped when it starts with the gzip magic, as is otherwise, with the
 * decompression cap applied. Shared with the access-log reader, whose objects S3 writes plain
 * but which a user may have gzipped after downloading them.
 */
export async function* decompressedChunks(
  body: AsyncIterable<Uint8Array>,
  objectName: string,
  limits: ReadLimits,
  summary: ReadSummary,
): AsyncGenerator<Buffer, void, void> {
  const source = body[Symbol.asyncIterator]();
  // Gather at least two bytes to look at the magic, whatever the chunk sizes.
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < 2) {
    const step = await source.next();
    if (step.done) {
      ended = true;
      break;
    }
    const chunk = asBuffer(step.value);
    summary.compressedBytes += chunk.length;
    head.push(chunk);
    headBytes += chunk.length;
  }
  const first = head.length === 1 ? (head[0] as Buffer) : Buffer.concat(head);
  summary.gzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;

  const count = (chunk: Buffer): void => {
    summary.decompressedBytes += chunk.length;
    if (summary.decompressedBytes > limits.maxDecompressedBytes) {
      throw new LogTooLargeError(
        objectName,
        'decompressed-too-large',
        `decompresses to more than ${limits.maxDecompressedBytes} bytes (after ${summary.compressedBytes} compressed bytes); stopped reading`,
      );
    }
  };

  if (!summary.gzip) {
    try {
      if (first.length > 0) {
        count(first);
        yield first;
      }
      while (!ended) {
        const step = await source.next();
        if (step.done) ended = true;
        else {
          const chunk = asBuffer(step.value);
          summary.compressedBytes += chunk.length;
          count(chunk);
          yield chunk;
        }
      }
    } finally {
      // Releases the body (the S3 socket) when reading stopped before its end.
      if (!ended) await source.return?.()?.catch(() => undefined);
    }
    return;
  }

  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  const feeder = feedGunzip(gunzip, source, first, ended, summary);
  try {
    for await (const chunk of gunzip) {
      count(chunk as Buffer);
      yield chunk as Buffer;
    }
  } catch (error) {
    if (feeder.bodyError !== undefined) throw feeder.bodyError;
    if (isZlibError(error)) {
      const truncated = (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR';
      throw new MalformedLogError(
        objectName,
        'corrupt-gzip',
        truncated
          ? `gzip stream is truncated (ends after ${summary.compressedBytes} bytes)`
          : `is not valid gzip data: ${(error as Error).message}`,
        error,
      );
    }
    throw error;
  } finally {
    // Stops decompression at once when the consumer leaves early or a cap is hit; the zip-bomb
    // defence relies on this, as on zlib's backpressure that keeps it at most a chunk ahead.
    feeder.stop();
    gunzip.destroy();
  }
}

/**
 * Copies the body into gunzip with backpressure. A body error (network) destroys gunzip with
 * that error so that the consumer sees it; `stop()` ends the copy when the consumer leaves.
 */
function feedGunzip(
  gunzip: Gunzip,
  source: AsyncIterator<Uint8Array>,
  first: Buffer,
  ended: boolean,
  summary: ReadSummary,
): { stop(): void; bodyError: unknown } {
  const abort = new AbortController();
  const feeder = { bodyError: undefined as unknown, stop: () => abort.abort() };
  const write = async (chunk: Buffer): Promise<void> => {
    if (!gunzip.write(chunk)) await once(gunzip, 'drain', { signal: abort.signal });
  };
  void (async () => {
    try {
      if (first.length > 0) await write(first);
      while (!ended) {
        const step = await source.next();
        if (abort.signal.aborted) return;
        if (step.done) break;
        const chunk = asBuffer(step.value);
        summary.compressedBytes += chunk.length;
        await write(chunk);
      }
      if (!abort.signal.aborted) gunzip.end();
    } catch (error) {
      // After stop() or a gunzip failure the consumer already has its error to report.
      if (abort.signal.aborted || gunzip.destroyed) return;
      feeder.bodyError = error;
      gunzip.destroy(error as Error);
    } finally {
      // Releases the body (the S3 socket) when reading stopped before its end.
      if (abort.signal.aborted) await source.return?.()?.catch(() => undefined);
    }
  })();
  return feeder;
}

function isZlibError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function asBuffer(chunk: Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`log body chunks must be Uint8Array or Buffer, got ${typeof chunk}`);
}

export function checkLimits(limits: ReadLimits): void {
  for (const name of ['maxDecompressedBytes', 'maxRecordBytes'] as const) {
    const value = limits[name];
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new ConfigurationError(`ReadLimits.${name} must be a positive integer, got ${String(value)}`);
    }
  }
}

/**
 * V8 quotes the text around a JSON error (`Unexpected token '}', ..."9","b":tru}" is not valid
 * JSON`); that text is part of a record, with addresses and ARNs, and the message ends up in logs
 * and in the failures list. The position says enough.
 */
function withoutSnippet(message: string): string {
  return message.replace(/,\s*(?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, ' (not valid JSON)');
}
