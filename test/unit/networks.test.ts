import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lib/core/errors';
import { type ParsedIp, parseIp } from '../../lib/net/ip-address';
import { buildNetworkTable, InvalidNetworksError, parseNamedNetworks } from '../../lib/net/named-networks';

const ip = (address: string): ParsedIp => {
  const parsed = parseIp(address);
  if (!parsed) throw new Error(`test address ${address} does not parse`);
  return parsed;
};

describe('Function: parseNamedNetworks', () => {
  it('parses name=cidr entries; a name may repeat for IPv4 and IPv6 ranges', () => {
    // Act
    const networks = parseNamedNetworks('office=203.0.113.0/24,vpn=198.51.100.0/25,office=2001:db8::/32');

    // Assess
    expect(networks).toEqual([
      { name: 'office', cidr: '203.0.113.0/24' },
      { name: 'vpn', cidr: '198.51.100.0/25' },
      { name: 'office', cidr: '2001:db8::/32' },
    ]);
  });

  it('ignores whitespace around entries and normalises the prefix text', () => {
    expect(parseNamedNetworks(' lab.eu-1 = 2001:DB8:0::/48 , home_pc=::ffff:192.0.2.7 ')).toEqual([
      { name: 'lab.eu-1', cidr: '2001:db8::/48' },
      { name: 'home_pc', cidr: '192.0.2.7/32' },
    ]);
  });

  it('reads an empty or blank spec as no networks', () => {
    expect(parseNamedNetworks('')).toEqual([]);
    expect(parseNamedNetworks('   ')).toEqual([]);
  });

  it('accepts a 64-character name and the same prefix repeated under the same name', () => {
    const name = 'n'.repeat(64);
    expect(parseNamedNetworks(`${name}=10.0.0.0/8,${name}=10.0.0.0/8`)).toHaveLength(2);
  });

  it.each([
    ['office=203.0.113.0/24,', 'entry 2 "" is empty (a stray comma?); expected name=cidr'],
    [
      'office 203.0.113.0/24',
      'entry 1 "office 203.0.113.0/24" has no "="; expected name=cidr, e.g. office=203.0.113.0/24',
    ],
    ['=203.0.113.0/24', 'entry 1 "=203.0.113.0/24" has an invalid name: use 1 to 64 of A-Z a-z 0-9 _ . -'],
    [
      'my office=203.0.113.0/24',
      'entry 1 "my office=203.0.113.0/24" has an invalid name: use 1 to 64 of A-Z a-z 0-9 _ . -',
    ],
    [
      `${'n'.repeat(65)}=10.0.0.0/8`,
      `entry 1 "${'n'.repeat(65)}=10.0.0.0/8" has an invalid name: use 1 to 64 of A-Z a-z 0-9 _ . -`,
    ],
    ['büro=10.0.0.0/8', 'entry 1 "büro=10.0.0.0/8" has an invalid name: use 1 to 64 of A-Z a-z 0-9 _ . -'],
    [
      'office=203.0.113.7/24',
      'entry 1 "office=203.0.113.7/24" has a network that has host bits set (the network is 203.0.113.0/24)',
    ],
    [
      'office=203.0.113.0/33',
      'entry 1 "office=203.0.113.0/33" has a network that has an invalid prefix length (0 to 32 for IPv4, 0 to 128 for IPv6)',
    ],
    ['office=headquarters', 'entry 1 "office=headquarters" has a network that is not an IPv4 or IPv6 prefix'],
    ['office=', 'entry 1 "office=" has a network that is empty'],
    [
      'office=fe80::1%eth0',
      'entry 1 "office=fe80::1%eth0" has a network that has a zone id (%...), which does not belong in a prefix',
    ],
    ['office=10.0.0.0/8,vpn=10.0.0.0/8', '10.0.0.0/8 is named both "office" and "vpn"; give it one name'],
  ])('refuses %j, naming the entry and not where the list came from', (spec, message) => {
    // Act
    const parse = () => parseNamedNetworks(spec);

    // Assess
    expect(parse).toThrow(InvalidNetworksError);
    expect(parse).toThrow(ConfigurationError);
    expect(parse).toThrow(new InvalidNetworksError(message)); // the whole message, equal
  });
});

describe('Function: buildNetworkTable', () => {
  it('finds the most specific named network, over IPv4 and IPv6', () => {
    // Prepare
    const table = buildNetworkTable(
      parseNamedNetworks(
        'office=10.0.0.0/8,lab=10.1.0.0/16,printer=10.1.2.3/32,office=2001:db8::/32,lab=2001:db8:1::/48',
      ),
    );
    const name = (address: string) => table.lookup(ip(address))?.name;

    // Act & Assess
    expect(name('10.9.9.9')).toBe('office');
    expect(name('10.1.9.9')).toBe('lab');
    expect(name('10.1.2.3')).toBe('printer');
    expect(name('10.1.2.4')).toBe('lab');
    expect(name('::ffff:10.1.2.3')).toBe('printer');
    expect(name('2001:db8:2::1')).toBe('office');
    expect(name('2001:db8:1::1')).toBe('lab');
    expect(name('11.0.0.1')).toBeUndefined();
    expect(name('2001:db9::1')).toBeUndefined();
  });

  it('returns the network with its normalised prefix', () => {
    const table = buildNetworkTable([{ name: 'office', cidr: '2001:DB8::/32' }]);
    expect(table.lookup(ip('2001:db8::1'))).toEqual({ name: 'office', cidr: '2001:db8::/32' });
  });

  it.each([
    [
      [{ name: 'office', cidr: '203.0.113.7/24' }],
      'networks: network office=203.0.113.7/24 has host bits set (the network is 203.0.113.0/24)',
    ],
    [[{ name: 'my office', cidr: '203.0.113.0/24' }], 'networks: invalid network name "my office"'],
    [
      [
        { name: 'a', cidr: '203.0.113.0/24' },
        { name: 'b', cidr: '203.0.113.0/24' },
      ],
      'networks: 203.0.113.0/24 is named both "a" and "b"; give it one name',
    ],
  ])('refuses invalid networks given directly (%j)', (networks, message) => {
    expect(() => buildNetworkTable(networks, 'networks')).toThrow(message);
  });
});
