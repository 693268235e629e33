/**
 * Who sent a request: the source class of a CloudTrail record (own network, EC2, VPC endpoint,
 * AWS) from its `sourceIPAddress`, the AWS ranges, the user's named networks and the EC2
 * credential evidence in `userIdentity`. Pure: the ranges and networks are passed in.
 */
import type { CloudTrailRecord, UserIdentity } from './cloudtrail';
import { isPrivateAddress, parseIp } from './ip-address';
import type { IpRanges } from './ip-ranges';
import { buildNetworkTable, type NamedNetwork } from './networks';

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
 * const sources = createSourceClassifier(bundledIpRanges(), parseNamedNetworks('office=203.0.113.0/24', '--networks'));
 * sources.classify({ sourceIPAddress: '203.0.113.7' }) // => { class: 'external', address: '203.0.113.7', network: 'office' }
 */
export function createSourceClassifier(ranges: IpRanges, networks: readonly NamedNetwork[]): SourceClassifier {
  const networkTable = buildNetworkTable(networks);
  const cache = new Map<string, RequestSource>();

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
    if (vpce) source.vpcEndpointId = vpce;
    if (vpceAccount) source.vpcEndpointAccountId = vpceAccount;
    if (ec2) {
      source.ec2Credentials = ec2.kind;
      if (ec2.instanceId) source.instanceId = ec2.instanceId;
    }
    return Object.freeze(source);
  };

  return {
    rangesSyncToken: ranges.syncToken,
    classify(record) {
      const raw = typeof record.sourceIPAddress === 'string' ? record.sourceIPAddress : '';
      const vpce = nonEmpty(record.vpcEndpointId);
      const vpceAccount = nonEmpty(record.vpcEndpointAccountId);
      const ec2 = ec2Evidence(record.userIdentity);
      // The common record has neither, and is keyed by the address alone (no string building).
      const key =
        vpce || vpceAccount || ec2
          ? `${raw}\n${vpce ?? ''}\n${vpceAccount ?? ''}\n${ec2?.kind ?? ''}\n${ec2?.instanceId ?? ''}`
          : raw;
      let source = cache.get(key);
      if (!source) {
        if (cache.size >= CACHE_LIMIT) cache.clear();
        source = classifyAddress(raw, vpce, vpceAccount, ec2);
        cache.set(key, source);
      }
      return source;
    },
  };
}

/**
 * EC2 instance credentials, from the strongest signal: `sessionContext.ec2RoleDelivery`
 * (`1.0`/`2.0`, written only for credentials served by the instance metadata service), then an
 * instance id as the role session name. The session name is chosen by whoever calls
 * AssumeRole, so the second signal is evidence, not proof.
 */
function ec2Evidence(identity: UserIdentity | null | undefined): Ec2Evidence | undefined {
  if (!identity) return undefined;
  // includes() first: most principals are not instance sessions, and the regexes cost 0.2 us a record.
  const arn = identity.arn;
  const principalId = identity.principalId;
  const instanceId =
    (typeof arn === 'string' && arn.includes('/i-') ? INSTANCE_SESSION_ARN.exec(arn)?.[1] : undefined) ??
    (typeof principalId === 'string' && principalId.includes(':i-')
      ? INSTANCE_SESSION_PRINCIPAL.exec(principalId)?.[1]
      : undefined);
  if (nonEmpty(identity.sessionContext?.ec2RoleDelivery)) {
    return instanceId ? { kind: 'instance-metadata', instanceId } : { kind: 'instance-metadata' };
  }
  return instanceId ? { kind: 'instance-role-session', instanceId } : undefined;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
