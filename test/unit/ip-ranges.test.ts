import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lib/core/errors';
import snapshot from '../../lib/data/ip-ranges.json';
import { buildPrefixTable, bundledIpRanges, type IpRanges, parseIpRanges } from '../../lib/net/aws-ranges';
import { formatIpv4, formatIpv6, type ParsedIp, parseCidr, parseIp } from '../../lib/net/ip-address';
import { mulberry32, pick } from '../support/random';

const ip = (address: string): ParsedIp => {
  const parsed = parseIp(address);
  if (!parsed) throw new Error(`test address ${address} does not parse`);
  return parsed;
};

const lookup = (ranges: IpRanges, address: string) => ranges.lookup(ip(address));

/** A small document in the shape of ip-ranges.json. */
const document = (prefixes: Array<[string, string, string?]>, ipv6: Array<[string, string, string?]> = []) => ({
  syncToken: '1',
  createDate: '2026-01-01-00-00-00',
  prefixes: prefixes.map(([ip_prefix, service, region = 'eu-west-1']) => ({
    ip_prefix,
    service,
    region,
    network_border_group: region,
  })),
  ipv6_prefixes: ipv6.map(([ipv6_prefix, service, region = 'eu-west-1']) => ({
    ipv6_prefix,
    service,
    region,
    network_border_group: region,
  })),
});

describe('Function: bundledIpRanges', () => {
  it('loads the bundled snapshot once, with its syncToken and sizes', () => {
    // Act
    const ranges = bundledIpRanges();

    // Assess
    expect(ranges).toBe(bundledIpRanges());
    expect(ranges.syncToken).toBe('1787411825');
    expect(ranges.createDate).toBe('2026-08-22-15-17-05');
    expect(ranges.stats).toMatchObject({ entries: 10_668 + 6_160, prefixes: 11_013 });
  });

  it('finds an EC2 range over IPv4 with its service, region and every service listed on it', () => {
    expect(lookup(bundledIpRanges(), '3.24.0.1')).toEqual({
      prefix: '3.24.0.0/14',
      service: 'EC2',
      region: 'ap-southeast-2',
      networkBorderGroup: 'ap-southeast-2',
      services: ['EC2', 'AMAZON'],
      inEc2Block: true,
    });
  });

  // Each row of the precedence table in lib/net/aws-ranges.ts, on the real snapshot.
  it.each([
    ['S3 /28 inside an EC2 /14: the more specific S3 wins', '3.26.88.5', '3.26.88.0/28', 'S3', true],
    ['CODEBUILD /29 inside an EC2 /14', '3.26.127.25', '3.26.127.24/29', 'CODEBUILD', true],
    ['an AMAZON-only /26 carved out of an EC2 /15', '3.6.70.130', '3.6.70.128/26', 'AMAZON', true],
    ['an EC2 /32 inside an AMAZON-only /21', '70.232.86.124', '70.232.86.124/32', 'EC2', true],
    ['an EC2 /24 inside a CLOUDFRONT /18', '64.252.64.1', '64.252.64.0/24', 'EC2', true],
    ['S3, EC2 and AMAZON on one prefix: S3', '3.5.140.10', '3.5.140.0/22', 'S3', true],
    ['IVS_REALTIME, EC2 and AMAZON on one prefix: IVS_REALTIME', '35.55.1.9', '35.55.1.0/24', 'IVS_REALTIME', true],
    ['EC2 and AMAZON on one prefix: EC2', '3.6.70.192', '3.6.0.0/15', 'EC2', true],
    ['CLOUDFRONT and CLOUDFRONT_ORIGIN_FACING: alphabetical', '13.124.199.1', '13.124.199.0/24', 'CLOUDFRONT', true],
    ['an AMAZON-only prefix outside any EC2 block', '70.232.86.123', '70.232.80.0/21', 'AMAZON', false],
    ['an S3 range listed under S3 alone', '76.223.102.1', '76.223.102.0/24', 'S3', false],
  ])('applies the precedence for %s', (_case, address, prefix, service, inEc2Block) => {
    // Act
    const match = lookup(bundledIpRanges(), address);

    // Assess
    expect(match).toMatchObject({ prefix, service, inEc2Block });
  });

  it('lists the services of a shared prefix in precedence order', () => {
    expect(lookup(bundledIpRanges(), '3.5.140.10')?.services).toEqual(['S3', 'EC2', 'AMAZON']);
    expect(lookup(bundledIpRanges(), '52.46.0.1')?.services).toEqual([
      'CLOUDFRONT',
      'CLOUDFRONT_ORIGIN_FACING',
      'AMAZON',
    ]);
  });

  it('answers at the exact edges of a nested prefix', () => {
    // Prepare
    const ranges = bundledIpRanges();

    // Act & Assess: in 3.24.0.0/14 (EC2), 3.26.127.24/29 (CODEBUILD) has EC2 on both sides, and
    // 3.26.86.0/23 (ROUTE53_RESOLVER) is followed directly by the S3 blocks 3.26.88.0/28 and 3.26.88.16/28.
    expect(lookup(ranges, '3.26.127.23')?.prefix).toBe('3.24.0.0/14');
    expect(lookup(ranges, '3.26.127.24')?.prefix).toBe('3.26.127.24/29');
    expect(lookup(ranges, '3.26.127.31')?.prefix).toBe('3.26.127.24/29');
    expect(lookup(ranges, '3.26.127.32')?.prefix).toBe('3.24.0.0/14');
    expect(lookup(ranges, '3.26.87.255')).toMatchObject({ prefix: '3.26.86.0/23', service: 'ROUTE53_RESOLVER' });
    expect(lookup(ranges, '3.26.88.0')?.prefix).toBe('3.26.88.0/28');
    expect(lookup(ranges, '3.26.88.15')?.prefix).toBe('3.26.88.0/28');
    expect(lookup(ranges, '3.26.88.16')?.prefix).toBe('3.26.88.16/28');
    expect(lookup(ranges, '3.24.0.0')?.prefix).toBe('3.24.0.0/14');
    expect(lookup(ranges, '3.27.255.255')?.prefix).toBe('3.24.0.0/14');
    expect(lookup(ranges, '3.28.0.0')).toMatchObject({ prefix: '3.28.0.0/15', region: 'me-central-1' });
  });

  it.each([
    ['S3 /56 inside an EC2 /48', '2400:7fc0:110::1', '2400:7fc0:110::/56', 'S3'],
    ['the last address of that S3 /56', '2400:7fc0:110:ff:ffff:ffff:ffff:ffff', '2400:7fc0:110::/56', 'S3'],
    ['the EC2 /48 right after the S3 /56', '2400:7fc0:110:100::1', '2400:7fc0:110::/48', 'EC2'],
    ['EFS /56 inside an EC2 /36', '2400:7fc0:833b:f400::1', '2400:7fc0:833b:f400::/56', 'EFS'],
    ['the EC2 /36 around it', '2400:7fc0:833b:f500::1', '2400:7fc0:8000::/36', 'EC2'],
    ['an AMAZON /128', '2400:6500:0:9::1', '2400:6500:0:9::1/128', 'AMAZON'],
  ])('finds IPv6 ranges: %s', (_case, address, prefix, service) => {
    expect(lookup(bundledIpRanges(), address)).toMatchObject({ prefix, service });
  });

  it('matches an IPv4-mapped IPv6 address against the IPv4 ranges', () => {
    expect(lookup(bundledIpRanges(), '::ffff:3.24.0.1')).toBe(lookup(bundledIpRanges(), '3.24.0.1'));
  });

  it.each([
    '8.8.8.8',
    '203.0.113.7',
    '10.0.0.1',
    '100.64.0.1',
    '2400:6500:0:9::5',
    '2001:db8::1',
    '::1',
    '0.0.0.0',
    '255.255.255.255',
  ])('finds no AWS range for %s', (address) => {
    expect(lookup(bundledIpRanges(), address)).toBeUndefined();
  });

  it('returns the same frozen match object for every address of a prefix', () => {
    // Act
    const first = lookup(bundledIpRanges(), '3.24.0.1');
    const second = lookup(bundledIpRanges(), '3.25.1.2');

    // Assess
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.services)).toBe(true);
  });

  it('agrees with a naive longest-prefix scan of the whole snapshot at prefix edges and random addresses', () => {
    // Prepare: the reference reads the JSON directly and scans every entry, in the simplest way.
    const rank = (service: string) => (service === 'AMAZON' ? 2 : service === 'EC2' ? 1 : 0);
    const toEntry = (text: string, service: string, region: string) => {
      const parsed = parseCidr(text);
      if (!parsed.ok) throw new Error(text);
      const { address, prefixLength } = parsed.cidr;
      const start = toBigInt(address);
      const end = start + (1n << BigInt((address.family === 4 ? 32 : 128) - prefixLength));
      return { service, region, length: prefixLength, start, end, start4: Number(start), end4: Number(end) };
    };
    type Entry = ReturnType<typeof toEntry>;
    const v4 = snapshot.prefixes.map((p) => toEntry(p.ip_prefix, p.service, p.region));
    const v6 = snapshot.ipv6_prefixes.map((p) => toEntry(p.ipv6_prefix, p.service, p.region));
    const reference = (family: 4 | 6, value: bigint) => {
      const n = Number(value);
      const containing =
        family === 4
          ? v4.filter((e) => e.start4 <= n && n < e.end4)
          : v6.filter((e) => e.start <= value && value < e.end);
      if (containing.length === 0) return undefined;
      const longest = Math.max(...containing.map((e) => e.length));
      const best = containing
        .filter((e) => e.length === longest)
        .sort(
          (a, b) =>
            rank(a.service) - rank(b.service) || a.service.localeCompare(b.service) || a.region.localeCompare(b.region),
        )[0];
      if (!best) return undefined;
      return `${best.service} ${best.region} /${best.length}`;
    };
    const random = mulberry32(42);
    const probes: Array<{ family: 4 | 6; value: bigint }> = [];
    const edges = (family: 4 | 6, e: Entry) => {
      probes.push({ family, value: e.start }, { family, value: e.end - 1n });
      if (e.end < (family === 4 ? 2n ** 32n : 2n ** 128n)) probes.push({ family, value: e.end });
    };
    for (let i = 0; i < 1200; i++) edges(4, pick(v4, random));
    for (let i = 0; i < 250; i++) edges(6, pick(v6, random));
    for (let i = 0; i < 500; i++) probes.push({ family: 4, value: BigInt(Math.floor(random() * 2 ** 32)) });
    const ranges = bundledIpRanges();

    // Act
    const mismatches = probes.flatMap(({ family, value }) => {
      const address = family === 4 ? formatIpv4(Number(value)) : formatIpv6(toWords(value));
      const match = lookup(ranges, address);
      const actual = match ? `${match.service} ${match.region} /${match.prefix.split('/')[1]}` : undefined;
      const expected = reference(family, value);
      return actual === expected ? [] : [`${address}: ${actual} instead of ${expected}`];
    });

    // Assess
    expect(probes.length).toBeGreaterThan(4500);
    expect(mismatches).toEqual([]);
  });
});

describe('Function: parseIpRanges', () => {
  it('builds a table from a small document, with the precedence on one shared prefix', () => {
    // Prepare
    const json = document([
      ['198.51.100.0/24', 'AMAZON'],
      ['198.51.100.0/24', 'EC2'],
      ['198.51.100.0/24', 'ROUTE53'],
      ['198.51.100.0/24', 'CODEBUILD'],
    ]);

    // Act
    const ranges = parseIpRanges(json, 'test.json');

    // Assess
    expect(ranges.syncToken).toBe('1');
    expect(lookup(ranges, '198.51.100.9')).toMatchObject({
      service: 'CODEBUILD',
      services: ['CODEBUILD', 'ROUTE53', 'EC2', 'AMAZON'],
    });
  });

  it('breaks a tie between regions of the same prefix and service alphabetically', () => {
    const ranges = parseIpRanges(
      document([
        ['198.51.100.0/24', 'S3', 'us-west-2'],
        ['198.51.100.0/24', 'S3', 'eu-west-1'],
      ]),
      'test.json',
    );
    expect(lookup(ranges, '198.51.100.1')?.region).toBe('eu-west-1');
  });

  it('handles prefixes that cover the whole space and its very last address', () => {
    // Prepare
    const json = document(
      [
        ['0.0.0.0/0', 'AMAZON'],
        ['255.255.255.255/32', 'EC2'],
        ['0.0.0.0/32', 'S3'],
      ],
      [
        ['::/0', 'AMAZON'],
        ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128', 'EC2'],
      ],
    );

    // Act
    const ranges = parseIpRanges(json, 'test.json');

    // Assess
    expect(lookup(ranges, '0.0.0.0')?.service).toBe('S3');
    expect(lookup(ranges, '0.0.0.1')?.service).toBe('AMAZON');
    expect(lookup(ranges, '255.255.255.254')?.service).toBe('AMAZON');
    expect(lookup(ranges, '255.255.255.255')?.service).toBe('EC2');
    expect(lookup(ranges, '2001:db8::1')?.service).toBe('AMAZON');
    expect(lookup(ranges, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toMatchObject({
      service: 'EC2',
      prefix: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128',
    });
  });

  it('marks a prefix inside an EC2 block even two levels down', () => {
    const ranges = parseIpRanges(
      document([
        ['10.0.0.0/8', 'EC2'],
        ['10.1.0.0/16', 'AMAZON'],
        ['10.1.2.0/24', 'S3'],
      ]),
      'test.json',
    );
    expect(lookup(ranges, '10.1.2.3')).toMatchObject({ service: 'S3', inEc2Block: true });
    expect(lookup(ranges, '10.1.3.3')).toMatchObject({ service: 'AMAZON', inEc2Block: true });
  });

  it.each([
    ['an array', [], 'expected a JSON object'],
    [
      'no syncToken',
      { ...document([['198.51.100.0/24', 'S3']]), syncToken: undefined },
      'syncToken is missing or not a string',
    ],
    [
      'a numeric syncToken',
      { ...document([['198.51.100.0/24', 'S3']]), syncToken: 1 },
      'syncToken is missing or not a string',
    ],
    [
      'no createDate',
      { ...document([['198.51.100.0/24', 'S3']]), createDate: '' },
      'createDate is missing or not a string',
    ],
    ['no prefixes', { ...document([]), prefixes: {} }, 'prefixes is missing or not an array'],
    [
      'no ipv6_prefixes',
      { ...document([['198.51.100.0/24', 'S3']]), ipv6_prefixes: undefined },
      'ipv6_prefixes is missing or not an array',
    ],
    ['no prefixes at all', document([]), 'prefixes and ipv6_prefixes are both empty'],
    [
      'a prefix length over 32',
      document([
        ['198.51.100.0/24', 'S3'],
        ['3.5.140.0/33', 'S3'],
      ]),
      'prefixes[1].ip_prefix "3.5.140.0/33" has an invalid prefix length (0 to 32 for IPv4, 0 to 128 for IPv6)',
    ],
    [
      'host bits set',
      document([['3.5.140.1/22', 'S3']]),
      'prefixes[0].ip_prefix "3.5.140.1/22" has host bits set (the network is 3.5.140.0/22)',
    ],
    [
      'an IPv6 prefix in the IPv4 list',
      document([['2001:db8::/32', 'S3']]),
      'prefixes[0].ip_prefix "2001:db8::/32" is not an IPv4 prefix',
    ],
    [
      'an IPv4 prefix in the IPv6 list',
      document([], [['198.51.100.0/24', 'S3']]),
      'ipv6_prefixes[0].ipv6_prefix "198.51.100.0/24" is not an IPv6 prefix',
    ],
    ['a missing service', document([['198.51.100.0/24', '']]), 'prefixes[0].service is missing or empty'],
    [
      'a missing region',
      { ...document([]), prefixes: [{ ip_prefix: '198.51.100.0/24', service: 'S3' }] },
      'prefixes[0].region is missing or empty',
    ],
    [
      'an entry that is not an object',
      { ...document([]), prefixes: ['198.51.100.0/24'] },
      'prefixes[0] is not an object',
    ],
    [
      'a missing ip_prefix',
      { ...document([]), prefixes: [{ service: 'S3', region: 'eu-west-1' }] },
      'prefixes[0].ip_prefix is missing or not a string',
    ],
  ])('refuses a document with %s, naming the origin and the problem', (_case, json, problem) => {
    // Act
    const parse = () => parseIpRanges(json, 's3://config/ip-ranges.json');

    // Assess
    expect(parse).toThrow(ConfigurationError);
    expect(parse).toThrow(`s3://config/ip-ranges.json: not a valid AWS ip-ranges document: ${problem}`);
  });

  it('marks its error as not retryable', () => {
    // Act
    let error: unknown;
    try {
      parseIpRanges(null, 'test.json');
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).retryable).toBe(false);
  });
});

describe('Function: buildPrefixTable', () => {
  const cidr = (text: string) => {
    const parsed = parseCidr(text);
    if (!parsed.ok) throw new Error(text);
    return parsed.cidr;
  };

  it('returns the value of the most specific prefix, over IPv4 and IPv6', () => {
    // Prepare
    const table = buildPrefixTable(
      [
        { cidr: cidr('10.0.0.0/8'), value: 'wide' },
        { cidr: cidr('10.1.0.0/16'), value: 'narrow' },
        { cidr: cidr('2001:db8::/32'), value: 'v6' },
      ],
      { same: (a) => a },
    );

    // Act & Assess
    expect(table.lookup(ip('10.1.2.3'))).toBe('narrow');
    expect(table.lookup(ip('10.2.0.1'))).toBe('wide');
    expect(table.lookup(ip('11.0.0.1'))).toBeUndefined();
    expect(table.lookup(ip('2001:db8:1::1'))).toBe('v6');
    expect(table.lookup(ip('2001:db9::1'))).toBeUndefined();
  });

  it('merges identical prefixes in input order and lets nested ones see their parent', () => {
    // Prepare
    const table = buildPrefixTable(
      [
        { cidr: cidr('10.0.0.0/8'), value: ['a'] },
        { cidr: cidr('10.0.0.0/8'), value: ['b'] },
        { cidr: cidr('10.9.0.0/16'), value: ['c'] },
      ],
      { same: (a, b) => [...a, ...b], nested: (inner, outer) => [...outer, ...inner] },
    );

    // Act & Assess
    expect(table.lookup(ip('10.0.0.1'))).toEqual(['a', 'b']);
    expect(table.lookup(ip('10.9.0.1'))).toEqual(['a', 'b', 'c']);
  });

  it('is empty without entries', () => {
    const table = buildPrefixTable([], { same: (a) => a });
    expect(table.lookup(ip('10.0.0.1'))).toBeUndefined();
    expect(table.lookup(ip('::1'))).toBeUndefined();
  });
});

function toBigInt(address: { family: 4; value: number } | { family: 6; words: readonly number[] }): bigint {
  if (address.family === 4) return BigInt(address.value);
  return address.words.reduce((acc, word) => (acc << 32n) | BigInt(word), 0n);
}

function toWords(value: bigint): number[] {
  return [96n, 64n, 32n, 0n].map((shift) => Number((value >> shift) & 0xffffffffn));
}
