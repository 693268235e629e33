import { LogTooLargeError, MalformedLogError } from '../core/errors';

/**
 * Finds the byte range of each element of the top-level `Records` array of a CloudTrail
 * document that arrives in chunks, without parsing it: a byte-level state machine that tracks
 * strings, escapes and bracket depth, so it is exact across chunk boundaries and for multi-byte
 * UTF-8 (every structural byte is ASCII, and no byte of a multi-byte UTF-8 sequence is).
 *
 * It also drops, without decoding them, the records that cannot match: a record whose bytes do
 * not contain the `needle` cannot carry it in any field, unless a `\u` escape could spell part of
 * it, in which case the record is passed on for an exact parse.
 *
 * Checks: the document is an object; `Records` is present once and is an array of objects;
 * strings and brackets are balanced; nothing but whitespace follows the document. The grammar
 * inside a record (and inside other top-level values) is left to `JSON.parse` of the records
 * that pass the filter: a dropped record is checked for structure only. Validating every byte
 * of the dropped records would cost a full JSON parse of them, which is what the filter avoids.
 *
 * @example
 * const scanner = new RecordScanner('s3://trail/key.json.gz', { maxRecordBytes: 1 << 20, needle: 's3.amazonaws.com' });
 * scanner.feed(chunk);
 * while (scanner.next()) handle(scanner.buffer.toString('utf8', scanner.start, scanner.end));
 * scanner.finish();
 */
export class RecordScanner {
  /** After `next()` returned true: the bytes of the record are `buffer[start, end)`. */
  buffer: Buffer = EMPTY;
  start = 0;
  end = 0;
  /** Index of that record in `Records`, and the file offset (in decompressed bytes) of its `{`. */
  index = -1;
  offset = 0;
  /** Elements of `Records` seen so far, passed or dropped. */
  records = 0;
  /**
   * Whether the end of the last record was guessed rather than scanned (see `guessEnd`):
   * the caller must parse it, and call `rescan()` if it does not parse.
   */
  tentative = false;

  private readonly objectName: string;
  private readonly maxRecordBytes: number;
  private readonly needle: Buffer;
  private readonly separator: Buffer | undefined;

  private state = START;
  private chunk: Buffer = EMPTY;
  private pos = 0;
  /** File offset of `chunk[0]`. */
  private base = 0;
  /** Lazily found positions of the next needle and `\u` in `chunk` (`chunk.length` when none). */
  private needleAt = -1;
  private escapeAt = -1;
  private separatorAt = -1;
  /** File offset of a record whose guessed end did not parse: it is scanned byte by byte. */
  private exactFrom = -1;

  // Nested-value scanning state; kept in fields only between chunks.
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** A record (or key) cut by a chunk boundary is copied here until its end arrives. */
  private carry: Buffer = Buffer.allocUnsafe(64 * 1024);
  private carryLength = 0;
  private recordStartOffset = 0;

  private key: number[] = [];
  private keyEscaped = false;
  private keyIsRecords = false;
  private topNeedsKey = false;
  private sawRecords = false;

  /**
   * @param options.needle bytes a record must contain to be passed on (see the class comment).
   * @param options.separator bytes that usually sit between two records, starting with the `}`
   *   that ends the first (see `guessEnd`); without it every record is scanned byte by byte.
   */
  constructor(objectName: string, options: { maxRecordBytes: number; needle: string; separator?: string }) {
    this.objectName = objectName;
    this.maxRecordBytes = options.maxRecordBytes;
    this.needle = Buffer.from(options.needle, 'utf8');
    this.separator = options.separator === undefined ? undefined : Buffer.from(options.separator, 'utf8');
    if (this.separator !== undefined && this.separator[0] !== CLOSE_BRACE) {
      throw new Error("RecordScanner: the separator must start with the '}' that ends a record");
    }
  }

  /** Hands the scanner the next chunk; call `next()` until it returns false before feeding again. */
  feed(chunk: Buffer): void {
    this.base += this.chunk.length;
    this.chunk = chunk;
    this.pos = 0;
    this.needleAt = -1;
    this.escapeAt = -1;
    this.separatorAt = -1;
  }

  /**
   * Advances to the next record that may contain the needle. Returns false when the current
   * chunk is used up. Throws MalformedLogError or LogTooLargeError on a malformed document.
   */
  next(): boolean {
    const buf = this.chunk;
    const n = buf.length;
    let i = this.pos;
    while (i < n) {
      if (this.state === RECORD) {
        if (this.carryLength === 0 && this.exactFrom !== this.base + i) {
          const guess = this.guessEnd(buf, i, n);
          if (guess > 0) {
            this.pos = guess;
            this.state = ARRAY_AFTER;
            this.tentative = true;
            return this.found(buf, i, guess, this.records++, this.base + i);
          }
        }
        this.tentative = false;
        const recordStart = this.carryLength > 0 ? 0 : i;
        const end = this.scanNested(buf, i, n);
        if (end < 0) {
          this.appendCarry(buf, recordStart, n);
          this.pos = n;
          return false;
        }
        this.pos = end;
        this.state = ARRAY_AFTER;
        const index = this.records++;
        if (this.carryLength > 0) {
          this.appendCarry(buf, 0, end);
          const size = this.carryLength;
          this.carryLength = 0;
          if (!this.mayMatch(this.carry, 0, size, false)) {
            i = end;
            continue;
          }
          return this.found(this.carry, 0, size, index, this.recordStartOffset);
        }
        if (end - recordStart > this.maxRecordBytes) this.recordTooLarge(index, end - recordStart);
        if (!this.mayMatch(buf, recordStart, end, true)) {
          i = end;
          continue;
        }
        return this.found(buf, recordStart, end, index, this.base + recordStart);
      }
      i = this.structural(buf, i, n);
    }
    this.pos = n;
    return false;
  }

  /**
   * Call when the record just returned was `tentative` and `JSON.parse` rejected it: the
   * scanner goes back to its first byte and finds its end byte by byte.
   */
  rescan(): void {
    if (!this.tentative) throw new Error('RecordScanner.rescan: the last record was not tentative');
    this.tentative = false;
    this.exactFrom = this.offset;
    this.records--;
    this.state = RECORD;
    this.pos = this.start;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  /** Call when the stream has ended; throws if the document is incomplete. */
  finish(): void {
    if (this.state === DONE) return;
    const where = `after ${this.base + this.chunk.length} bytes`;
    if (this.state === START) this.fail('not-json', 'is empty (no JSON document)');
    throw new MalformedLogError(
      this.objectName,
      'truncated',
      `ends inside the JSON document ${where} (${this.records} records read); the file is truncated`,
    );
  }

  private found(buffer: Buffer, start: number, end: number, index: number, offset: number): boolean {
    this.buffer = buffer;
    this.start = start;
    this.end = end;
    this.index = index;
    this.offset = offset;
    return true;
  }

  /**
   * The likely end of the record starting at `start`, or -1: the next `separator` in the chunk
   * (CloudTrail writes `},{"eventVersion":` between records), when the bytes before it may match
   * the needle. The caller parses those bytes: if they parse, they are the record, because a
   * valid JSON object closes at its last byte and nowhere before, and the byte scanner run over
   * the same bytes closes it there too (a prefix tokenises the same on its own as inside the
   * file). If they do not parse, `rescan()` falls back to the byte scanner. This skips the byte loop
   * for the records that get parsed anyway, which cut scanning to a quarter. A record the guess
   * would drop is still scanned byte by byte: dropping it unparsed needs its exact end.
   */
  private guessEnd(buf: Buffer, start: number, n: number): number {
    const separator = this.separator;
    if (separator === undefined) return -1;
    if (this.separatorAt <= start) {
      const at = buf.indexOf(separator, start + 1);
      this.separatorAt = at < 0 ? n : at;
    }
    const end = this.separatorAt + 1;
    if (end > n || end - start > this.maxRecordBytes) return -1;
    return this.mayMatch(buf, start, end, true) ? end : -1;
  }

  /**
   * Whether `buffer[start, end)` contains the needle or a `\u` escape. In a chunk the next
   * occurrence of each is searched once and reused by the records before it: searching from
   * every record start instead rescans the rest of the chunk for each non-matching record, which
   * files of management events are full of (npm run bench; docs/performance.md).
   */
  private mayMatch(buffer: Buffer, start: number, end: number, inChunk: boolean): boolean {
    const needle = this.needle;
    if (!inChunk) {
      const record = buffer.subarray(start, end);
      return record.indexOf(needle) >= 0 || record.indexOf(BACKSLASH_U) >= 0;
    }
    if (this.needleAt < start) {
      const at = buffer.indexOf(needle, start);
      this.needleAt = at < 0 ? buffer.length : at;
    }
    if (this.needleAt + needle.length <= end) return true;
    if (this.escapeAt < start) {
      const at = buffer.indexOf(BACKSLASH_U, start);
      this.escapeAt = at < 0 ? buffer.length : at;
    }
    return this.escapeAt + 2 <= end;
  }

  /**
   * Scans a nested value (object, array, or a string when `inString` is set at depth 0) from
   * `i`, and returns the index just past its end, or -1 when the chunk ends first (the state is
   * kept for the next chunk). This loop sees every byte of the file, so it is kept small: a
   * tight inner loop for strings (the bulk of a CloudTrail record), then one comparison chain
   * for the few structural bytes. It is still the reader's costliest loop; hence `guessEnd`,
   * which spares it most records.
   */
  private scanNested(buf: Buffer, i: number, n: number): number {
    let depth = this.depth;
    if (this.inString) {
      if (this.escaped) {
        if (i >= n) return -1;
        this.escaped = false;
        i++;
      }
      for (;;) {
        if (i >= n) return -1;
        const c = buf[i++];
        if (c === QUOTE) break;
        if (c === BACKSLASH) {
          if (i >= n) {
            this.escaped = true;
            return -1;
          }
          i++;
        }
      }
      this.inString = false;
      if (depth === 0) return i;
    }
    while (i < n) {
      const c = buf[i++];
      if (c === QUOTE) {
        for (;;) {
          if (i >= n) {
            this.inString = true;
            this.depth = depth;
            return -1;
          }
          const d = buf[i++];
          if (d === QUOTE) break;
          if (d === BACKSLASH) {
            if (i >= n) {
              this.inString = true;
              this.escaped = true;
              this.depth = depth;
              return -1;
            }
            i++;
          }
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--depth === 0) {
          this.depth = 0;
          return i;
        }
      }
    }
    this.depth = depth;
    return -1;
  }

  /** Everything outside the records: one byte at a time, as it is a few dozen bytes a file. */
  private structural(buf: Buffer, i: number, n: number): number {
    const c = buf[i] as number;
    switch (this.state) {
      case START:
        if (isWhitespace(c)) return i + 1;
        if (c !== OPEN_BRACE)
          this.fail('not-json', `does not start with a JSON object: found ${describe(c)} at byte ${this.base + i}`);
        this.state = TOP_KEY;
        this.topNeedsKey = false;
        return i + 1;
      case TOP_KEY:
        if (isWhitespace(c)) return i + 1;
        if (c === QUOTE) {
          this.state = TOP_KEY_STRING;
          this.key.length = 0;
          this.keyEscaped = false;
          this.escaped = false;
          return i + 1;
        }
        if (c === CLOSE_BRACE && !this.topNeedsKey) return this.endDocument(i);
        return this.unexpected(c, i, 'a key of the top-level object');
      case TOP_KEY_STRING:
        return this.keyByte(c, i);
      case TOP_COLON:
        if (isWhitespace(c)) return i + 1;
        if (c !== COLON) return this.unexpected(c, i, "':' after a top-level key");
        this.state = TOP_VALUE;
        return i + 1;
      case TOP_VALUE:
        if (isWhitespace(c)) return i + 1;
        return this.startTopValue(c, i);
      case SKIP:
        return this.skipValue(buf, i, n);
      case TOP_AFTER:
        if (isWhitespace(c)) return i + 1;
        if (c === COMMA) {
          this.state = TOP_KEY;
          this.topNeedsKey = true;
          return i + 1;
        }
        if (c === CLOSE_BRACE) return this.endDocument(i);
        return this.unexpected(c, i, "',' or '}' in the top-level object");
      case ARRAY_FIRST:
      case ARRAY_NEXT:
        if (isWhitespace(c)) return i + 1;
        if (c === OPEN_BRACE) {
          this.state = RECORD;
          this.depth = 0;
          this.inString = false;
          this.escaped = false;
          this.recordStartOffset = this.base + i;
          return i;
        }
        if (c === CLOSE_BRACKET && this.state === ARRAY_FIRST) {
          this.state = TOP_AFTER;
          return i + 1;
        }
        return this.fail(
          'not-json',
          `Records[${this.records}] is not a JSON object: found ${describe(c)} at byte ${this.base + i}`,
        );
      case ARRAY_AFTER:
        if (isWhitespace(c)) return i + 1;
        if (c === COMMA) {
          this.state = ARRAY_NEXT;
          return i + 1;
        }
        if (c === CLOSE_BRACKET) {
          this.state = TOP_AFTER;
          return i + 1;
        }
        return this.unexpected(c, i, `',' or ']' after Records[${this.records - 1}]`);
      case DONE:
        if (isWhitespace(c)) return i + 1;
        return this.fail(
          'not-json',
          `has data after the end of the JSON document: ${describe(c)} at byte ${this.base + i}`,
        );
      default:
        throw new Error(`RecordScanner: unknown state ${this.state}`);
    }
  }

  /** Collects a top-level key (up to 256 bytes: `Records` spelled with escapes is at most 42). */
  private keyByte(c: number, i: number): number {
    if (this.escaped) {
      this.escaped = false;
    } else if (c === BACKSLASH) {
      this.escaped = true;
      this.keyEscaped = true;
    } else if (c === QUOTE) {
      this.keyIsRecords = this.key.length <= 256 && decodeKey(this.key, this.keyEscaped) === 'Records';
      this.state = TOP_COLON;
      return i + 1;
    } else if (c < 0x20) {
      return this.unexpected(c, i, 'a character of a top-level key');
    }
    if (this.key.length <= 256) this.key.push(c);
    return i + 1;
  }

  private startTopValue(c: number, i: number): number {
    if (this.keyIsRecords) {
      if (this.sawRecords) this.fail('not-json', `has a second top-level Records key at byte ${this.base + i}`);
      this.sawRecords = true;
      if (c !== OPEN_BRACKET)
        this.fail('no-records', `top-level Records is not an array: found ${describe(c)} at byte ${this.base + i}`);
      this.state = ARRAY_FIRST;
      return i + 1;
    }
    this.state = SKIP;
    this.depth = 0;
    this.escaped = false;
    if (c === QUOTE) {
      this.inString = true;
      return i + 1;
    }
    this.inString = false;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) return i; // scanned by skipValue from the bracket
    if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9) || c === LOWER_T || c === LOWER_F || c === LOWER_N) {
      this.depth = -1; // a number or literal: ends at the next delimiter
      return i + 1;
    }
    return this.unexpected(c, i, 'a value in the top-level object');
  }

  /** Skips a top-level value other than `Records`. */
  private skipValue(buf: Buffer, i: number, n: number): number {
    if (this.depth === -1) {
      // The rest of a number or literal; TOP_AFTER judges the byte that ends it.
      if (isScalarByte(buf[i] as number)) return i + 1;
      this.depth = 0;
      this.state = TOP_AFTER;
      return i;
    }
    const end = this.scanNested(buf, i, n);
    if (end < 0) return n;
    this.state = TOP_AFTER;
    return end;
  }

  private endDocument(i: number): number {
    if (!this.sawRecords) this.fail('no-records', 'has no top-level Records array');
    this.state = DONE;
    return i + 1;
  }

  private appendCarry(buf: Buffer, start: number, end: number): void {
    const length = this.carryLength + (end - start);
    if (length > this.maxRecordBytes) this.recordTooLarge(this.records, length);
    if (length > this.carry.length) {
      const grown = Buffer.allocUnsafe(Math.max(length, this.carry.length * 2));
      this.carry.copy(grown, 0, 0, this.carryLength);
      this.carry = grown;
    }
    buf.copy(this.carry, this.carryLength, start, end);
    this.carryLength = length;
  }

  private recordTooLarge(index: number, bytes: number): never {
    throw new LogTooLargeError(
      this.objectName,
      'record-too-large',
      `Records[${index}] at byte ${this.recordStartOffset} is larger than the ${this.maxRecordBytes}-byte cap (${bytes} bytes read so far); CloudTrail events are at most 256 KB`,
    );
  }

  private unexpected(c: number, i: number, expected: string): never {
    return this.fail(
      'not-json',
      `is not valid JSON: expected ${expected}, found ${describe(c)} at byte ${this.base + i}`,
    );
  }

  private fail(code: string, problem: string): never {
    throw new MalformedLogError(this.objectName, code, problem);
  }
}

const EMPTY = Buffer.alloc(0);
const BACKSLASH_U = Buffer.from('\\u', 'latin1');

const START = 0;
const TOP_KEY = 1;
const TOP_KEY_STRING = 2;
const TOP_COLON = 3;
const TOP_VALUE = 4;
const SKIP = 5;
const TOP_AFTER = 6;
const ARRAY_FIRST = 7;
const ARRAY_NEXT = 8;
const RECORD = 9;
const ARRAY_AFTER = 10;
const DONE = 11;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_T = 0x74;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isScalarByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x2b || c === MINUS || c === 0x45;
}

function decodeKey(bytes: number[], escaped: boolean): string | undefined {
  const text = Buffer.from(bytes).toString('utf8');
  if (!escaped) return text;
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return undefined;
  }
}

function describe(c: number): string {
  const hex = `0x${c.toString(16).padStart(2, '0')}`;
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}' (${hex})` : `byte ${hex}`;
}
