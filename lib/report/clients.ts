import { type ClientTally, COUNTER_PREFIXES, counter } from '../core/tally';
import type { TimeWindow } from '../core/time-window';

export interface ClientReport {
  address: string;
  class: string;
  network?: string;
  /** Service and region of the AWS range the address is in, e.g. `EC2 / ap-northeast-1`. */
  awsRange?: string;
  principal: string;
  instanceId?: string;
  ec2Credentials?: string;
  userAgent?: string;
  vpcEndpointId?: string;
  vpcEndpointAccountId?: string;
  /** Plain-HTTP requests in the window, exact to the hour. */
  count: number;
  /** Those of them S3 refused (`AccessDenied`), exact to the hour. */
  httpDenied: number;
  /** HTTPS requests of this client that carried a TLS-hygiene finding (whole days, see below). */
  https: number;
  /** First and last UTC hour (`YYYY-MM-DDTHH`) of the window with plain-HTTP requests of this client. */
  firstHttpHour?: string;
  lastHttpHour?: string;
  /** First and last UTC hour of the window in which S3 refused a plain-HTTP request of this client. */
  firstDeniedHour?: string;
  lastDeniedHour?: string;
  operations: Array<{ operation: string; count: number }>;
  tlsVersions: Record<string, number>;
  findings: { legacyTls: number; sigV2: number; presignedHttp: number; ec2CredentialsOutsideAws: number };
}

const TOP_OPERATIONS = 5;

/**
 * Merges a bucket's daily client tallies into one row per client (address, principal, user
 * agent and VPC endpoint), most HTTP requests first. Clients with only HTTPS findings (old
 * TLS, SigV2) are kept when `includeHygiene` is set.
 *
 * The HTTP count and hours are cut to the window hour by hour; the other counters (operations,
 * TLS versions, findings) are those of the whole days the window touches.
 */
export function summarizeClients(
  tallies: readonly ClientTally[],
  options: { window?: TimeWindow; includeHygiene?: boolean } = {},
): ClientReport[] {
  const window = options.window ?? {};
  const clients = new Map<string, ClientReport & { ops: Map<string, number> }>();
  for (const tally of tallies) {
    const description = tally.client;
    const item = tally.counters;
    const address = description.address;
    const principal = text(description.principal) ?? 'unknown';
    const userAgent = text(description.userAgent);
    const vpcEndpointId = text(description.vpcEndpointId);
    const identity = [address, principal, userAgent ?? '', vpcEndpointId ?? ''].join('\n');
    let client = clients.get(identity);
    if (!client) {
      const awsService = text(description.awsService);
      const awsRegion = text(description.awsRegion);
      client = {
        address,
        class: text(description.class) ?? 'unknown',
        network: text(description.network),
        awsRange: awsService ? [awsService, awsRegion].filter(Boolean).join(' / ') : undefined,
        principal,
        instanceId: text(description.instanceId),
        ec2Credentials: text(description.ec2Credentials),
        userAgent,
        vpcEndpointId,
        vpcEndpointAccountId: text(description.vpcEndpointAccountId),
        count: 0,
        httpDenied: 0,
        https: 0,
        operations: [],
        tlsVersions: {},
        findings: { legacyTls: 0, sigV2: 0, presignedHttp: 0, ec2CredentialsOutsideAws: 0 },
        ops: new Map(),
      };
      clients.set(identity, client);
    }
    for (const [hour, count] of httpHoursInWindow(tally, window)) {
      client.count += count;
      if (!client.firstHttpHour || hour < client.firstHttpHour) client.firstHttpHour = hour;
      if (!client.lastHttpHour || hour > client.lastHttpHour) client.lastHttpHour = hour;
    }
    for (const [hour, count] of httpHoursInWindow(tally, window, COUNTER_PREFIXES.httpDeniedInHour)) {
      client.httpDenied += count;
      if (!client.firstDeniedHour || hour < client.firstDeniedHour) client.firstDeniedHour = hour;
      if (!client.lastDeniedHour || hour > client.lastDeniedHour) client.lastDeniedHour = hour;
    }
    client.https += num(item[counter.verdict('https')]);
    client.findings.legacyTls += num(item[counter.legacyTls]);
    client.findings.sigV2 += num(item[counter.sigV2]);
    client.findings.presignedHttp += num(item[counter.presignedHttp]);
    client.findings.ec2CredentialsOutsideAws += num(item[counter.ec2CredentialsOutsideAws]);
    for (const [name, value] of Object.entries(item)) {
      if (name.startsWith(COUNTER_PREFIXES.operation)) {
        const operation = name.slice(COUNTER_PREFIXES.operation.length);
        client.ops.set(operation, (client.ops.get(operation) ?? 0) + value);
      } else if (name.startsWith(COUNTER_PREFIXES.tlsVersion) && name !== counter.legacyTls) {
        const version = name.slice(COUNTER_PREFIXES.tlsVersion.length);
        client.tlsVersions[version] = (client.tlsVersions[version] ?? 0) + value;
      }
    }
  }
  const rows: ClientReport[] = [];
  for (const { ops, ...client } of clients.values()) {
    const findings = Object.values(client.findings).some((count) => count > 0);
    if (client.count === 0 && !(options.includeHygiene && findings)) continue;
    client.operations = [...ops.entries()]
      .map(([operation, count]) => ({ operation, count }))
      .sort((a, b) => b.count - a.count || (a.operation < b.operation ? -1 : 1))
      .slice(0, TOP_OPERATIONS);
    rows.push(stripUndefined(client));
  }
  return rows.sort((a, b) => b.count - a.count || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/**
 * The hours of a client tally inside the window that have plain-HTTP requests, with their counts;
 * with `prefix` {@link COUNTER_PREFIXES.httpDeniedInHour}, those that have refused ones.
 */
export function httpHoursInWindow(
  tally: ClientTally,
  window: TimeWindow,
  prefix: string = COUNTER_PREFIXES.httpInHour,
): Array<[hour: string, count: number]> {
  const hours: Array<[string, number]> = [];
  for (const [name, value] of Object.entries(tally.counters)) {
    if (!name.startsWith(prefix) || value <= 0) continue;
    const hour = `${tally.day}T${name.slice(prefix.length)}`;
    if (
      (window.fromHour === undefined || hour >= window.fromHour) &&
      (window.toHour === undefined || hour <= window.toHour)
    )
      hours.push([hour, value]);
  }
  return hours.sort(([a], [b]) => (a < b ? -1 : 1));
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
