import { describe, expect, it } from 'vitest';
import { formatIpv6, isPrivateAddress, parseCidr, parseIp } from '../../lib/net/ip-address';

describe('Function: parseIp', () => {
  it('parses IPv4 into one unsigned 32-bit number and keeps the text', () => {
    // Act
    const ip = parseIp('192.0.2.10');

    // Assess
    expect(ip).toEqual({ family: 4, value: 0xc000020a, text: '192.0.2.10' });
  });

  it.each([
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
  ])('parses the edge address %s', (text, value) => {
    expect(parseIp(text)).toEqual({ family: 4, value, text });
  });

  it.each([
    ['2001:DB8:0:0:0:0:0:1', [0x20010db8, 0, 0, 1], '2001:db8::1'],
    ['2001:0db8::0001', [0x20010db8, 0, 0, 1], '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', [0x20010db8, 0, 0x00010000, 1], '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', [0x20010db8, 0x00000001, 0x00010001, 0x00010001], '2001:db8:0:1:1:1:1:1'],
    ['1:0:0:2:0:0:0:3', [0x00010000, 0x00000002, 0, 3], '1:0:0:2::3'],
    ['::', [0, 0, 0, 0], '::'],
    ['::1', [0, 0, 0, 1], '::1'],
    ['fe80::', [0xfe800000, 0, 0, 0], 'fe80::'],
    [
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ],
    ['2400:7fc0:833b:f400::1', [0x24007fc0, 0x833bf400, 0, 1], '2400:7fc0:833b:f400::1'],
  ])('parses IPv6 %s into four words and RFC 5952 text', (text, words, normalised) => {
    expect(parseIp(text)).toEqual({ family: 6, words, text: normalised });
  });

  it.each([['::ffff:192.0.2.10'], ['::FFFF:192.0.2.10'], ['::ffff:c000:20a'], ['0:0:0:0:0:ffff:192.0.2.10']])(
    'treats the IPv4-mapped address %s as the IPv4 address',
    (text) => {
      expect(parseIp(text)).toEqual({ family: 4, value: 0xc000020a, text: '192.0.2.10' });
    },
  );

  it('keeps other embedded-IPv4 forms as IPv6 (NAT64, the deprecated compatible form)', () => {
    expect(parseIp('64:ff9b::192.0.2.10')?.text).toBe('64:ff9b::c000:20a');
    expect(parseIp('::192.0.2.10')).toMatchObject({ family: 6, text: '::c000:20a' });
  });

  it.each([
    '',
    'AWS Internal',
    'cloudtrail.amazonaws.com',
    's3.amazonaws.com',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.',
    '01.2.3.4',
    '1.2.3.04',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.4/32',
    '1.2.3.4:443',
    '[::1]',
    'fe80::1%eth0',
    'fe80::1%1',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1::2::3',
    ':::',
    ':1::',
    '1::2:',
    '12345::',
    'g::1',
    '::ffff:1.2.3',
    '::ffff:1.2.3.256',
    '1.2.3.4::',
    '1:2:3:4:5:6:7:1.2.3.4',
  ])('refuses %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('Function: formatIpv6', () => {
  it('compresses the first of two equally long zero runs (RFC 5952 4.2.3)', () => {
    expect(formatIpv6([0x20010db8, 0x00000000, 0x00010000, 0x00000001])).toBe('2001:db8::1:0:0:1');
  });

  it('compresses the longest zero run, not the first (RFC 5952 4.2.3)', () => {
    expect(formatIpv6([0x00010000, 0x00000001, 0x00000000, 0x00000001])).toBe('1:0:0:1::1');
    expect(formatIpv6([0x20010db8, 0x00000001, 0x00000000, 0x00010000])).toBe('2001:db8:0:1::1:0');
  });

  it('does not compress a single zero group (RFC 5952 4.2.2)', () => {
    expect(formatIpv6([0x20010db8, 0x00000001, 0x00010001, 0x00010001])).toBe('2001:db8:0:1:1:1:1:1');
  });
});

describe('Function: isPrivateAddress', () => {
  it.each([
    ['10.0.0.1', true],
    ['10.255.255.255', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.15.255.255', false],
    ['172.32.0.0', false],
    ['192.168.1.20', true],
    ['192.169.0.1', false],
    ['100.64.0.1', true],
    ['100.127.255.255', true],
    ['100.63.255.255', false],
    ['100.128.0.0', false],
    ['127.0.0.1', true],
    ['169.254.169.254', true],
    ['169.255.0.1', false],
    ['8.8.8.8', false],
    ['203.0.113.7', false],
    ['::ffff:10.0.0.1', true],
    ['fc00::1', true],
    ['fd12:3456:789a::1', true],
    ['fe80::1', true],
    ['febf::1', true],
    ['fec0::1', false],
    ['::1', true],
    ['::', false],
    ['2001:db8::1', false],
    ['2600:1f14::1', false],
  ])('says %s is private: %s', (text, expected) => {
    // Prepare
    const ip = parseIp(text);
    if (!ip) throw new Error(`${text} does not parse`);

    // Act & Assess
    expect(isPrivateAddress(ip)).toBe(expected);
  });
});

describe('Function: parseCidr', () => {
  it('parses IPv4 and IPv6 prefixes into their first address and length', () => {
    // Act
    const v4 = parseCidr('203.0.113.0/24');
    const v6 = parseCidr('2001:DB8::/32');

    // Assess
    expect(v4).toEqual({
      ok: true,
      cidr: {
        family: 4,
        prefixLength: 24,
        text: '203.0.113.0/24',
        address: { family: 4, value: 0xcb007100, text: '203.0.113.0' },
      },
    });
    expect(v6).toMatchObject({ ok: true, cidr: { family: 6, prefixLength: 32, text: '2001:db8::/32' } });
  });

  it.each([
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['::/0', '::/0'],
    ['255.255.255.255/32', '255.255.255.255/32'],
    ['2400:6500:0:9::1/128', '2400:6500:0:9::1/128'],
    ['::ffff:192.0.2.0/120', '192.0.2.0/24'],
    ['::ffff:0:0/96', '0.0.0.0/0'],
  ])('accepts %s as %s', (text, normalised) => {
    expect(parseCidr(text)).toMatchObject({ ok: true, cidr: { text: normalised } });
  });

  it('accepts a bare address as a one-address prefix only when asked', () => {
    expect(parseCidr('203.0.113.7', { allowBareAddress: true })).toMatchObject({
      ok: true,
      cidr: { text: '203.0.113.7/32' },
    });
    expect(parseCidr('2001:db8::7', { allowBareAddress: true })).toMatchObject({
      ok: true,
      cidr: { text: '2001:db8::7/128' },
    });
    expect(parseCidr('203.0.113.7')).toEqual({ ok: false, problem: 'has no prefix length (expected address/length)' });
  });

  it.each([
    ['192.0.2.7/24', 'has host bits set (the network is 192.0.2.0/24)'],
    ['2001:db8::1/32', 'has host bits set (the network is 2001:db8::/32)'],
    ['10.0.0.0/33', 'has an invalid prefix length (0 to 32 for IPv4, 0 to 128 for IPv6)'],
    ['2001:db8::/129', 'has an invalid prefix length (0 to 32 for IPv4, 0 to 128 for IPv6)'],
    ['10.0.0.0/024', 'has an invalid prefix length (0 to 32 for IPv4, 0 to 128 for IPv6)'],
    ['10.0.0.0/', 'has an invalid prefix length (0 to 32 for IPv4, 0 to 128 for IPv6)'],
    ['10.0.0.0/-1', 'has an invalid prefix length (0 to 32 for IPv4, 0 to 128 for IPv6)'],
    ['fe80::%eth0/64', 'has a zone id (%...), which does not belong in a prefix'],
    ['office/24', 'is not an IPv4 or IPv6 prefix'],
    ['10.0.0/24', 'is not an IPv4 or IPv6 prefix'],
    ['', 'is empty'],
  ])('refuses %j: %s', (text, problem) => {
    expect(parseCidr(text)).toEqual({ ok: false, problem });
  });
});
