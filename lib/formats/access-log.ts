import { isAscii } from 'node:buffer';
import { detached } from '../classify/record-fields';
import { isOwnRequest, REFUSED_ERROR_CODE, type S3Request } from '../classify/request';
import type { RequestSource, SourceClassifier } from '../classify/request-source';
import { classifyAccessLogVerdict } from '../classify/verdict';
import { MalformedLogError } from '../core/errors';
import { checkLimits, DEFAULT_READ_LIMITS, decompressedChunks, type ReadSummary } from './cloudtrail-reader';
import { EventIdSet } from './event-id-set';
import type { FormatSummary, LogFormat } from './format';

/**
 * S3 server access logs: one request per line, space-separated fields, `"quoted"` where they may
 * hold spaces, the time in `[brackets]`, `-` for empty. Field positions (0-based) that cleartrail
 * reads; AWS appends new fields at the end, so a line may have more than these.
 */
const FIELD = {
  bucket: 1,
  time: 2,
  remoteIp: 3,
  requester: 4,
  requestId: 5,
  operation: 6,
  httpStatus: 9,
  errorCode: 10,
  userAgent: 16,
  signatureVersion: 19,
  cipherSuite: 20,
  authenticationType: 21,
  tlsVersion: 23,
} as const;

/** Through the user agent: every access-log line since the format began has these. */
export const MIN_ACCESS_LOG_FIELDS = FIELD.userAgent + 1;
/** Fields kept per line; later ones (appended by AWS) are counted and skipped. */
const MAX_FIELDS = 64;

/**
 * `<prefix>YYYY-mm-DD-HH-MM-SS-<unique>`, the name S3 gives every access-log object (also the last
 * part of the date-partitioned form `<prefix><account>/<region>/<bucket>/YYYY/MM/DD/<that>`).
 * The prefix may end in the file name (`logs-2019-...`), so only the end of the name is matched.
 */
const ACCESS_LOG_NAME = /(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9A-Za-z]{8,64})$/;

/**
 * S3 names access-log objects uniquely (time and a random suffix), so the name identifies the
 * object wherever it is read from. The id keeps a prefix of its own: no CloudTrail name or
 * content hash can take the same ledger entry.
 */
export function accessLogId(fileName: string): string | undefined {
  const match = ACCESS_LOG_NAME.exec(fileName);
  return match ? `access-log/${match[1]}` : undefined;
}

/**
 * The UTC hour (`YYYY-MM-DDTHH`) in which S3 delivered an access-log object, from its name;
 * undefined for other names. Requests inside may be older (S3 delivers them within hours).
 */
export function accessLogDeliveryHour(fileName: string): string | undefined {
  const stamp = ACCESS_LOG_NAME.exec(fileName)?.[1];
  return stamp ? `${stamp.slice(0, 10)}T${stamp.slice(11, 13)}` : undefined;
}

/** Whether a file name is that of an S3 server access-log object. */
export function isAccessLogName(fileName: string): boolean {
  return ACCESS_LOG_NAME.test(fileName);
}

/**
 * Whether the first bytes of a file look like an access log: its first line tokenizes into at
 * least the fields every access-log line has, with a bracketed time that parses. Used for a file
 * named on the command line whose name says nothing.
 */
export function looksLikeAccessLog(head: Buffer): boolean {
  const newline = head.indexOf(0x0a);
  const text = head.toString('utf8', 0, newline < 0 ? head.length : newline);
  const offsets = new Int32Array(MAX_FIELDS * 2);
  const count = tokenizeLine(text, 0, trimmedEnd(text, 0, text.length), offsets);
  return (
    count >= MIN_ACCESS_LOG_FIELDS &&
    lineProblem(text, offsets, count) === undefined &&
    new LogTimeParser().parse(text, offsets[FIELD.time * 2] as number, offsets[FIELD.time * 2 + 1] as number) !==
      undefined
  );
}

/**
 * Splits `text[start, end)` into fields, writing each field's bounds (without quotes or
 * brackets) into `offsets`. Returns the number of fields, or -1 when a quote or bracket is not
 * closed. A quoted field ends at a quote followed by a space or the end of the line, so a quote
 * inside a user agent does not end it. Scanning characters, rather than one regular expression
 * per line, leaves the fields cleartrail does not read as offsets: no string is built for them.
 */
export function tokenizeLine(text: string, start: number, end: number, offsets: Int32Array): number {
  let count = 0;
  let at = start;
  while (at < end) {
    while (at < end && text.charCodeAt(at) === SPACE) at++;
    if (at >= end) break;
    const first = text.charCodeAt(at);
    let fieldStart = at;
    let fieldEnd: number;
    if (first === QUOTE) {
      fieldStart = at + 1;
      let close = text.indexOf('"', fieldStart);
      while (close >= 0 && close + 1 < end && text.charCodeAt(close + 1) !== SPACE)
        close = text.indexOf('"', close + 1);
      if (close < 0 || close >= end) return -1;
      fieldEnd = close;
      at = close + 1;
    } else if (first === OPEN_BRACKET) {
      fieldStart = at + 1;
      const close = text.indexOf(']', fieldStart);
      if (close < 0 || close >= end) return -1;
      fieldEnd = close;
      at = close + 1;
    } else {
      const space = text.indexOf(' ', at);
      fieldEnd = space < 0 || space > end ? end : space;
      at = fieldEnd;
    }
    if (count < MAX_FIELDS) {
      offsets[count * 2] = fieldStart;
      offsets[count * 2 + 1] = fieldEnd;
    }
    count++;
  }
  return count;
}

const SPACE = 0x20;
const QUOTE = 0x22;
const OPEN_BRACKET = 0x5b;

function trimmedEnd(text: string, start: number, end: number): number {
  let last = end;
  while (last > start && (text.charCodeAt(last - 1) === 0x0d || text.charCodeAt(last - 1) === SPACE)) last--;
  return last;
}

/**
 * What makes a tokenized line unusable, or undefined. Messages name the field, never its value:
 * lines hold addresses and principals, and errors end up in logs and the failures list.
 */
function lineProblem(text: string, offsets: Int32Array, count: number): string | undefined {
  if (count < MIN_ACCESS_LOG_FIELDS) {
    return `has ${count} fields where an access-log line has at least ${MIN_ACCESS_LOG_FIELDS} (truncated or not an access log)`;
  }
  if (text.charCodeAt((offsets[FIELD.time * 2] as number) - 1) !== OPEN_BRACKET) return NO_TIME;
  if (!isOperation(text, offsets[FIELD.operation * 2] as number, offsets[FIELD.operation * 2 + 1] as number)) {
    return 'has no operation (such as REST.GET.OBJECT) in the seventh field';
  }
  if (!isAddressOrDash(text, offsets[FIELD.remoteIp * 2] as number, offsets[FIELD.remoteIp * 2 + 1] as number)) {
    return 'has no remote IP address in the fourth field';
  }
  if (!isStatus(text, offsets[FIELD.httpStatus * 2] as number, offsets[FIELD.httpStatus * 2 + 1] as number)) {
    return 'has no HTTP status in the tenth field';
  }
  if ((offsets[FIELD.bucket * 2 + 1] as number) <= (offsets[FIELD.bucket * 2] as number)) return 'has no bucket';
  return undefined;
}

/** `REST.GET.OBJECT`, `S3.EXPIRE.OBJECT`: upper-case words joined by dots. */
function isOperation(text: string, start: number, end: number): boolean {
  if (end - start < 3) return false;
  let dot = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) dot = true;
    else if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f)) return false;
  }
  return dot;
}

/** IPv4, IPv6 or `-`; `source.ts` parses addresses properly, this only refuses garbage. */
function isAddressOrDash(text: string, start: number, end: number): boolean {
  if (end - start === 1 && text.charCodeAt(start) === 0x2d) return true;
  if (end <= start || end - start > 45) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
    if (!hex && c !== 0x2e && c !== 0x3a) return false;
  }
  return true;
}

function isStatus(text: string, start: number, end: number): boolean {
  if (end - start === 1) return text.charCodeAt(start) === 0x2d;
  if (end - start !== 3) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

const NO_TIME = 'has no [time] in the third field';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Parses `06/Feb/2019:00:00:38 +0000` into epoch seconds and its UTC hour `YYYY-MM-DDTHH`. The
 * hour is parsed once and reused while consecutive lines share it, as they nearly always do.
 */
export class LogTimeParser {
  private lastHourKey = '';
  private lastHour: { hour: string; epoch: number } | undefined;

  /** undefined when `text[start, end)` is not such a time (an impossible date included). */
  parse(text: string, start: number, end: number): { time: number; hour: string } | undefined {
    if (end - start !== 26 || text.charCodeAt(start + 20) !== SPACE) return undefined;
    if (text.charCodeAt(start + 14) !== 0x3a || text.charCodeAt(start + 17) !== 0x3a) return undefined;
    const minute = twoDigits(text, start + 15);
    const second = twoDigits(text, start + 18);
    if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
    const hourKey = text.slice(start, start + 14) + text.slice(start + 20, end);
    if (hourKey !== this.lastHourKey || this.lastHour === undefined) {
      const parsed = parseHour(hourKey);
      if (parsed === undefined) return undefined;
      this.lastHourKey = hourKey;
      this.lastHour = parsed;
    }
    const time = this.lastHour.epoch + minute * 60 + second;
    // A zone that is not a whole hour moves minutes across the hour: the hour follows the time.
    const hour =
      this.lastHour.epoch % 3600 === 0 ? this.lastHour.hour : new Date(time * 1000).toISOString().slice(0, 13);
    return { time, hour };
  }
}

/** `dd/Mon/yyyy:HH` and ` +zzzz`: the epoch of that hour's start in UTC. */
function parseHour(key: string): { hour: string; epoch: number } | undefined {
  if (key.charCodeAt(2) !== 0x2f || key.charCodeAt(6) !== 0x2f || key.charCodeAt(11) !== 0x3a) return undefined;
  const day = twoDigits(key, 0);
  const month = MONTHS.indexOf(key.slice(3, 6));
  const year = twoDigits(key, 7) * 100 + twoDigits(key, 9);
  const hour = twoDigits(key, 12);
  const sign = key.charCodeAt(15) === 0x2d ? -1 : key.charCodeAt(15) === 0x2b ? 1 : 0;
  const zoneHours = twoDigits(key, 16);
  const zoneMinutes = twoDigits(key, 18);
  if (day < 1 || month < 0 || year < 0 || hour < 0 || hour > 23 || sign === 0 || zoneHours < 0 || zoneMinutes < 0) {
    return undefined;
  }
  const local = Date.UTC(year, month, day, hour);
  const date = new Date(local);
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month) return undefined; // 30 Feb
  const epoch = local / 1000 - sign * (zoneHours * 3600 + zoneMinutes * 60);
  return { hour: new Date(epoch * 1000).toISOString().slice(0, 13), epoch };
}

function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a < 0 || a > 9 || b < 0 || b > 9 ? -1 : a * 10 + b;
}

// User agents can be kilobytes long; the prefix identifies the SDK and tool.
const MAX_USER_AGENT_LENGTH = 256;

/**
 * Turns the lines of one access-log object into requests. A request id counts once per bucket:
 * a multi-object delete writes one `REST.POST.MULTI_OBJECT_DELETE` line and one
 * `BATCH.DELETE.OBJECT` line per key under one id, and a line delivered twice repeats its id.
 */
export class AccessLogRequests {
  private readonly requestIds = new Map<string, EventIdSet>();
  /** The bucket of the last line and its request ids: an object nearly always holds one bucket. */
  private bucket = '';
  private bucketIds: EventIdSet | undefined;
  private readonly offsets = new Int32Array(MAX_FIELDS * 2);
  private readonly times = new LogTimeParser();
  private readonly sourceCache = new Map<string, Map<string, RequestSource>>();
  readonly summary = { records: 0, s3Records: 0, duplicates: 0, notApiCalls: 0, ownRequests: 0 };

  constructor(
    private readonly location: string,
    private readonly sources: SourceClassifier,
  ) {}

  /**
   * The request of the line `text[start, end)` (without its newline; its bytes decoded latin1,
   * see utf8Field), or undefined for a blank line, a repeated request id or cleartrail's own read. Throws a MalformedLogError naming the
   * object and the line number for a line that is not an access-log line.
   */
  accept(text: string, start: number, end: number, lineNumber: number, ascii = false): S3Request | undefined {
    const last = trimmedEnd(text, start, end);
    if (last === start) return undefined;
    const offsets = this.offsets;
    const count = tokenizeLine(text, start, last, offsets);
    const problem =
      count < 0 ? 'has a quote or bracket that is not closed (truncated?)' : lineProblem(text, offsets, count);
    const when =
      problem === undefined
        ? this.times.parse(text, offsets[FIELD.time * 2] as number, offsets[FIELD.time * 2 + 1] as number)
        : undefined;
    if (when === undefined) {
      throw new MalformedLogError(this.location, 'bad-line', `line ${lineNumber} ${problem ?? NO_TIME}`);
    }
    this.summary.records++;
    this.summary.s3Records++;

    const bucket = this.bucketOf(text, offsets[FIELD.bucket * 2] as number, offsets[FIELD.bucket * 2 + 1] as number);
    const ids = this.bucketIds as EventIdSet;
    if (
      !isDash(text, offsets, count, FIELD.requestId) &&
      !ids.addFrom(text, offsets[FIELD.requestId * 2] as number, offsets[FIELD.requestId * 2 + 1] as number)
    ) {
      this.summary.duplicates++;
      return undefined;
    }
    const rawUserAgent = dashless(fieldOf(text, offsets, count, FIELD.userAgent)) ?? '';
    const userAgent = ascii ? rawUserAgent : utf8Field(rawUserAgent);
    if (userAgent.includes(OWN_AGENT_MARK) && isOwnRequest({ userAgent })) {
      this.summary.ownRequests++;
      return undefined;
    }
    const operation = fieldOf(text, offsets, count, FIELD.operation) as string;
    const remoteIp = fieldOf(text, offsets, count, FIELD.remoteIp) as string;
    const rawRequester = fieldOf(text, offsets, count, FIELD.requester) as string;
    const requester = ascii ? rawRequester : utf8Field(rawRequester);
    // Both are `-` on most plain-HTTP lines and need no string of their own then.
    const cipherSuite = isDash(text, offsets, count, FIELD.cipherSuite)
      ? '-'
      : fieldOf(text, offsets, count, FIELD.cipherSuite);
    const tlsVersion = isDash(text, offsets, count, FIELD.tlsVersion)
      ? '-'
      : normalTlsVersion(fieldOf(text, offsets, count, FIELD.tlsVersion));
    const verdict = classifyAccessLogVerdict({ operation, remoteIp, requester, cipherSuite, tlsVersion });
    // `-` on nearly every line: no string is made for it then.
    const errorCode = isDash(text, offsets, count, FIELD.errorCode)
      ? undefined
      : fieldOf(text, offsets, count, FIELD.errorCode);
    return {
      verdict: verdict.verdict,
      reason: verdict.reason,
      tlsVersion: verdict.tlsVersion,
      // The request id is only needed for the count-once rule above: no string is made for it.
      eventId: undefined,
      sharedEventId: undefined,
      bucket,
      website: operation.startsWith('WEBSITE.'),
      hour: when.hour,
      time: when.time,
      source: this.sourceOf(remoteIp, requester),
      principal: requester === '-' ? 'anonymous' : requester,
      userAgent: userAgent.slice(0, MAX_USER_AGENT_LENGTH),
      operation,
      signatureVersion: dashless(fieldOf(text, offsets, count, FIELD.signatureVersion)),
      authenticationMethod: dashless(fieldOf(text, offsets, count, FIELD.authenticationType)),
      errorCode,
      refused: errorCode === REFUSED_ERROR_CODE && isStatus403(text, offsets),
    };
  }

  /** The bucket `text[start, end)` as a string of its own, and its request-id set in `bucketIds`. */
  private bucketOf(text: string, start: number, end: number): string {
    if (this.bucketIds !== undefined && end - start === this.bucket.length && text.startsWith(this.bucket, start)) {
      return this.bucket;
    }
    const bucket = detached(text.slice(start, end));
    let ids = this.requestIds.get(bucket);
    if (ids === undefined) {
      ids = new EventIdSet();
      this.requestIds.set(bucket, ids);
    }
    this.bucket = bucket;
    this.bucketIds = ids;
    return bucket;
  }

  /**
   * The source of an address and requester, cached per pair: an access log repeats a few clients
   * thousands of times, and building the classifier's input for every line was a tenth of the
   * reader's time. No VPC endpoint id in these logs: a private address stays `private`.
   */
  private sourceOf(remoteIp: string, requester: string): RequestSource {
    let byRequester = this.sourceCache.get(remoteIp);
    if (byRequester === undefined) {
      if (this.sourceCache.size >= SOURCE_CACHE_LIMIT) this.sourceCache.clear();
      byRequester = new Map();
      this.sourceCache.set(detached(remoteIp), byRequester);
    }
    let source = byRequester.get(requester);
    if (source === undefined) {
      source = this.sources.classify({
        sourceIPAddress: remoteIp === '-' ? '' : remoteIp,
        userIdentity: requester === '-' ? undefined : { arn: requester },
      });
      byRequester.set(detached(requester), source);
    }
    return source;
  }
}

const SOURCE_CACHE_LIMIT = 10_000;
const OWN_AGENT_MARK = 'cleartrail/';

function isStatus403(text: string, offsets: Int32Array): boolean {
  const start = offsets[FIELD.httpStatus * 2] as number;
  return (offsets[FIELD.httpStatus * 2 + 1] as number) - start === 3 && text.startsWith('403', start);
}

function isDash(text: string, offsets: Int32Array, count: number, index: number): boolean {
  const start = offsets[index * 2] as number;
  return index < count && (offsets[index * 2 + 1] as number) - start === 1 && text.charCodeAt(start) === 0x2d;
}

/** Field `index` of a tokenized line, or undefined when the line is shorter. */
function fieldOf(text: string, offsets: Int32Array, count: number, index: number): string | undefined {
  return index < count ? text.slice(offsets[index * 2] as number, offsets[index * 2 + 1] as number) : undefined;
}

/**
 * A field of a line decoded as latin1 (one character per byte), as UTF-8. Lines are decoded
 * latin1 because that is a plain copy where UTF-8 decoding of a chunk cost a quarter of the
 * reader's time; only the fields kept as text (user agent, requester) can hold non-ASCII
 * characters, and only those that do are decoded again.
 */
function utf8Field(value: string): string {
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0x7f) return Buffer.from(value, 'latin1').toString('utf8');
  }
  return value;
}

function dashless(value: string | undefined): string | undefined {
  return value === undefined || value === '-' || value.length === 0 ? undefined : value;
}

/** Access logs write `TLSV1.2`; CloudTrail and the counters say `TLSv1.2`. */
function normalTlsVersion(value: string | undefined): string | undefined {
  return value?.startsWith('TLSV') ? `TLSv${value.slice(4)}` : value;
}

/**
 * Streams the lines of an access-log object a chunk at a time and yields the requests of each
 * chunk as one batch. A chunk is decoded once up to its last newline, as latin1 (a plain copy;
 * see utf8Field), and its lines are tokenized in place; only a line cut by a chunk boundary is
 * put together apart. The object is never held whole.
 * A line that is not an access-log line, or a last line without its newline (a truncated
 * object), throws a MalformedLogError naming the object and the line: nothing of the object is
 * counted, since the pipeline commits a log only once it is read to its end.
 */
export async function* readAccessLogBatches(
  body: AsyncIterable<Uint8Array>,
  location: string,
  requests: AccessLogRequests,
  limits = DEFAULT_READ_LIMITS,
): AsyncGenerator<S3Request[], ReadSummary, void> {
  checkLimits(limits);
  const read: ReadSummary = { records: 0, s3Records: 0, compressedBytes: 0, decompressedBytes: 0, gzip: false };
  let carry: Buffer | undefined;
  let lineNumber = 0;
  const tooLong = (): never => {
    throw new MalformedLogError(
      location,
      'line-too-long',
      `line ${lineNumber + 1} is longer than ${limits.maxRecordBytes} bytes (not an access log?)`,
    );
  };
  for await (const chunk of decompressedChunks(body, location, limits, read)) {
    const batch: S3Request[] = [];
    let from = 0;
    const firstNewline = chunk.indexOf(0x0a);
    if (carry !== undefined) {
      if (firstNewline < 0) {
        carry = Buffer.concat([carry, chunk]);
        if (carry.length > limits.maxRecordBytes) tooLong();
        continue;
      }
      const line = Buffer.concat([carry, chunk.subarray(0, firstNewline)]).toString('latin1');
      carry = undefined;
      const request = requests.accept(line, 0, line.length, ++lineNumber, false);
      if (request !== undefined) batch.push(request);
      from = firstNewline + 1;
    }
    const lastNewline = chunk.lastIndexOf(0x0a);
    if (lastNewline >= from) {
      const text = chunk.toString('latin1', from, lastNewline + 1);
      // One native pass: an ASCII region (the usual case) needs no field decoded again.
      const ascii = isAscii(chunk.subarray(from, lastNewline + 1));
      let start = 0;
      for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
        const request = requests.accept(text, start, newline, ++lineNumber, ascii);
        if (request !== undefined) batch.push(request);
        start = newline + 1;
      }
      from = lastNewline + 1;
    }
    if (from < chunk.length) {
      // Copied: the stream may reuse the chunk's memory.
      carry = Buffer.from(chunk.subarray(from));
      if (carry.length > limits.maxRecordBytes) tooLong();
    }
    if (batch.length > 0) yield batch;
  }
  if (carry?.some((byte) => byte !== SPACE && byte !== 0x0d)) {
    throw new MalformedLogError(
      location,
      'truncated',
      `line ${lineNumber + 1} ends without a newline: the object is truncated (S3 ends every line with one)`,
    );
  }
  read.records = requests.summary.records;
  read.s3Records = requests.summary.s3Records;
  return read;
}

/** S3 server access-log objects: plain text, one request per line. */
export const accessLogFormat: LogFormat = {
  name: 'access-log',
  logIdFromName: accessLogId,
  async *requests(body, location, options) {
    const requests = new AccessLogRequests(location, options.sources);
    const batches = readAccessLogBatches(body, location, requests, options.limits);
    try {
      let step = await batches.next();
      while (!step.done) {
        yield step.value;
        step = await batches.next();
      }
      const summary: FormatSummary = {
        ...requests.summary,
        compressedBytes: step.value.compressedBytes,
        decompressedBytes: step.value.decompressedBytes,
      };
      return summary;
    } finally {
      await batches.return(undefined as never);
    }
  },
};
