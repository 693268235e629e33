/**
 * Networks the user names (`office=203.0.113.0/24,vpn=198.51.100.0/25`): their own PCs,
 * offices and VPNs. A request from one carries the name, which is how "my own PC" shows up in a
 * report; the name never changes the source class (an office is still `external`).
 */
import { ConfigurationError } from '../core/errors';
import { buildPrefixTable } from './aws-ranges';
import { type ParsedIp, parseCidr } from './ip-address';

/** One named prefix. `cidr` is normalised (`2001:DB8::/32` becomes `2001:db8::/32`). */
export interface NamedNetwork {
  name: string;
  cidr: string;
}

/** Looks up the most specific named network that contains an address. */
export interface NetworkTable {
  lookup(address: ParsedIp): NamedNetwork | undefined;
  readonly size: number;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A list of named networks that cannot be used. The message says which entry and why, and
 * never where the list came from: the caller knows (`CLEARTRAIL_NETWORKS`, `--networks`) and
 * says it in its own words.
 */
export class InvalidNetworksError extends ConfigurationError {
  constructor(problem: string) {
    super(problem);
    this.name = 'InvalidNetworksError';
  }
}

/**
 * Parses a comma-separated list of `name=cidr` entries. The same name may repeat (an office
 * with an IPv4 and an IPv6 range). Whitespace around entries is ignored; an empty or blank spec
 * means no networks. A bare address is accepted as a one-address network (/32 or /128).
 *
 * @throws InvalidNetworksError naming the bad entry.
 * @example
 * parseNamedNetworks('office=203.0.113.0/24, office=2001:DB8::/32')
 * // => [{ name: 'office', cidr: '203.0.113.0/24' }, { name: 'office', cidr: '2001:db8::/32' }]
 */
export function parseNamedNetworks(spec: string): NamedNetwork[] {
  if (typeof spec !== 'string') throw new InvalidNetworksError('expected a string of name=cidr entries');
  if (spec.trim() === '') return [];
  const networks: NamedNetwork[] = [];
  spec.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    const fail: (problem: string) => never = (problem) => {
      throw new InvalidNetworksError(`entry ${index + 1} "${entry}" ${problem}`);
    };
    if (entry === '') fail('is empty (a stray comma?); expected name=cidr');
    const equals = entry.indexOf('=');
    if (equals < 0) fail('has no "="; expected name=cidr, e.g. office=203.0.113.0/24');
    const name = entry.slice(0, equals).trim();
    const cidrText = entry.slice(equals + 1).trim();
    if (!NAME.test(name)) fail('has an invalid name: use 1 to 64 of A-Z a-z 0-9 _ . -');
    const parsed = parseCidr(cidrText, { allowBareAddress: true });
    if (!parsed.ok) fail(`has a network that ${parsed.problem}`);
    networks.push({ name, cidr: parsed.cidr.text });
  });
  const conflict = findConflict(networks);
  if (conflict) throw new InvalidNetworksError(conflict);
  return networks;
}

/**
 * Builds the lookup table for named networks; the most specific prefix wins, so
 * `lab=10.1.2.0/24` inside `office=10.1.0.0/16` names its own addresses.
 *
 * @param origin named in errors when an entry is invalid (the entries normally come from
 *   {@link parseNamedNetworks} and are valid).
 * @throws ConfigurationError for an invalid name or prefix, or one prefix under two names.
 */
export function buildNetworkTable(networks: readonly NamedNetwork[], origin = 'named networks'): NetworkTable {
  const entries = networks.map((network) => {
    if (typeof network?.name !== 'string' || !NAME.test(network.name)) {
      throw new ConfigurationError(`${origin}: invalid network name "${String(network?.name)}"`);
    }
    const parsed = parseCidr(network.cidr, { allowBareAddress: true });
    if (!parsed.ok)
      throw new ConfigurationError(`${origin}: network ${network.name}=${network.cidr} ${parsed.problem}`);
    // Stored with the normalised prefix so that a match reads the same whatever the input spelling.
    return { cidr: parsed.cidr, value: { name: network.name, cidr: parsed.cidr.text } };
  });
  const conflict = findConflict(entries.map((e) => e.value));
  if (conflict) throw new ConfigurationError(`${origin}: ${conflict}`);
  const table = buildPrefixTable(entries, { same: (a) => a });
  return { lookup: (address) => table.lookup(address), size: entries.length };
}

/** One prefix under two names would make the answer depend on the order of the list. */
function findConflict(networks: readonly NamedNetwork[]): string | undefined {
  const nameOf = new Map<string, string>();
  for (const { name, cidr } of networks) {
    const other = nameOf.get(cidr);
    if (other !== undefined && other !== name)
      return `${cidr} is named both "${other}" and "${name}"; give it one name`;
    nameOf.set(cidr, name);
  }
  return undefined;
}
