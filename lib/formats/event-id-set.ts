/**
 * The eventIDs of one log file, to count a duplicate once. CloudTrail eventIDs are UUIDs, and S3
 * request ids (access logs) 16 upper-case letters and digits: both are kept as 128-bit values in
 * an open-addressing table of typed arrays (16 bytes each, no object per id), each slot marked
 * with its kind so that the two never compare equal; anything else falls back to a Set of
 * strings. Exact either way: two ids are the same only if their text is.
 * A Set<string> cost five times as much per record and kept every id's string alive.
 */
export class EventIdSet {
  private words = new Uint32Array(4 * 1024);
  private occupied = new Uint8Array(1024);
  private count = 0;
  private readonly others = new Set<string>();

  get size(): number {
    return this.count + this.others.size;
  }

  /** Adds an id; false when it was there already. */
  add(id: string): boolean {
    return this.addFrom(id, 0, id.length);
  }

  /**
   * Adds the id `text[start, end)` without building its string when it is a UUID or an S3
   * request id (the access-log reader finds ids inside a chunk's text; a slice of it would keep
   * the whole chunk alive, and a copy per line cost a third of that reader's time).
   */
  addFrom(text: string, start: number, end: number): boolean {
    const length = end - start;
    const kind =
      length === 36 && parseUuid(text, start, scratch)
        ? UUID
        : length === 16 && parseRequestId(text, start, scratch)
          ? REQUEST_ID
          : 0;
    if (kind === 0) {
      const id = start === 0 && end === text.length ? text : ` ${text.slice(start, end)}`.slice(1);
      if (this.others.has(id)) return false;
      this.others.add(id);
      return true;
    }
    if ((this.count + 1) * 2 > this.occupied.length) this.grow();
    return this.insert(kind, scratch[0] as number, scratch[1] as number, scratch[2] as number, scratch[3] as number);
  }

  private insert(kind: number, w0: number, w1: number, w2: number, w3: number): boolean {
    const mask = this.occupied.length - 1;
    // UUIDs are random already; mixing two words spreads the sequential ones some tools write.
    let slot = (Math.imul(w0 ^ w3, 0x9e3779b1) ^ w1 ^ w2) & mask;
    for (;;) {
      if (this.occupied[slot] === 0) {
        this.occupied[slot] = kind;
        const at = slot * 4;
        this.words[at] = w0;
        this.words[at + 1] = w1;
        this.words[at + 2] = w2;
        this.words[at + 3] = w3;
        this.count++;
        return true;
      }
      const at = slot * 4;
      if (
        this.occupied[slot] === kind &&
        this.words[at] === w0 &&
        this.words[at + 1] === w1 &&
        this.words[at + 2] === w2 &&
        this.words[at + 3] === w3
      ) {
        return false;
      }
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const { words, occupied } = this;
    this.words = new Uint32Array(words.length * 2);
    this.occupied = new Uint8Array(occupied.length * 2);
    this.count = 0;
    for (let slot = 0; slot < occupied.length; slot++) {
      const kind = occupied[slot] as number;
      if (kind !== 0) {
        const at = slot * 4;
        this.insert(
          kind,
          words[at] as number,
          words[at + 1] as number,
          words[at + 2] as number,
          words[at + 3] as number,
        );
      }
    }
  }
}

const scratch = new Uint32Array(4);
const UUID = 1;
const REQUEST_ID = 2;

/** An S3 request id, 16 of `0-9A-Z`, at 6 bits a character: four characters to a word. */
function parseRequestId(text: string, start: number, out: Uint32Array): boolean {
  for (let word = 0; word < 4; word++) {
    let value = 0;
    for (let i = 0; i < 4; i++) {
      const code = text.charCodeAt(start + word * 4 + i);
      let digit: number;
      if (code >= 48 && code <= 57) digit = code - 48;
      else if (code >= 65 && code <= 90) digit = code - 55;
      else return false;
      value = (value << 6) | digit;
    }
    out[word] = value;
  }
  return true;
}

/**
 * Reads a lowercase `8-4-4-4-12` UUID into four 32-bit words. Uppercase hex is refused (it
 * goes to the string set) so that `A` and `a` never compare equal.
 */
function parseUuid(id: string, start: number, out: Uint32Array): boolean {
  let word = 0;
  let digits = 0;
  let index = 0;
  for (let i = 0; i < 36; i++) {
    const code = id.charCodeAt(start + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 45) return false; // '-'
      continue;
    }
    let value: number;
    if (code >= 48 && code <= 57) value = code - 48;
    else if (code >= 97 && code <= 102) value = code - 87;
    else return false;
    word = (word << 4) | value;
    if (++digits === 8) {
      out[index++] = word >>> 0;
      word = 0;
      digits = 0;
    }
  }
  return true;
}
