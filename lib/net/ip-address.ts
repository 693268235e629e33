// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads are `number | undefined` under
// noUncheckedIndexedAccess; every index here is a constant or bounded by its loop.
/**
 * IP addresses as CloudTrail writes them in `sourceIPAddress`, parsed into a compact numeric
 * form that the range tables compare without allocating: IPv4 as one unsigned 32-bit number,
 * IPv6 as four unsigned 32-bit words. Pure: no I/O, no Node APIs.
 *
 * Parsing is strict on purpose. A value that is not a plain address is not an address here, and
 * the caller treats it as a service name (`AWS Internal`, `cloudtrail.amazonaws.com`):
 * - IPv4 is four decimal octets without leading zeros (`010.0.0.1` is octal to some parsers
 *   and decimal to others; CloudTrail never writes it).
 * - IPv6 zone ids (`fe80::1%eth0`) are rejected: a zone names an interface of the machine that
 *   logged it and means nothing elsewhere. Brackets and ports are rejected too.
 * - IPv4-mapped IPv6 (`::ffff:1.2.3.4`, also written `::ffff:102:304`) is the IPv4 address:
 *   it becomes family 4, so it matches IPv4 ranges and counts as the same client.
 *
 * The scanners below work on character codes and write into caller-owned `Uint32Array`s, so
 * that building the AWS range table (16,828 prefixes) allocates nothing per prefix.
 */

/** An IPv4 address. */
export interface Ipv4Address {
  readonly family: 4;
  /** The address as an unsigned 32-bit integer (`1.2.3.4` is `0x01020304`). */
  readonly value: number;
  /** Dotted decimal, e.g. `192.0.2.10`. */
  readonly text: string;
}

/** An IPv6 address that is not IPv4-mapped. */
export interface Ipv6Address {
  readonly family: 6;
  /** The 128 bits as four unsigned 32-bit words, most significant first. */
  readonly words: readonly [number, number, number, number];
  /** RFC 5952 text: lower case, no leading zeros, the longest run of zero groups as `::`. */
  readonly text: string;
}

/** A parsed address; `text` is its normalised form, used as the client's identity. */
export type ParsedIp = Ipv4Address | Ipv6Address;

/** A network prefix; `address` is its first address (host bits are never set). */
export interface Cidr {
  readonly family: 4 | 6;
  readonly address: ParsedIp;
  readonly prefixLength: number;
  /** Normalised `address/prefixLength`, e.g. `2001:db8::/32`. */
  readonly text: string;
}

/** The outcome of {@link parseCidr}: a prefix, or a phrase that says what is wrong. */
export type CidrParse = { readonly ok: true; readonly cidr: Cidr } | { readonly ok: false; readonly problem: string };

/**
 * Parses an IPv4 or IPv6 address; `undefined` for anything else (service names, empty, zone
 * ids, CIDRs). IPv4-mapped IPv6 comes back as IPv4.
 *
 * @example
 * parseIp('::ffff:192.0.2.10') // => { family: 4, value: 3221225994, text: '192.0.2.10' }
 * parseIp('2001:DB8:0:0::1')   // => { family: 6, words: [0x20010db8, 0, 0, 1], text: '2001:db8::1' }
 * parseIp('AWS Internal')      // => undefined
 */
export function parseIp(text: string): ParsedIp | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 45) return undefined;
  const words = scratch;
  const family = scanAddress(text, 0, text.length, words);
  if (family === 4) {
    // Accepted dotted text is canonical already (leading zeros are refused), so it is kept.
    return text.includes(':') ? ipv4(words[0]!, undefined) : ipv4(words[0]!, text);
  }
  return family === 6 ? ipv6(words) : undefined;
}

/**
 * Parses `address/prefixLength`. With `allowBareAddress`, an address alone is a one-address
 * prefix (/32 or /128). An IPv4-mapped prefix of length 96 or more becomes the IPv4 prefix
 * (`::ffff:192.0.2.0/120` is `192.0.2.0/24`), as mapped addresses do. Host bits must be clear:
 * `192.0.2.7/24` is almost always a typo, and silently widening it would hide that.
 *
 * @example
 * parseCidr('2001:DB8::/32')  // => { ok: true, cidr: { family: 6, prefixLength: 32, text: '2001:db8::/32', ... } }
 * parseCidr('192.0.2.7/24')   // => { ok: false, problem: 'has host bits set (the network is 192.0.2.0/24)' }
 */
export function parseCidr(text: string, options: { allowBareAddress?: boolean } = {}): CidrParse {
  const words = scratch;
  const code = scanCidr(text, words, options.allowBareAddress === true);
  if (code < 0) {
    if (code === HOST_BITS_SET) {
      const length = scratchLength;
      const network = words[4] === 4 ? formatIpv4(words[0]!) : formatIpv6(words);
      return { ok: false, problem: `has host bits set (the network is ${network}/${length})` };
    }
    return { ok: false, problem: CIDR_PROBLEMS[-code - 1] ?? 'is not a prefix' };
  }
  const family = code >> 8 === 4 ? 4 : 6;
  const prefixLength = code & 0xff;
  const address = family === 4 ? ipv4(words[0]!, undefined) : ipv6(words);
  return { ok: true, cidr: { family, address, prefixLength, text: `${address.text}/${prefixLength}` } };
}

/**
 * True for addresses that never reach S3 from the internet as such, so a request from one came
 * through a VPC (endpoint, private link) or a lab: RFC 1918 (10/8, 172.16/12, 192.168/16),
 * shared/CGNAT 100.64/10, loopback 127/8, link-local 169.254/16; IPv6 unique local fc00::/7,
 * link-local fe80::/10 and loopback ::1.
 */
export function isPrivateAddress(ip: ParsedIp): boolean {
  if (ip.family === 4) {
    const v = ip.value;
    const a = v >>> 24;
    return (
      a === 10 ||
      a === 127 ||
      v >>> 20 === 0xac1 || // 172.16.0.0/12
      v >>> 16 === 0xc0a8 || // 192.168.0.0/16
      v >>> 16 === 0xa9fe || // 169.254.0.0/16
      v >>> 22 === 0x191 // 100.64.0.0/10
    );
  }
  const [w0, w1, w2, w3] = ip.words;
  return (
    w0 >>> 25 === 0x7e || // fc00::/7
    w0 >>> 22 === 0x3fa || // fe80::/10
    (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 1) // ::1
  );
}

/** Dotted decimal text of an unsigned 32-bit IPv4 value. */
export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

/** RFC 5952 text of an IPv6 address given as four 32-bit words (most significant first). */
export function formatIpv6(words: ArrayLike<number>): string {
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const w = words[i] ?? 0;
    groups[2 * i] = w >>> 16;
    groups[2 * i + 1] = w & 0xffff;
  }
  // The longest run of two or more zero groups becomes `::`, the first one on a tie (RFC 5952 4.2).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLength - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += groups[i]!.toString(16);
  }
  return out;
}

/**
 * Low level, allocation-free: reads the address in `text[from, to)` into `words` (IPv4 in
 * `words[0]`, IPv6 in `words[0..3]`; mapped IPv6 is returned as IPv4). Returns 4, 6, or 0 when
 * the text is not an address. `words` needs room for 4 entries.
 */
export function scanAddress(text: string, from: number, to: number, words: Uint32Array): 0 | 4 | 6 {
  const colon = text.indexOf(':', from);
  if (colon < 0 || colon >= to) {
    const v = scanIpv4(text, from, to);
    if (v < 0) return 0;
    words[0] = v;
    return 4;
  }
  if (!scanIpv6(text, from, to, words)) return 0;
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) {
    words[0] = words[3]!;
    return 4;
  }
  return 6;
}

/** Codes returned by {@link scanCidr} when the text is not a valid prefix. */
const CIDR_PROBLEMS = [
  'is empty',
  'has a zone id (%...), which does not belong in a prefix',
  'has no prefix length (expected address/length)',
  'has an invalid prefix length (0 to 32 for IPv4, 0 to 128 for IPv6)',
  'is not an IPv4 or IPv6 prefix',
  'has host bits set',
];
const HOST_BITS_SET = -6;
/** The prefix length of the last {@link scanCidr} call, for the host-bits message. */
let scratchLength = 0;

/**
 * Low level, allocation-free: reads `address/length` into `words` (IPv4 in `words[0]`, IPv6
 * in `words[0..3]`) and returns `family << 8 | length`, or a negative problem code. On
 * "host bits set" `words` holds the network address and `words[4]`, if present, the family.
 */
export function scanCidr(text: string, words: Uint32Array, allowBareAddress = false): number {
  if (typeof text !== 'string' || text.length === 0) return -1;
  // indexOf is a native builtin: much cheaper than a character loop while V8 still interprets
  // this code, which is most of the table build at a cold start.
  const to = text.length;
  const slash = text.indexOf('/');
  const addressEnd = slash < 0 ? to : slash;
  const percent = text.indexOf('%');
  if (percent >= 0 && percent < addressEnd) return -2;
  const colon = text.indexOf(':');
  const isV6 = colon >= 0 && colon < addressEnd;
  let length: number;
  if (slash < 0) {
    if (!allowBareAddress) return -3;
    length = isV6 ? 128 : 32;
  } else {
    // Decimal, no sign, no leading zero: `/024` is refused like an octal-looking octet.
    length = -1;
    const digits = to - slash - 1;
    if (digits >= 1 && digits <= 3 && !(digits > 1 && text.charCodeAt(slash + 1) === 48)) {
      length = 0;
      for (let i = slash + 1; i < to; i++) {
        const c = text.charCodeAt(i);
        if (c < 48 || c > 57) {
          length = -1;
          break;
        }
        length = length * 10 + (c - 48);
      }
    }
    if (length < 0 || length > (isV6 ? 128 : 32)) return -4;
  }

  let family: 4 | 6 = 4;
  if (!isV6) {
    const v = scanIpv4(text, 0, addressEnd);
    if (v < 0) return -5;
    words[0] = v;
  } else {
    if (!scanIpv6(text, 0, addressEnd, words)) return -5;
    if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff && length >= 96) {
      words[0] = words[3]!;
      length -= 96;
    } else {
      family = 6;
    }
  }
  const count = family === 4 ? 1 : 4;
  let hostBits = false;
  for (let i = 0; i < count; i++) {
    const bits = length - 32 * i;
    const w = words[i]!;
    const masked = bits >= 32 ? w : bits <= 0 ? 0 : (w & (0xffffffff << (32 - bits))) >>> 0;
    if (masked !== w) {
      hostBits = true;
      words[i] = masked;
    }
  }
  if (hostBits) {
    scratchLength = length;
    if (words.length > 4) words[4] = family;
    return HOST_BITS_SET;
  }
  return (family << 8) | length;
}

/** Shared scratch for the object-returning parsers (single-threaded; never held across calls). */
const scratch = new Uint32Array(5);

function ipv4(value: number, text: string | undefined): Ipv4Address {
  return { family: 4, value, text: text ?? formatIpv4(value) };
}

function ipv6(words: Uint32Array): Ipv6Address {
  const tuple: [number, number, number, number] = [words[0]!, words[1]!, words[2]!, words[3]!];
  return { family: 6, words: tuple, text: formatIpv6(tuple) };
}

/** Four decimal octets in `text[from, to)`, as an unsigned 32-bit value; -1 when not exactly that. */
function scanIpv4(text: string, from: number, to: number): number {
  let value = 0;
  let octets = 0;
  let octet = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? text.charCodeAt(i) : 46; // a virtual '.' closes the last octet
    if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || octets === 4) return -1;
      value = value * 256 + octet;
      octets++;
      octet = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  return octets === 4 ? value : -1;
}

const groups = new Uint32Array(8);
/** Value of an ASCII hex digit by character code, -1 for any other character below 128. */
const HEX_DIGIT = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX_DIGIT[48 + c] = c;
for (let c = 0; c < 6; c++) HEX_DIGIT[97 + c] = HEX_DIGIT[65 + c] = 10 + c;

/** IPv6 text in `text[from, to)` (with at most one `::` and an optional dotted IPv4 tail) into four words. */
function scanIpv6(text: string, from: number, to: number, words: Uint32Array): boolean {
  let count = 0;
  let gap = -1;
  let i = from;
  if (to - from >= 2 && text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return false; // a lone leading ':'
    gap = 0;
    i += 2;
  }
  while (i < to) {
    let value = 0;
    let j = i;
    for (; j < to && j - i < 5; j++) {
      const d = HEX_DIGIT[text.charCodeAt(j)] ?? -1;
      if (d < 0) break;
      value = value * 16 + d;
    }
    if (j < to && text.charCodeAt(j) === 46) {
      // A dotted IPv4 tail takes the last two groups and must end the address.
      const v4 = scanIpv4(text, i, to);
      if (v4 < 0 || count > 6) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      i = to;
      break;
    }
    const digits = j - i;
    if (digits === 0 || digits > 4 || count === 8) return false;
    groups[count++] = value;
    if (j === to) {
      i = to;
      break;
    }
    if (text.charCodeAt(j) !== 58) return false;
    if (j + 1 < to && text.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return false; // a second '::'
      gap = count;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === to) return false; // a trailing lone ':'
    }
  }
  if (gap < 0 ? count !== 8 : count > 7) return false;
  if (gap >= 0) {
    const tail = count - gap;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[count - 1 - k]!;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  }
  for (let k = 0; k < 4; k++) words[k] = groups[2 * k]! * 0x10000 + groups[2 * k + 1]!;
  return true;
}
