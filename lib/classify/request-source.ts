/**
 * Who sent a request: the source class of a CloudTrail record (own network, EC2, VPC endpoint,
 * AWS) from its `sourceIPAddress`, the AWS ranges, the user's named networks and the EC2
 * credential evidence in `userIdentity`. Pure: the ranges and networks are passed in.
 */

import type { IpRanges } from '../net/aws-ranges';
import { isPrivateAddress, parseIp } from '../net/ip-address';
import { buildNetworkTable, type NamedNetwork } from '../net/named-networks';
import type { CloudTrailRecord, UserIdentity } from './cloudtrail-record';
import { detached } from './record-fields';

/**
 * - `aws-service`: `sourceIPAddress` is not an address (`AWS Internal`, `cloudtrail.amazonaws.com`, empty).
 * - `vpc-endpoint`: the request came through a VPC endpoint (`vpcEndpointId` set).
 * - `private`: RFC 1918, CGNAT 100.64/10, loopback, link-local, IPv6 ULA/link-local/loopback.
 * - `ec2`: in an AWS range whose chosen service is `EC2` (an instance or a NAT gateway).
 * - `aws`: in an AWS range chosen as another service (`S3`, `CODEBUILD`, `AMAZON`, ...).
 * - `external`: any other address: the internet, including the user's own offices.
 */
export type SourceClass = 'ec2' | 'vpc-endpoint' | 'private' | 'aws' | 'aws-service' | 'external';

export const SOURCE_CLASSES: readonly SourceClass[] = [
  'ec2',
  'vpc-endpoint',
  'private',
  'aws',
  'aws-service',
  'external',
];

/** The source of one request. Objects are cached and shared, and frozen: do not mutate. */
export interface RequestSource {
  class: SourceClass;
  /** Normalised address, or the service name (`AWS Internal`, `cloudtrail.amazonaws.com`); '' when absent. */
  address: string;
  /** The most specific user-named network containing the address. */
  network?: string;
  /** Labels of the matched AWS range (e.g. `EC2`, `ap-northeast-1`). */
  awsService?: string;
  awsRegion?: string;
  /** The matched AWS prefix, e.g. `3.112.0.0/14`. */
  awsPrefix?: string;
  vpcEndpointId?: string;
  vpcEndpointAccountId?: string;
  /** `i-0...` when the role session name says so. */
  instanceId?: string;
  /** How the credentials show an EC2 instance; `instance-metadata` when both signals are present. */
  ec2Credentials?: 'instance-metadata' | 'instance-role-session';
  /**
   * Security finding: EC2 instance credentials used from an address that is outside AWS ranges,
   * private space and the named networks, and not through a VPC endpoint. Instance credentials
   * taken off an instance and replayed elsewhere look exactly like this.
   */
  ec2CredentialsOutsideAws?: boolean;
}

export interface SourceClassifier {
  /** The ranges version that classified the records, to store with every aggregate. */
  readonly rangesSyncToken: string;
  classify(record: CloudTrailRecord): RequestSource;
}

/**
 * Distinct cache keys kept per classifier. A delivery file repeats a handful of addresses
 * thousands of times; the cap only bounds memory if a classifier is (wrongly) kept across
 * many files or one file has a very wide client base, and then the cache simply starts over.
 */
const CACHE_LIMIT = 10_000;

/** An instance id as EC2 writes it: `i-` and 8 (old) or 17 hex digits. */
const INSTANCE_ID = 'i-[0-9a-f]{8}(?:[0-9a-f]{9})?';
/** `arn:aws:sts::123456789012:assumed-role/<role>/i-0abc...` (any partition). */
const INSTANCE_SESSION_ARN = new RegExp(`^arn:aws[a-z-]*:sts::\\d{12}:assumed-role/[^/]+/(${INSTANCE_ID})$`);
/** `AROA...:i-0abc...`: the role id and the session name. */
const INSTANCE_SESSION_PRINCIPAL = new RegExp(`^AROA[A-Z0-9]+:(${INSTANCE_ID})$`);

interface Ec2Evidence {
  kind: 'instance-metadata' | 'instance-role-session';
  instanceId?: string;
}

/**
 * Creates the classifier for one log file. It caches per address (plus VPC endpoint and EC2
 * evidence when present), so repeated addresses return the very same object and cost one Map
 * lookup; the ranges are shared, the named-network table is built here (a few entries).
 *
 * @throws ConfigurationError when a named network is invalid.
 * @example
 * const sources = createSourceClassifier(bundledIpRanges(), parseNamedNetworks('office=203.0.113.0/24'));
 * sources.classify({ sourceIPAddress: '203.0.113.7' }) // => { class: 'external', address: '203.0.113.7', network: 'office' }
 */
export function createSourceClassifier(ranges: IpRanges, networks: readonly NamedNetwork[]): SourceClassifier {
  const networkTable = buildNetworkTable(networks);

  const classifyAddress = (
    raw: string,
    vpce: string | undefined,
    vpceAccount: string | undefined,
    ec2: Ec2Evidence | undefined,
  ) => {
    const source: RequestSource = { class: 'aws-service', address: raw };
    const ip = raw === '' ? undefined : parseIp(raw);
    if (ip) {
      source.address = ip.text;
      const network = networkTable.lookup(ip);
      if (network) source.network = network.name;
      const isPrivate = isPrivateAddress(ip);
      const match = isPrivate ? undefined : ranges.lookup(ip);
      if (match) {
        source.awsService = match.service;
        source.awsRegion = match.region;
        source.awsPrefix = match.prefix;
      }
      source.class = vpce
        ? 'vpc-endpoint'
        : isPrivate
          ? 'private'
          : match
            ? match.service === 'EC2'
              ? 'ec2'
              : 'aws'
            : 'external';
      if (ec2 && !vpce && !isPrivate && !match && !network) source.ec2CredentialsOutsideAws = true;
    }
    if (vpce) source.vpcEndpointId = detached(vpce);
    if (vpceAccount) source.vpcEndpointAccountId = detached(vpceAccount);
    if (ec2) {
      source.ec2Credentials = ec2.kind;
      if (ec2.instanceId) source.instanceId = ec2.instanceId;
    }
    return Object.freeze(source);
  };

  const evidenceOf = createEc2EvidenceReader();
  const cache = new Map<string, AddressEntry>();

  return {
    rangesSyncToken: ranges.syncToken,
    classify(record) {
      const raw = typeof record.sourceIPAddress === 'string' ? record.sourceIPAddress : '';
      const vpce = nonEmpty(record.vpcEndpointId);
      const vpceAccount = nonEmpty(record.vpcEndpointAccountId);
      const ec2 = evidenceOf(record.userIdentity);
      let entry = cache.get(raw);
      if (entry === undefined) {
        if (cache.size >= CACHE_LIMIT) cache.clear();
        entry = { raw: detached(raw), plain: undefined, byEvidence: new Map(), byEndpoint: new Map() };
        cache.set(entry.raw, entry);
      }
      if (vpce || vpceAccount) {
        const key = `${vpce ?? ''}\n${vpceAccount ?? ''}\n${ec2?.kind ?? ''}\n${ec2?.instanceId ?? ''}`;
        return cached(entry.byEndpoint, key, () => classifyAddress(entry.raw, vpce, vpceAccount, ec2));
      }
      if (ec2 === undefined) {
        entry.plain ??= classifyAddress(entry.raw, undefined, undefined, undefined);
        return entry.plain;
      }
      return cached(entry.byEvidence, ec2, () => classifyAddress(entry.raw, undefined, undefined, ec2));
    },
  };
}

/**
 * The sources of one address. Variants are keyed by the shared evidence object rather than by a
 * string that spells address, endpoint and instance: building and hashing that string for every
 * record was the fold's most expensive line (`npm run bench`; docs/performance.md).
 */
interface AddressEntry {
  raw: string;
  plain: RequestSource | undefined;
  byEvidence: Map<Ec2Evidence, RequestSource>;
  byEndpoint: Map<string, RequestSource>;
}

function cached<K, V>(map: Map<K, V>, key: K, build: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    if (map.size >= CACHE_LIMIT) map.clear();
    value = build();
    map.set(typeof key === 'string' ? (detached(key) as K) : key, value);
  }
  return value;
}

/**
 * EC2 instance credentials, from the strongest signal: `sessionContext.ec2RoleDelivery`
 * (`1.0`/`2.0`, written only for credentials served by the instance metadata service), then an
 * instance id as the role session name. The session name is chosen by whoever calls
 * AssumeRole, so the second signal is evidence, not proof.
 *
 * The reader keeps one evidence object per instance, and remembers per principal ARN which
 * instance it names: the ARN regex cost 0.2 us a record, and shared objects key the source cache.
 */
function createEc2EvidenceReader(): (identity: UserIdentity | null | undefined) => Ec2Evidence | undefined {
  const metadataOnly: Ec2Evidence = Object.freeze({ kind: 'instance-metadata' });
  const byInstance = new Map<string, InstanceEvidence>();
  const byArn = new Map<string, InstanceEvidence | null>();
  const instance = (instanceId: string): InstanceEvidence =>
    cached(byInstance, instanceId, () => ({
      roleSession: Object.freeze({ kind: 'instance-role-session', instanceId: detached(instanceId) }),
      metadata: Object.freeze({ kind: 'instance-metadata', instanceId: detached(instanceId) }),
    }));
  return (identity) => {
    if (!identity) return undefined;
    const arn = identity.arn;
    const principalId = identity.principalId;
    // includes() first: most principals are not instance sessions.
    let evidence: InstanceEvidence | undefined;
    if (typeof arn === 'string' && arn.includes('/i-')) {
      evidence =
        cached(byArn, arn, () => {
          const instanceId = INSTANCE_SESSION_ARN.exec(arn)?.[1];
          return instanceId ? instance(instanceId) : null;
        }) ?? undefined;
    }
    if (evidence === undefined && typeof principalId === 'string' && principalId.includes(':i-')) {
      const instanceId = INSTANCE_SESSION_PRINCIPAL.exec(principalId)?.[1];
      if (instanceId) evidence = instance(instanceId);
    }
    if (nonEmpty(identity.sessionContext?.ec2RoleDelivery)) return evidence?.metadata ?? metadataOnly;
    return evidence?.roleSession;
  };
}

interface InstanceEvidence {
  roleSession: Ec2Evidence;
  metadata: Ec2Evidence;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
