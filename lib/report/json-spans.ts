/**
 * A strict JSON parser (RFC 8259) that keeps where each value sits in the text, so that a bucket
 * policy can be edited by inserting text and every byte the user wrote stays as it was. It also
 * refuses what `JSON.parse` would silently resolve: a key given twice in one object (JSON.parse
 * keeps the last one, IAM's reading is not documented), so that what cleartrail judges is what
 * S3 stores. Pure.
 */

export type JsonNode =
  | { kind: 'object'; start: number; end: number; members: JsonMember[] }
  | { kind: 'array'; start: number; end: number; items: JsonNode[] }
  | { kind: 'scalar'; start: number; end: number };

export interface JsonMember {
  key: string;
  value: JsonNode;
}

/** Text that is not one JSON value, with the offset and what was expected there. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    problem: string,
  ) {
    super(`${problem} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

const WHITESPACE = /[ \t\n\r]*/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: RFC 8259 forbids raw U+0000-U+001F inside a string.
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;

/** Nesting deeper than this is not a policy: refused rather than risking the stack. */
const MAX_DEPTH = 64;

/**
 * The tree of `text`, which must be exactly one JSON value with optional whitespace around it.
 *
 * @throws JsonSyntaxError on anything else, a duplicate key included.
 * @example parseWithSpans('{"a": [1]}') // => { kind: 'object', start: 0, end: 10, members: [{ key: 'a', value: { kind: 'array', start: 6, ... } }] }
 */
export function parseWithSpans(text: string): JsonNode {
  let at = 0;
  const skip = () => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };
  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = at;
    const found = pattern.exec(text);
    if (!found) return undefined;
    at = pattern.lastIndex;
    return found[0];
  };
  const value = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) throw new JsonSyntaxError(at, `nesting deeper than ${MAX_DEPTH}`);
    skip();
    const start = at;
    const first = text[at];
    if (first === '{') {
      at++;
      const members: JsonMember[] = [];
      const seen = new Set<string>();
      skip();
      if (text[at] === '}') return { kind: 'object', start, end: ++at, members };
      for (;;) {
        skip();
        const keyStart = at;
        const raw = match(STRING);
        if (raw === undefined) throw new JsonSyntaxError(at, 'expected a string key');
        const key = JSON.parse(raw) as string;
        if (seen.has(key)) throw new JsonSyntaxError(keyStart, `key ${raw} given twice in one object`);
        seen.add(key);
        skip();
        if (text[at] !== ':') throw new JsonSyntaxError(at, 'expected ":"');
        at++;
        members.push({ key, value: value(depth + 1) });
        skip();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === '}') return { kind: 'object', start, end: ++at, members };
        throw new JsonSyntaxError(at, 'expected "," or "}"');
      }
    }
    if (first === '[') {
      at++;
      const items: JsonNode[] = [];
      skip();
      if (text[at] === ']') return { kind: 'array', start, end: ++at, items };
      for (;;) {
        items.push(value(depth + 1));
        skip();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === ']') return { kind: 'array', start, end: ++at, items };
        throw new JsonSyntaxError(at, 'expected "," or "]"');
      }
    }
    if (match(STRING) !== undefined || match(NUMBER) !== undefined || match(LITERAL) !== undefined) {
      return { kind: 'scalar', start, end: at };
    }
    throw new JsonSyntaxError(at, at >= text.length ? 'unexpected end of text' : 'expected a JSON value');
  };
  const root = value(0);
  skip();
  if (at !== text.length) throw new JsonSyntaxError(at, 'text after the JSON value');
  return root;
}

/** The plain value of a node of `text`. */
export function nodeValue(text: string, node: JsonNode): unknown {
  return JSON.parse(text.slice(node.start, node.end));
}
