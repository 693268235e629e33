import type { CloudTrailRecord } from './cloudtrail-record';

/**
 * Which fields of a record cleartrail reads: `true` for a value kept whole, an object for an
 * object of which only those fields are kept, a one-element array for an array whose elements
 * are shaped so. The `satisfies` clause ties it to CloudTrailRecord, so a field read by the
 * code is a field listed here, and the other way round.
 */
const RECORD_FIELDS = {
  eventVersion: true,
  eventSource: true,
  eventType: true,
  eventName: true,
  eventTime: true,
  eventID: true,
  sharedEventID: true,
  sourceIPAddress: true,
  userAgent: true,
  vpcEndpointId: true,
  vpcEndpointAccountId: true,
  sessionCredentialFromConsole: true,
  errorCode: true,
  userIdentity: {
    type: true,
    principalId: true,
    arn: true,
    accountId: true,
    invokedBy: true,
    sessionContext: { ec2RoleDelivery: true },
  },
  requestParameters: { bucketName: true, Host: true, host: true },
  additionalEventData: { CipherSuite: true, cipherSuite: true, SignatureVersion: true, AuthenticationMethod: true },
  tlsDetails: { tlsVersion: true, cipherSuite: true },
  resources: [{ type: true, ARN: true }],
} as const satisfies FieldsOf<CloudTrailRecord>;

type FieldsOf<T> = { readonly [K in keyof Required<T>]: FieldShape<NonNullable<T[K]>> };
type FieldShape<V> =
  V extends ReadonlyArray<infer E> ? readonly [FieldShape<NonNullable<E>>] : V extends object ? FieldsOf<V> : true;

type Shape = true | { readonly [key: string]: Shape } | readonly [Shape];

/**
 * The parser's form of a shape. An object's fields are grouped by the length of their name, so
 * that a key is matched with one or two `startsWith` and no string is built for it: looking up a
 * `slice` of each key in a Map, then storing under that fresh string, cost more than JSON.parse.
 */
type Node = null | ObjectNode | ArrayNode;
interface ObjectNode {
  kind: 'object';
  byLength: Field[][];
  fields: Field[];
}
interface ArrayNode {
  kind: 'array';
  element: Node;
}
interface Field {
  name: string;
  node: Node;
  /** First and last character codes of the name, compared before building the key. */
  first: number;
  last: number;
}

function compile(shape: Shape): Node {
  if (shape === true) return null;
  if (Array.isArray(shape)) return { kind: 'array', element: compile(shape[0] as Shape) };
  const fields = Object.entries(shape).map(([name, field]) => ({
    name,
    node: compile(field as Shape),
    first: name.charCodeAt(0),
    last: name.charCodeAt(name.length - 1),
  }));
  const byLength: Field[][] = [];
  for (let length = 0; length <= Math.max(...fields.map((field) => field.name.length)); length++) {
    byLength.push(fields.filter((field) => field.name.length === length));
  }
  return { kind: 'object', byLength, fields };
}

const RECORD_NODE = compile(RECORD_FIELDS) as ObjectNode;

/**
 * What `JSON.parse` of a record gives, cut down to the fields cleartrail reads: what
 * `parseRecordFields` returns, and the reference it is tested against.
 */
export function projectRecord(record: unknown): CloudTrailRecord {
  return project(record, RECORD_NODE) as CloudTrailRecord;
}

function project(value: unknown, node: Node): unknown {
  if (node === null || typeof value !== 'object' || value === null) return value;
  if (node.kind === 'object') {
    if (Array.isArray(value)) return value;
    const kept: Record<string, unknown> = {};
    for (const { name, node: field } of node.fields) {
      if (Object.hasOwn(value, name)) kept[name] = project((value as never)[name], field);
    }
    return kept;
  }
  return Array.isArray(value) ? value.map((element) => project(element, node.element)) : value;
}

/**
 * Parses one record (the text of one JSON object, or `text[start, end)`) into the fields
 * cleartrail reads; throws what `JSON.parse` throws for text that is not JSON. Same result as
 * `projectRecord(JSON.parse(text))`, and faster when the text is `clean`: the caller has made
 * sure it holds no backslash and no control character (U+0000 to U+001F). In clean text a
 * string ends at the next quote, so strings are crossed with `indexOf`, and only the kept ones
 * are built, as slices of the text.
 * The rest of the grammar (structure, numbers, literals, whitespace) is checked as JSON.parse
 * checks it, and anything the fast path does not accept goes to JSON.parse.
 * It is faster than JSON.parse because it builds none of the strings and objects of the fields
 * nobody reads (a parser reading every character with `charCodeAt` is slower than JSON.parse:
 * README, Performance).
 *
 * @example
 * parseRecordFields('{"eventSource":"s3.amazonaws.com","requestID":"X1"}', true)
 * // => { eventSource: 's3.amazonaws.com' }
 */
export function parseRecordFields(text: string, clean: boolean, start = 0, end = text.length): CloudTrailRecord {
  const record = clean ? parser.record(text, start, end) : FAIL;
  if (record !== FAIL) return record;
  return projectRecord(JSON.parse(start === 0 && end === text.length ? text : text.slice(start, end)));
}

/**
 * A copy of `text` that does not keep a larger string alive. The reader's records hold slices
 * of a decompressed chunk's text (256 KiB); one slice kept in a cache or an aggregate would keep
 * the whole chunk, so every string the fold keeps beyond the record goes through here.
 */
export function detached(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

const FAIL: unique symbol = Symbol('not parsed');

class CleanRecordParser {
  private text = '';
  private at = 0;
  /** Closing brackets of the containers open in the value being skipped, `depth` of them. */
  private open: number[] = [];

  /**
   * The record `text[start, end)`. A malformed record can make a string run past `end`; the
   * parse then ends past `end` too, and is refused by the last check.
   */
  record(text: string, start: number, end: number): CloudTrailRecord | typeof FAIL {
    this.text = text;
    this.at = start;
    this.whitespace();
    if (text.charCodeAt(this.at) !== OPEN_BRACE) return FAIL;
    const record = this.object(RECORD_NODE);
    if (record === FAIL) return FAIL;
    this.whitespace();
    return this.at === end ? (record as CloudTrailRecord) : FAIL;
  }

  /**
   * The object at `at`. Written for compact JSON, CloudTrail's layout: the common next character
   * is checked first and whitespace only looked for when it is not there, and string values are
   * read inline. Going through `whitespace()` and `value()` for every pair cost a third more.
   */
  private object(node: ObjectNode): Record<string, unknown> | typeof FAIL {
    const text = this.text;
    const result: Record<string, unknown> = {};
    let i = skipWhitespace(text, this.at + 1);
    if (text.charCodeAt(i) === CLOSE_BRACE) {
      this.at = i + 1;
      return result;
    }
    for (;;) {
      if (text.charCodeAt(i) !== QUOTE) return FAIL;
      const keyEnd = text.indexOf('"', i + 1);
      if (keyEnd < 0) return FAIL;
      const field = fieldAt(node, text, i + 1, keyEnd);
      i = keyEnd + 1;
      if (text.charCodeAt(i) !== COLON) {
        i = skipWhitespace(text, i);
        if (text.charCodeAt(i) !== COLON) return FAIL;
      }
      i = skipWhitespace(text, i + 1);
      if (text.charCodeAt(i) === QUOTE) {
        const valueEnd = text.indexOf('"', i + 1);
        if (valueEnd < 0) return FAIL;
        if (field !== undefined) result[field.name] = text.slice(i + 1, valueEnd);
        i = valueEnd + 1;
      } else {
        this.at = i;
        if (field === undefined) {
          if (!this.skipValue()) return FAIL;
        } else {
          const value = this.value(field.node);
          if (value === FAIL) return FAIL;
          result[field.name] = value;
        }
        i = this.at;
      }
      let c = text.charCodeAt(i);
      if (c !== COMMA && c !== CLOSE_BRACE) {
        i = skipWhitespace(text, i);
        c = text.charCodeAt(i);
      }
      if (c === COMMA) i = skipWhitespace(text, i + 1);
      else if (c === CLOSE_BRACE) {
        this.at = i + 1;
        return result;
      } else return FAIL;
    }
  }

  private array(element: Node): unknown[] | typeof FAIL {
    const text = this.text;
    const result: unknown[] = [];
    this.at++;
    this.whitespace();
    if (text.charCodeAt(this.at) === CLOSE_BRACKET) {
      this.at++;
      return result;
    }
    for (;;) {
      const value = this.value(element);
      if (value === FAIL) return FAIL;
      result.push(value);
      this.whitespace();
      const c = text.charCodeAt(this.at);
      if (c === COMMA) {
        this.at++;
        this.whitespace();
      } else if (c === CLOSE_BRACKET) {
        this.at++;
        return result;
      } else return FAIL;
    }
  }

  /** A kept value; an object or array where the shape expects something else is kept whole. */
  private value(node: Node): unknown {
    const text = this.text;
    const start = this.at;
    const c = text.charCodeAt(start);
    if (c === QUOTE) {
      const end = text.indexOf('"', start + 1);
      if (end < 0) return FAIL;
      this.at = end + 1;
      return text.slice(start + 1, end);
    }
    if (c === OPEN_BRACE && node?.kind === 'object') return this.object(node);
    if (c === OPEN_BRACKET && node?.kind === 'array') return this.array(node.element);
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (!this.skipValue()) return FAIL;
      return JSON.parse(text.slice(start, this.at));
    }
    if (!this.scalar()) return FAIL;
    if (c === LOWER_T) return true;
    if (c === LOWER_F) return false;
    if (c === LOWER_N) return null;
    return Number(text.slice(start, this.at));
  }

  /** A number or `true`/`false`/`null`, checked against the JSON grammar. */
  private scalar(): boolean {
    const text = this.text;
    let i = this.at;
    const c = text.charCodeAt(i);
    if (c === LOWER_T || c === LOWER_F || c === LOWER_N) {
      const literal = c === LOWER_T ? 'true' : c === LOWER_F ? 'false' : 'null';
      if (!text.startsWith(literal, i)) return false;
      this.at = i + literal.length;
      return true;
    }
    if (c === MINUS) i++;
    const first = text.charCodeAt(i);
    if (first === DIGIT_0) i++;
    else if (first > DIGIT_0 && first <= DIGIT_9) i = digitsEnd(text, i + 1);
    else return false;
    if (text.charCodeAt(i) === DOT) {
      if (!isDigit(text.charCodeAt(i + 1))) return false;
      i = digitsEnd(text, i + 2);
    }
    const e = text.charCodeAt(i);
    if (e === LOWER_E || e === UPPER_E) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === PLUS || sign === MINUS) i++;
      if (!isDigit(text.charCodeAt(i))) return false;
      i = digitsEnd(text, i + 1);
    }
    this.at = i;
    return true;
  }

  /** Checks a value that is not kept; iterative, so that deep nesting cannot overflow the stack. */
  private skipValue(): boolean {
    const text = this.text;
    let open = this.open;
    let depth = 0;
    for (;;) {
      const c = text.charCodeAt(this.at);
      if (c === QUOTE) {
        const end = text.indexOf('"', this.at + 1);
        if (end < 0) return false;
        this.at = end + 1;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.at++;
        this.whitespace();
        const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
        if (text.charCodeAt(this.at) === close) this.at++;
        else {
          if (depth === open.length) this.open = open = [...open, ...open, close];
          open[depth++] = close;
          if (close === CLOSE_BRACE && !this.skipKey()) return false;
          continue;
        }
      } else if (!this.scalar()) return false;
      // After a value: close containers until one goes on with a comma.
      for (;;) {
        if (depth === 0) return true;
        this.whitespace();
        const next = text.charCodeAt(this.at);
        const close = open[depth - 1];
        if (next === COMMA) {
          this.at++;
          this.whitespace();
          if (close === CLOSE_BRACE && !this.skipKey()) return false;
          break;
        }
        if (next !== close) return false;
        this.at++;
        depth--;
      }
    }
  }

  /** A key, its colon and the whitespace up to its value. */
  private skipKey(): boolean {
    const text = this.text;
    if (text.charCodeAt(this.at) !== QUOTE) return false;
    const end = text.indexOf('"', this.at + 1);
    if (end < 0) return false;
    this.at = end + 1;
    this.whitespace();
    if (text.charCodeAt(this.at) !== COLON) return false;
    this.at++;
    this.whitespace();
    return true;
  }

  private whitespace(): void {
    const text = this.text;
    let i = this.at;
    if (text.charCodeAt(i) > SPACE) return; // compact JSON: the common case
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === SPACE || c === NEWLINE || c === RETURN || c === TAB) i++;
      else break;
    }
    this.at = i;
  }
}

const parser = new CleanRecordParser();

/** The field named by the key `text[start, end)`, if kept. */
function fieldAt(node: ObjectNode, text: string, start: number, end: number): Field | undefined {
  const candidates = node.byLength[end - start];
  if (candidates === undefined) return undefined;
  const first = text.charCodeAt(start);
  const last = text.charCodeAt(end - 1);
  for (const field of candidates) {
    // A slice and a comparison, not `startsWith(name, start)`: the hot loop of every record (npm run bench).
    if (field.first === first && field.last === last && field.name === text.slice(start, end)) return field;
  }
  return undefined;
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === NEWLINE || c === RETURN || c === TAB) i++;
    else return i;
  }
}

function digitsEnd(text: string, from: number): number {
  let i = from;
  while (isDigit(text.charCodeAt(i))) i++;
  return i;
}

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

// Character codes. record-scanner.ts has the same few: kept local to each hot loop, where they are
// literal constants. Imported from a shared module they become getter calls under tsx, in the
// hottest loop of the reader (npm run bench).
const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_T = 0x74;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const TAB = 0x09;
