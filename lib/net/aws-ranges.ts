// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads are `number | undefined` under
// noUncheckedIndexedAccess; every index here is bounded by the loop or the binary search.
/**
 * The AWS IP address ranges (`ip-ranges.json`) as a longest-prefix-match table, and the
 * generic prefix table it is built on (also used for the user's named networks).
 *
 * How the table works: nested CIDR prefixes are flattened once into sorted, disjoint
 * intervals, each carrying the answer for every address in it (the most specific prefix,
 * already resolved by the precedence below). A lookup is one binary search over a typed
 * array, 14 steps for the 10,300 IPv4 intervals of the bundled snapshot, and allocates
 * nothing. IPv6 interval starts are four 32-bit words each, compared word by word: no BigInt.
 *
 * Build cost matters because it is paid at every Lambda cold start, before the first lookup,
 * and runs mostly in V8's interpreter: so the table scans prefix text into typed arrays, sorts an
 * index, interns labels, and creates the (frozen) match objects lazily on first hit, rather than
 * building per-prefix objects, a Map and BigInts. test/bench/ip-lookup.ts measures lookups, memory
 * and the cold build; docs/performance.md has the figures.
 */

import { ConfigurationError } from '../core/errors';
import bundledJson from '../data/ip-ranges.json';
import { type Cidr, formatIpv4, formatIpv6, type ParsedIp, parseCidr, scanCidr } from './ip-address';

/** The AWS range an address fell into, after precedence. Shared and frozen: do not mutate. */
export interface RangeMatch {
  /** The matched (most specific) prefix, e.g. `3.5.140.0/22`. */
  prefix: string;
  /** The service chosen for that prefix by the precedence (`EC2`, `S3`, `AMAZON`, ...). */
  service: string;
  region: string;
  networkBorderGroup?: string;
  /** Every service that lists this same prefix, in precedence order (the first is `service`). */
  services: readonly string[];
  /**
   * True when this prefix or one that encloses it is listed under `EC2`. It does not make the
   * address an EC2 instance (an `S3` or `ROUTE53_RESOLVER` block inside an EC2 block is not
   * one); it lets a report say "AWS, inside an EC2 block" instead of hiding the fact.
   */
  inEc2Block: boolean;
}

/** A validated ranges file, ready for lookups. */
export interface IpRanges {
  readonly syncToken: string;
  readonly createDate: string;
  /** Longest-prefix match over all services, IPv4 and IPv6; `undefined` outside AWS ranges. */
  lookup(address: ParsedIp): RangeMatch | undefined;
  /** Sizes, for logs and the benchmark. */
  readonly stats: IpRangesStats;
}

export interface IpRangesStats {
  /** Entries in the file (one prefix listed under three services counts three times). */
  readonly entries: number;
  /** Distinct prefixes after grouping the services of each prefix. */
  readonly prefixes: number;
  /** Disjoint intervals after flattening, IPv4 plus IPv6. */
  readonly intervals: number;
  /** Bytes held in the typed arrays of the interval index (the lookup structure itself). */
  readonly indexBytes: number;
}

/*
 * Precedence, applied in this order when an address falls in several listed prefixes
 * (examples from the bundled snapshot, syncToken 1787411825; each is asserted in
 * test/unit/ip-ranges.test.ts):
 *
 * | step | rule                                                  | example                                       | wins         | class |
 * |------|-------------------------------------------------------|-----------------------------------------------|--------------|-------|
 * | 1    | the most specific (longest) prefix wins               | 3.26.88.0/28 S3 in 3.24.0.0/14 EC2+AMAZON     | S3           | aws   |
 * |      |                                                       | 3.26.127.24/29 CODEBUILD in the same EC2 block| CODEBUILD    | aws   |
 * |      |                                                       | 3.6.70.128/26 AMAZON in 3.6.0.0/15 EC2+AMAZON | AMAZON       | aws   |
 * |      |                                                       | 70.232.86.124/32 EC2 in 70.232.80.0/21 AMAZON | EC2          | ec2   |
 * |      |                                                       | 64.252.64.0/24 EC2 in 64.252.64.0/18 CLOUDFRONT | EC2        | ec2   |
 * | 2    | same prefix: a specific service beats EC2 and AMAZON  | 3.5.140.0/22 S3+EC2+AMAZON                    | S3           | aws   |
 * |      |                                                       | 35.55.1.0/24 IVS_REALTIME+EC2+AMAZON          | IVS_REALTIME | aws   |
 * | 3    | same prefix: EC2 beats AMAZON                         | 3.24.0.0/14 EC2+AMAZON                        | EC2          | ec2   |
 * | 4    | same prefix, several specific services: the           | 13.124.199.0/24 CLOUDFRONT+                   | CLOUDFRONT   | aws   |
 * |      | alphabetically first service name                     |   CLOUDFRONT_ORIGIN_FACING                    |              |       |
 * | 5    | same prefix and service in several regions: the       | none in this snapshot                         |              |       |
 * |      | alphabetically first region, then border group        |                                               |              |       |
 *
 * Why: a specific service assignment (S3, CODEBUILD, API_GATEWAY, ROUTE53_RESOLVER...)
 * describes what the addresses are actually used for, while EC2 is the wide pool those
 * services are carved out of. AMAZON lists nearly everything (not all: 3.26.88.0/28 is listed
 * under S3 alone, and 2,028 of the 11,013 prefixes have no AMAZON entry), so on one prefix EC2
 * still says more than AMAZON. Reading "inside an EC2 range" as "your instance" would call
 * CodeBuild builders, Cloud9 and API Gateway your EC2 fleet. Step 1 also makes an AMAZON-only
 * prefix carved out of an EC2 block (570 IPv4 and 116 IPv6 prefixes in the snapshot) `aws`,
 * not `ec2`: AWS publishes the more specific prefix for a reason, and the match keeps
 * `inEc2Block` so the fact stays visible. Alphabetical order (steps 4 and 5) is arbitrary but
 * stable across runs and ranges versions.
 */
const GENERAL_SERVICES = ['EC2', 'AMAZON'] as const;

/** 0 for a specific service, 1 for EC2, 2 for AMAZON: lower wins on the same prefix. */
function serviceRank(service: string): number {
  const index = (GENERAL_SERVICES as readonly string[]).indexOf(service);
  return index < 0 ? 0 : index + 1;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Validates an `ip-ranges.json` document and builds its lookup table. Every entry is checked
 * (a prefix that does not parse or has host bits set is an error, not a silent hole in the
 * table), so a truncated or foreign document is refused as a whole. The table keeps only the
 * strings it needs, not the document.
 *
 * @param origin where the document came from, named in errors (`s3://bucket/ip-ranges.json`).
 * @throws ConfigurationError naming `origin` and the first problem found.
 * @example
 * const ranges = parseIpRanges(JSON.parse(text), 'https://ip-ranges.amazonaws.com/ip-ranges.json');
 * ranges.lookup(parseIp('3.5.140.10')!) // => { prefix: '3.5.140.0/22', service: 'S3', region: 'ap-northeast-2', ... }
 */
export function parseIpRanges(json: unknown, origin: string): IpRanges {
  const fail = (problem: string): never => {
    throw new ConfigurationError(`${origin}: not a valid AWS ip-ranges document: ${problem}`);
  };
  if (!isObject(json)) return fail('expected a JSON object');
  const { syncToken, createDate, prefixes, ipv6_prefixes: ipv6Prefixes } = json;
  if (typeof syncToken !== 'string' || syncToken.length === 0) return fail('syncToken is missing or not a string');
  if (typeof createDate !== 'string' || createDate.length === 0) return fail('createDate is missing or not a string');
  if (!Array.isArray(prefixes)) return fail('prefixes is missing or not an array');
  if (!Array.isArray(ipv6Prefixes)) return fail('ipv6_prefixes is missing or not an array');
  if (prefixes.length + ipv6Prefixes.length === 0) return fail('prefixes and ipv6_prefixes are both empty');

  const v4 = readRangeList(prefixes, 'prefixes', 'ip_prefix', 4, fail);
  const v6 = readRangeList(ipv6Prefixes, 'ipv6_prefixes', 'ipv6_prefix', 6, fail);
  const grouped4 = groupPrefixes(v4.list, 0);
  const grouped6 = groupPrefixes(v6.list, grouped4.groups);
  const groups = grouped4.groups + grouped6.groups;

  // Per distinct prefix: the precedence winner's labels, every service listed, EC2 membership.
  // Labels are interned into small string tables (27 services, ~40 regions in the snapshot) and
  // the prefix text is formatted on first hit, so the table holds no reference into the
  // document: a fetched document can be dropped, and the bundled one is not duplicated.
  const labels = new Interner();
  const serviceOf = new Uint16Array(groups);
  const regionOf = new Uint16Array(groups);
  const borderOf = new Uint16Array(groups);
  const servicesOf = new Uint16Array(groups);
  const inEc2 = new Uint8Array(groups);
  const combos = new Interner();
  for (const [read, grouped] of [
    [v4, grouped4],
    [v6, grouped6],
  ] as const) {
    const { items, list } = read;
    const { order, groupStarts, offset } = grouped;
    for (let g = 0; g < grouped.groups; g++) {
      const first = groupStarts[g]!;
      const end = groupStarts[g + 1]!;
      let winner = items[list.tags[order[first]!]!]!;
      let servicesKey = winner.service;
      let hasEc2 = winner.service === 'EC2';
      if (end - first > 1) {
        const members: RangeItem[] = [];
        for (let k = first; k < end; k++) members.push(items[list.tags[order[k]!]!]!);
        members.sort(compareItems);
        winner = members[0]!;
        servicesKey = [...new Set(members.map((m) => m.service))].join(',');
        hasEc2 = members.some((m) => m.service === 'EC2');
      }
      if (hasEc2) inEc2[offset + g] = 1;
      serviceOf[offset + g] = labels.id(winner.service);
      regionOf[offset + g] = labels.id(winner.region);
      borderOf[offset + g] = labels.id(winner.network_border_group ?? '');
      servicesOf[offset + g] = combos.id(servicesKey);
    }
  }

  // Ids are stored in 16 bits; a real document has well under a hundred distinct labels.
  if (labels.values.length > 0xffff || combos.values.length > 0xffff) fail('too many distinct service/region labels');

  const markNested = (inner: number, outer: number) => {
    if (inEc2[outer] === 1) inEc2[inner] = 1;
  };
  const index = createIntervalIndex(flatten(grouped4.unique, markNested), flatten(grouped6.unique, markNested));
  // Starts and lengths of the distinct prefixes, trimmed to size, for the lazily formatted text.
  // (Closures below must not reference `grouped4`/`grouped6`: V8 would keep their work arrays.)
  const groups4 = grouped4.groups;
  const starts4 = grouped4.unique.starts.slice(0, grouped4.groups);
  const lengths4 = grouped4.unique.lengths.slice(0, grouped4.groups);
  const starts6 = grouped6.unique.starts.slice(0, grouped6.groups * 4);
  const lengths6 = grouped6.unique.lengths.slice(0, grouped6.groups);
  const serviceLists = combos.values.map((key) => Object.freeze(key.split(',')));

  // Match objects are made on first hit: a log file touches a few dozen of the 11,000 prefixes,
  // and creating them all up front would add to every cold start for nothing.
  const matches: Array<RangeMatch | undefined> = new Array(groups).fill(undefined);
  const makeMatch = (g: number): RangeMatch => {
    const v6 = g >= groups4;
    const i = v6 ? g - groups4 : g;
    const start = v6 ? formatIpv6(starts6.subarray(i * 4, i * 4 + 4)) : formatIpv4(starts4[i]!);
    const match: RangeMatch = {
      prefix: `${start}/${(v6 ? lengths6 : lengths4)[i]}`,
      service: labels.values[serviceOf[g]!]!,
      region: labels.values[regionOf[g]!]!,
      services: serviceLists[servicesOf[g]!]!,
      inEc2Block: inEc2[g] === 1,
    };
    const border = labels.values[borderOf[g]!];
    if (border) match.networkBorderGroup = border;
    matches[g] = Object.freeze(match);
    return match;
  };

  return {
    syncToken,
    createDate,
    stats: {
      entries: prefixes.length + ipv6Prefixes.length,
      prefixes: groups,
      intervals: index.intervals,
      indexBytes: index.bytes,
    },
    lookup(address) {
      const g = index.find(address);
      return g < 0 ? undefined : (matches[g] ?? makeMatch(g));
    },
  };
}

/** One entry of `prefixes`/`ipv6_prefixes`, after validation. */
interface RangeItem {
  [field: string]: unknown;
  service: string;
  region: string;
  network_border_group?: string;
}

function compareItems(a: RangeItem, b: RangeItem): number {
  return (
    serviceRank(a.service) - serviceRank(b.service) ||
    compareText(a.service, b.service) ||
    compareText(a.region, b.region) ||
    compareText(a.network_border_group ?? '', b.network_border_group ?? '')
  );
}

/** Validates one list of the document and scans its prefixes into a {@link PrefixList}. */
function readRangeList(
  items: unknown[],
  listName: string,
  field: string,
  family: 4 | 6,
  fail: (problem: string) => never,
): { list: PrefixList; items: RangeItem[] } {
  const list = new PrefixList(family === 4 ? 1 : 4, items.length);
  const words = new Uint32Array(5);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Record<string, unknown> | null;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) fail(`${listName}[${i}] is not an object`);
    const text = item![field];
    const service = item!.service;
    const region = item!.region;
    const border = item!.network_border_group;
    if (typeof text !== 'string') fail(`${listName}[${i}].${field} is missing or not a string`);
    if (typeof service !== 'string' || service.length === 0) fail(`${listName}[${i}].service is missing or empty`);
    if (typeof region !== 'string' || region.length === 0) fail(`${listName}[${i}].region is missing or empty`);
    if (border !== undefined && typeof border !== 'string')
      fail(`${listName}[${i}].network_border_group is not a string`);
    const code = scanCidr(text as string, words);
    if (code < 0) fail(`${listName}[${i}].${field} "${text}" ${problemOf(text as string)}`);
    if (code >> 8 !== family) fail(`${listName}[${i}].${field} "${text}" is not an IPv${family} prefix`);
    list.add(words, 0, code & 0xff, i);
  }
  return { list, items: items as RangeItem[] };
}

let bundled: IpRanges | undefined;

/**
 * The snapshot bundled with cleartrail (`lib/data/ip-ranges.json`), built on first use and
 * then shared. It is the fallback when no fresher ranges are available.
 *
 * The first call validates and builds the table; loading the module also evaluates the JSON that
 * esbuild inlines as an object literal. Both are cold-start costs, measured on the Lambda's own
 * bundle by test/bench/ip-lookup.ts (figures and the JSON.parse alternative: docs/performance.md).
 */
export function bundledIpRanges(): IpRanges {
  bundled ??= parseIpRanges(bundledJson, 'bundled lib/data/ip-ranges.json');
  return bundled;
}

/** A longest-prefix-match table over IPv4 and IPv6 prefixes, with one value per prefix. */
export interface PrefixTable<T> {
  /** The value of the most specific prefix that contains the address. */
  lookup(address: ParsedIp): T | undefined;
  /** Disjoint intervals after flattening (IPv4 plus IPv6). */
  readonly intervals: number;
  /** Bytes held by the typed arrays of the index. */
  readonly indexBytes: number;
}

/** How {@link buildPrefixTable} combines the values of prefixes that overlap. */
export interface PrefixTableRules<T> {
  /** Two entries with the very same prefix (in input order): the value to keep for it. */
  same(a: T, b: T): T;
  /**
   * Called once per prefix that lies inside another, outermost first, so `outer` has already
   * been through this; returns the value to store for `inner`. Without it, `inner` stays.
   */
  nested?(inner: T, outer: T): T;
}

/**
 * Builds a longest-prefix-match table: nested prefixes are flattened into disjoint intervals,
 * each holding the value of its most specific prefix.
 *
 * @example
 * const table = buildPrefixTable([{ cidr, value: 'office' }], { same: (a) => a });
 * table.lookup(parseIp('203.0.113.9')!) // => 'office'
 */
export function buildPrefixTable<T>(
  entries: ReadonlyArray<{ cidr: Cidr; value: T }>,
  rules: PrefixTableRules<T>,
): PrefixTable<T> {
  const lists = { 4: new PrefixList(1, entries.length), 6: new PrefixList(4, entries.length) };
  const words = new Uint32Array(4);
  entries.forEach(({ cidr }, i) => {
    const address = cidr.address;
    if (address.family === 4) words[0] = address.value;
    else words.set(address.words);
    lists[address.family].add(words, 0, cidr.prefixLength, i);
  });
  const grouped4 = groupPrefixes(lists[4], 0);
  const grouped6 = groupPrefixes(lists[6], grouped4.groups);
  const values: T[] = [];
  for (const [list, grouped] of [
    [lists[4], grouped4],
    [lists[6], grouped6],
  ] as const) {
    for (let g = 0; g < grouped.groups; g++) {
      const members: number[] = [];
      for (let k = grouped.groupStarts[g]!; k < grouped.groupStarts[g + 1]!; k++)
        members.push(list.tags[grouped.order[k]!]!);
      members.sort((a, b) => a - b);
      let value = entries[members[0]!]!.value;
      for (let m = 1; m < members.length; m++) value = rules.same(value, entries[members[m]!]!.value);
      values.push(value);
    }
  }
  const nested = rules.nested;
  const onNested = nested
    ? (inner: number, outer: number) => {
        values[inner] = nested(values[inner]!, values[outer]!);
      }
    : undefined;
  const index = createIntervalIndex(flatten(grouped4.unique, onNested), flatten(grouped6.unique, onNested));
  return {
    intervals: index.intervals,
    indexBytes: index.bytes,
    lookup(address) {
      const g = index.find(address);
      return g < 0 ? undefined : values[g];
    },
  };
}

/** Gives each distinct string a small number; `values[id]` is the string. */
class Interner {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();

  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.push(value) - 1;
      this.ids.set(value, id);
    }
    return id;
  }
}

/**
 * Prefixes of one family in typed arrays: `width` 32-bit words per start (1 for IPv4, 4 for
 * IPv6), the prefix length, and a caller's tag (an entry index, later a group index).
 */
class PrefixList {
  readonly starts: Uint32Array;
  readonly lengths: Uint8Array;
  readonly tags: Int32Array;
  count = 0;

  constructor(
    readonly width: 1 | 4,
    capacity: number,
  ) {
    this.starts = new Uint32Array(capacity * width);
    this.lengths = new Uint8Array(capacity);
    this.tags = new Int32Array(capacity);
  }

  add(words: Uint32Array, offset: number, length: number, tag: number): void {
    const i = this.count++;
    for (let k = 0; k < this.width; k++) this.starts[i * this.width + k] = words[offset + k]!;
    this.lengths[i] = length;
    this.tags[i] = tag;
  }
}

/**
 * Sorts prefixes by start, outer (shorter) first on the same start, and groups identical ones.
 * `order` lists entry positions sorted; group g is `order[groupStarts[g] .. groupStarts[g+1])`;
 * `unique` holds one prefix per group in sorted order, tagged `offset + g`.
 */
function groupPrefixes(list: PrefixList, offset: number) {
  const n = list.count;
  const { width, starts, lengths } = list;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (width === 1) {
    order.sort((a, b) => starts[a]! - starts[b]! || lengths[a]! - lengths[b]!);
  } else {
    order.sort((a, b) => {
      const oa = a * 4;
      const ob = b * 4;
      return (
        starts[oa]! - starts[ob]! ||
        starts[oa + 1]! - starts[ob + 1]! ||
        starts[oa + 2]! - starts[ob + 2]! ||
        starts[oa + 3]! - starts[ob + 3]! ||
        lengths[a]! - lengths[b]!
      );
    });
  }
  const unique = new PrefixList(width, n);
  const groupStarts = new Uint32Array(n + 1);
  let groups = 0;
  let previous = -1;
  for (let k = 0; k < n; k++) {
    const e = order[k]!;
    let same = previous >= 0 && lengths[previous] === lengths[e];
    for (let w = 0; same && w < width; w++) same = starts[previous * width + w] === starts[e * width + w];
    if (!same) {
      groupStarts[groups] = k;
      unique.add(starts, e * width, lengths[e]!, offset + groups);
      groups++;
    }
    previous = e;
  }
  groupStarts[groups] = n;
  return { order, groupStarts, unique, groups, offset };
}

/** Disjoint intervals: `values[i]` holds from `starts[i]` (width words) to the next start; -1 is no prefix. */
interface Intervals {
  starts: Uint32Array;
  values: Int32Array;
}

/**
 * Sweeps the sorted, distinct prefixes with a stack of the open (enclosing) ones and emits a
 * breakpoint wherever the innermost open prefix changes. CIDR prefixes either nest or are
 * disjoint, so the stack is exactly the chain of enclosing prefixes.
 */
function flatten(spans: PrefixList, onNested: ((inner: number, outer: number) => void) | undefined): Intervals {
  const { width, starts, lengths, tags } = spans;
  const n = spans.count;
  const outStarts = new Uint32Array((2 * n + 1) * width);
  const outValues = new Int32Array(2 * n + 1);
  let out = 0;
  const emit = (from: Uint32Array, offset: number, value: number) => {
    if (out > 0) {
      const o = (out - 1) * width;
      let same = true;
      for (let k = 0; k < width && same; k++) same = outStarts[o + k] === from[offset + k];
      if (same) {
        // A prefix starting where another ends: the later answer replaces the earlier one.
        outValues[out - 1] = value;
        if (out > 1 && outValues[out - 2] === value) out--;
        return;
      }
      if (outValues[out - 1] === value) return;
    }
    for (let k = 0; k < width; k++) outStarts[out * width + k] = from[offset + k]!;
    outValues[out++] = value;
  };
  // The first address after prefix i, into `point`; false when it runs to the end of the space.
  const point = new Uint32Array(width);
  const endOf = (i: number): boolean => {
    for (let k = 0; k < width; k++) point[k] = starts[i * width + k]!;
    const bit = width * 32 - lengths[i]!;
    let add = 2 ** (bit % 32);
    for (let k = width - 1 - Math.floor(bit / 32); k >= 0; k--) {
      const sum = point[k]! + add;
      if (sum < 2 ** 32) {
        point[k] = sum;
        return true;
      }
      point[k] = sum - 2 ** 32;
      add = 1;
    }
    return false;
  };
  // Whether prefix j starts inside prefix i (i's start has no host bits set).
  const contains = (i: number, j: number): boolean => {
    const bits = lengths[i]!;
    for (let k = 0; k < width; k++) {
      const b = bits - 32 * k;
      if (b <= 0) return true;
      const outer = starts[i * width + k]!;
      const inner = starts[j * width + k]!;
      if (b < 32) return (inner & (0xffffffff << (32 - b))) >>> 0 === outer;
      if (inner !== outer) return false;
    }
    return true;
  };
  const stack = new Int32Array(width * 32 + 2);
  let depth = 0;
  const close = () => {
    const i = stack[--depth]!;
    if (endOf(i)) emit(point, 0, depth > 0 ? tags[stack[depth - 1]!]! : -1);
  };
  emit(new Uint32Array(width), 0, -1);
  for (let j = 0; j < n; j++) {
    while (depth > 0 && !contains(stack[depth - 1]!, j)) close();
    if (depth > 0 && onNested) onNested(tags[j]!, tags[stack[depth - 1]!]!);
    emit(starts, j * width, tags[j]!);
    stack[depth++] = j;
  }
  while (depth > 0) close();
  return { starts: outStarts.slice(0, out * width), values: outValues.slice(0, out) };
}

/** Binary search over the flattened intervals of both families; returns a value index or -1. */
function createIntervalIndex(v4: Intervals, v6: Intervals) {
  const starts4 = v4.starts;
  const values4 = v4.values;
  const starts6 = v6.starts;
  const values6 = v6.values;
  const last4 = values4.length - 1;
  const last6 = values6.length - 1;
  return {
    intervals: values4.length + values6.length,
    bytes: starts4.byteLength + values4.byteLength + starts6.byteLength + values6.byteLength,
    find(address: ParsedIp): number {
      let lo = 0;
      if (address.family === 4) {
        // The last interval starting at or before the address; starts4[0] is 0.
        const v = address.value;
        let hi = last4;
        while (lo < hi) {
          const mid = (lo + hi + 1) >>> 1;
          if (starts4[mid]! <= v) lo = mid;
          else hi = mid - 1;
        }
        return values4[lo]!;
      }
      const [w0, w1, w2, w3] = address.words;
      let hi = last6;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        const o = mid << 2;
        const s0 = starts6[o]!;
        let atOrBefore: boolean;
        if (s0 !== w0) atOrBefore = s0 < w0;
        else {
          const s1 = starts6[o + 1]!;
          if (s1 !== w1) atOrBefore = s1 < w1;
          else {
            const s2 = starts6[o + 2]!;
            atOrBefore = s2 !== w2 ? s2 < w2 : starts6[o + 3]! <= w3;
          }
        }
        if (atOrBefore) lo = mid;
        else hi = mid - 1;
      }
      return values6[lo]!;
    },
  };
}

/** Why a prefix did not scan; only on the error path, so the friendly parser's wording is reused. */
function problemOf(text: string): string {
  const parsed = parseCidr(text);
  return parsed.ok ? 'is not valid' : parsed.problem;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
