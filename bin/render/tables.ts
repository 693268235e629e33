import type { NewHttpClient } from '../../lib/core/http-identity';
import { csvCell, SHOWN_WIDTH, untrustedText } from '../../lib/core/untrusted-text';
import type { BucketPolicy } from '../../lib/report/bucket-policy';
import { type BucketReport, compareByRisk } from '../../lib/report/bucket-report';
import type { ClientReport } from '../../lib/report/clients';
import { type BucketCoverage, COVERAGE_PARTS, type CoverageFix, coverageCode } from '../../lib/report/coverage';
import {
  describeEnforcement,
  describePolicyAgreement,
  type EnforceCheckResult,
  type Enforcement,
} from '../../lib/report/enforcement';
import type { BucketListing } from '../../lib/report/queries';
import { describeReason, type ReadinessResult } from '../../lib/report/readiness';

/**
 * Lays rows out in aligned columns; numbers are right-aligned. Every text cell is shown by the
 * rule for text from the logs (lib/core/untrusted-text.ts): escaped, and cut at
 * `SHOWN_WIDTH.terminal` characters or at the width `cutAt` gives its column (by header), so
 * callers pass values as they are.
 */
export function table(
  headers: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
  cutAt: Readonly<Record<string, number>> = {},
): string {
  const cellWidths = headers.map((header) => cutAt[header] ?? SHOWN_WIDTH.terminal);
  const cells = [
    headers.map(String),
    ...rows.map((row) =>
      row.map((cell, column) =>
        typeof cell === 'number' ? formatNumber(cell) : untrustedText(cell, cellWidths[column] ?? SHOWN_WIDTH.terminal),
      ),
    ),
  ];
  const numeric = headers.map((_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number'));
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) =>
          numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Column widths of the tables that show user agents. */
const USER_AGENT_WIDTH = { 'user agent': SHOWN_WIDTH.terminalUserAgent };

/** A value from the logs in a line of text (not a table cell): escaped and cut. */
function logValue(value: string, width: number = SHOWN_WIDTH.terminal): string {
  return untrustedText(value, width);
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(share > 0 && share < 0.001 ? 3 : 1)}%`;
}

/**
 * The per-bucket table; with `coverage` (bucket → `rw`, `r`, `w`, `none`, `?`: what the trails
 * log of it, from `coverageCode`) a last column says so.
 */
export function bucketTable(buckets: readonly BucketReport[], coverage?: ReadonlyMap<string, string>): string {
  if (buckets.length === 0) return 'No S3 requests recorded in this window.';
  return table(
    [
      'bucket',
      'http',
      'refused',
      'https',
      'service',
      'unknown',
      'http share',
      'external',
      'ec2',
      'vpc-endpoint',
      'private',
      'aws',
      'last http',
      'source',
      ...(coverage ? ['coverage'] : []),
    ],
    buckets.map((b) => [
      b.bucket,
      b.http,
      b.httpDenied,
      b.https,
      b.service,
      b.unknown,
      percent(b.httpShare),
      b.httpSources.external,
      b.httpSources.ec2,
      b.httpSources['vpc-endpoint'],
      b.httpSources.private,
      b.httpSources.aws,
      b.lastHttpSeen?.replace('.000Z', 'Z') ?? '-',
      b.source,
      ...(coverage ? [coverage.get(b.bucket) ?? '?'] : []),
    ]),
  );
}

/** Findings worth a line each under the table. */
/** `report`'s and `analyze`'s text: the buckets worst first, then a line per finding. */
export function bucketListingText(listing: readonly BucketListing[]): string {
  const codes = new Map(listing.map((b) => [b.bucket, coverageCode(b.coverage)]));
  const enforcements = new Map(listing.map((b) => [b.bucket, b.enforcement]));
  return [bucketTable([...listing].sort(compareByRisk), codes), ...findingLines(listing, enforcements)].join('\n');
}

export function findingLines(
  buckets: readonly BucketReport[],
  enforcements: ReadonlyMap<string, Enforcement> = new Map(),
): string[] {
  const lines: string[] = [];
  for (const b of buckets) {
    const bucket = logValue(b.bucket);
    const enforcement = enforcements.get(b.bucket);
    if (enforcement && enforcement.state !== 'none') lines.push(`${bucket}: ${describeEnforcement(enforcement)}`);
    if (b.bySource) {
      const cloudTrail = b.bySource.cloudtrail;
      const accessLog = b.bySource['access-log'];
      lines.push(
        `${bucket}: both sources, side by side: http ${cloudTrail.http} in CloudTrail, ${accessLog.http} in access logs ` +
          `(https ${cloudTrail.https} and ${accessLog.https}); the figures above are from ${b.source}`,
      );
    }
    const networks = Object.entries(b.httpNetworks).map(([name, count]) => `${logValue(name)} ${count}`);
    if (networks.length > 0) lines.push(`${bucket}: HTTP from named networks: ${networks.join(', ')}`);
    if (b.website.http > 0)
      lines.push(`${bucket}: ${b.website.http} HTTP requests to the S3 website endpoint (HTTP only by design)`);
    if (b.findings.presignedHttp > 0)
      lines.push(`${bucket}: ${b.findings.presignedHttp} presigned URLs used over HTTP (signatures sent in clear)`);
    if (b.findings.legacyTls > 0) lines.push(`${bucket}: ${b.findings.legacyTls} HTTPS requests on TLS below 1.2`);
    if (b.findings.sigV2 > 0) lines.push(`${bucket}: ${b.findings.sigV2} requests signed with SigV2`);
    if (b.findings.ec2CredentialsOutsideAws > 0) {
      lines.push(
        `${bucket}: ${b.findings.ec2CredentialsOutsideAws} requests with EC2 instance credentials from outside AWS (security finding)`,
      );
    }
  }
  return lines;
}

export function clientTable(clients: readonly ClientReport[]): string {
  if (clients.length === 0) return 'No HTTP clients in this window.';
  return table(
    [
      'address',
      'class',
      'network',
      'aws range',
      'principal',
      'instance',
      'user agent',
      'vpc endpoint',
      'http',
      'refused',
      'first http hour',
      'last http hour',
      'last refused hour',
      'top operations',
    ],
    clients.map((c) => [
      c.address,
      c.class,
      c.network ?? '-',
      c.awsRange ?? '-',
      c.principal,
      c.instanceId ?? '-',
      c.userAgent ?? '-',
      c.vpcEndpointId ?? '-',
      c.count,
      c.httpDenied,
      hourText(c.firstHttpHour),
      hourText(c.lastHttpHour),
      hourText(c.lastDeniedHour),
      c.operations.map((o) => `${o.operation} ${o.count}`).join(', '),
    ]),
    USER_AGENT_WIDTH,
  );
}

/** A UTC hour `YYYY-MM-DDTHH` as `YYYY-MM-DDTHH:00Z`, or `-`. */
function hourText(hour: string | undefined): string {
  return hour ? `${hour}:00Z` : '-';
}

/** Clients first seen in a window (`clients --new`), oldest first. */
export function newClientTable(clients: ReadonlyArray<NewHttpClient & { notifiedAt?: string }>): string {
  if (clients.length === 0) return 'No new plain-HTTP clients in this window.';
  return table(
    [
      'first seen',
      'bucket',
      'address',
      'class',
      'network',
      'principal',
      'instance',
      'user agent',
      'operation',
      'alerted',
    ],
    clients.map((c) => [
      new Date(c.firstSeen * 1000).toISOString().replace('.000Z', 'Z'),
      c.bucket,
      c.address,
      c.class,
      c.network ?? '-',
      c.principal,
      c.instanceId ?? '-',
      c.userAgent ?? '-',
      c.operation ?? '-',
      c.notifiedAt?.replace(/\.\d{3}Z$/, 'Z') ?? '-',
    ]),
    USER_AGENT_WIDTH,
  );
}

/**
 * RFC 4180 CSV, every cell through `csvCell`: text from the logs escaped and formulas
 * neutralised. Numeric columns must be numbers, so that a negative one is not taken for a formula.
 */
export function csv(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return [headers, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** A client in one line of text: address, principal and (shortened) user agent. */
function clientLabel(c: Pick<ClientReport, 'address' | 'principal' | 'userAgent'>): string {
  return [
    logValue(c.address),
    logValue(c.principal),
    c.userAgent ? logValue(c.userAgent, SHOWN_WIDTH.terminalUserAgent) : undefined,
  ]
    .filter(Boolean)
    .join('  ');
}

/** The TLS-hygiene findings of one client, e.g. `TLS below 1.2: 3 (TLSv1 3); SigV2: 1`, or '' when it has none. */
export function clientFindings(c: Pick<ClientReport, 'findings' | 'tlsVersions'>): string {
  const parts: string[] = [];
  if (c.findings.legacyTls > 0) {
    const old = Object.entries(c.tlsVersions)
      .filter(([version]) => /^TLSv1(\.[01])?$|^SSL/i.test(version))
      .map(([version, count]) => `${version} ${count}`);
    parts.push(`TLS below 1.2: ${c.findings.legacyTls}${old.length > 0 ? ` (${logValue(old.join(', '))})` : ''}`);
  }
  if (c.findings.sigV2 > 0) parts.push(`SigV2: ${c.findings.sigV2}`);
  if (c.findings.presignedHttp > 0)
    parts.push(`presigned URL over HTTP: ${c.findings.presignedHttp} (signature sent in clear)`);
  if (c.findings.ec2CredentialsOutsideAws > 0)
    parts.push(`EC2 instance credentials from outside AWS: ${c.findings.ec2CredentialsOutsideAws}`);
  return parts.join('; ');
}

/** One line per client that has a TLS-hygiene finding, for under the `clients` table. */
export function clientFindingLines(clients: readonly ClientReport[]): string[] {
  return clients.filter((c) => clientFindings(c) !== '').map((c) => `${clientLabel(c)}: ${clientFindings(c)}`);
}

/** Clients whose requests were all HTTPS but carried a hygiene finding (old TLS, SigV2): `clients --hygiene`. */
export function hygieneTable(clients: readonly ClientReport[]): string {
  if (clients.length === 0) return 'No HTTPS clients with TLS-hygiene findings in this window.';
  return table(
    ['address', 'class', 'principal', 'user agent', 'https', 'tls < 1.2', 'sigv2', 'tls versions', 'last http hour'],
    clients.map((c) => [
      c.address,
      c.class,
      c.principal,
      c.userAgent ?? '-',
      c.https,
      c.findings.legacyTls,
      c.findings.sigV2,
      Object.entries(c.tlsVersions)
        .map(([version, count]) => `${version} ${count}`)
        .join(', ') || '-',
      hourText(c.lastHttpHour),
    ]),
    USER_AGENT_WIDTH,
  );
}

/**
 * `enforce-check` as text: verdict, evidence, reasons with their clients, the broken clients when
 * enforced, the policy check, warnings, and the policy when ready.
 */
export function readinessText(
  result: ReadinessResult | EnforceCheckResult,
  policy?: BucketPolicy,
  report?: Pick<BucketReport, 'httpDenied' | 'lastServedSeen'>,
): string {
  const e = result.evidence;
  const bucket = logValue(result.bucket);
  const enforcement = 'enforcement' in result ? result.enforcement : undefined;
  const refused = report && report.httpDenied > 0 ? ` (${report.httpDenied} of them refused)` : '';
  const lines = [
    `${bucket}: ${verdictHeadline(result)}`,
    `window ${result.window.fromHour}:00Z .. ${result.window.toHour}:59Z, whole UTC hours (${e.hoursInWindow} h, records in ${e.hoursWithData} of them)`,
    `requests: ${e.http} http${refused}, ${e.https} https, ${e.service} service, ${e.unknown} unknown; http share ${percent(e.httpShare)}` +
      (e.lastHttpSeen ? `; last http ${e.lastHttpSeen.replace('.000Z', 'Z')}` : ''),
  ];
  if (enforcement?.state === 'partial') lines.push(describeEnforcement(enforcement));
  if (enforcement?.state === 'enforced') {
    lines.push('', 'Broken clients (refused after enforcement: enforcement is working, these clients are broken):');
    lines.push(
      ...indent(
        table(
          ['address', 'class', 'principal', 'user agent', 'refused', 'first refused hour', 'last refused hour'],
          enforcement.clients.map((c) => [
            c.address,
            c.class,
            c.principal,
            c.userAgent ?? '-',
            c.httpDenied,
            hourText(c.firstDeniedHour),
            hourText(c.lastDeniedHour),
          ]),
          USER_AGENT_WIDTH,
        ),
      ),
    );
    if (enforcement.clientCount > enforcement.clients.length) {
      lines.push(
        `    ... and ${enforcement.clientCount - enforcement.clients.length} more: cleartrail clients --bucket ${bucket}`,
      );
    }
  }
  if ('policyCheck' in result && result.policyCheck) {
    lines.push(
      '',
      `Policy: ${describePolicyAgreement(result.policyCheck, report ?? {})}${result.policyCheck.agrees ? '' : ' (POLICY AND LOGS DISAGREE)'}`,
    );
  }
  if (result.reasons.length > 0) {
    lines.push('', 'Reasons:');
    for (const reason of result.reasons) {
      lines.push(`- ${reason.code}: ${logValue(describeReason(reason), SHOWN_WIDTH.html)}`);
      if (reason.code === 'not-logged') lines.push(...fixLines(reason.detail.fix));
      if (reason.code === 'http-clients' || reason.code === 'legacy-tls') {
        const shown = reason.detail.clients;
        const counted = reason.code === 'http-clients' ? 'http' : 'tls < 1.2';
        const rows = shown.map((c) => [
          c.address,
          c.class,
          c.principal,
          c.userAgent ?? '-',
          reason.code === 'http-clients' ? c.count : c.findings.legacyTls,
          hourText(c.lastHttpHour),
        ]);
        lines.push(
          ...indent(
            table(['address', 'class', 'principal', 'user agent', counted, 'last http hour'], rows, USER_AGENT_WIDTH),
          ),
        );
        const total = reason.code === 'http-clients' ? reason.detail.clientCount : shown.length;
        if (total > shown.length) {
          lines.push(`    ... and ${total - shown.length} more: cleartrail clients --bucket ${bucket}`);
        }
      }
    }
  }
  if (result.warnings.length > 0) {
    lines.push('', 'Warnings (do not block):');
    for (const warning of result.warnings) {
      lines.push(`- ${warning.code}: ${describeReason(warning)}`);
      if ('clients' in warning.detail)
        for (const c of warning.detail.clients.slice(0, 5)) lines.push(`    ${clientLabel(c)}`);
    }
  }
  if (policy) {
    lines.push(
      '',
      'Bucket policy to apply (put-bucket-policy replaces the whole policy: merge these statements into an existing one):',
      JSON.stringify(policy, null, 2),
    );
  }
  return lines.join('\n');
}

/** The first line of `enforce-check`: the verdict in words. */
function verdictHeadline(result: ReadinessResult | EnforceCheckResult): string {
  if (result.verdict === 'enforced' && 'enforcement' in result) {
    return `ENFORCED: S3 refused every plain-HTTP request from the first refusal on: ${describeEnforcement(result.enforcement)}`;
  }
  if (result.verdict === 'ready') return 'READY: plain HTTP can be denied';
  if (result.verdict === 'not-ready') return 'NOT READY: denying plain HTTP would break something';
  const parts = result.reasons.flatMap((reason) =>
    reason.code === 'not-logged'
      ? [`${reason.detail.part} are ${reason.detail.state === 'partial' ? 'only partly logged' : 'not logged'}`]
      : [],
  );
  return `CANNOT TELL: ${parts.join(' and ')}`;
}
/** The two ways to close a logging gap, each with its cost. */
function fixLines(fix: CoverageFix): string[] {
  return [
    `    to log them, add an advanced selector to trail ${logValue(fix.putEventSelectors.trail)} (its own selectors kept: put-event-selectors replaces them all):`,
    `      ${logValue(fix.putEventSelectors.command, SHOWN_WIDTH.html * 4)}`,
    `      cost: ${fix.putEventSelectors.cost}`,
    '    or turn on server access logs, which cleartrail reads as well:',
    `      ${fix.putBucketLogging.command}`,
    `      cost: ${fix.putBucketLogging.cost}`,
  ];
}

function indent(text: string): string[] {
  return text.split('\n').map((line) => `    ${line}`);
}

/** `coverage` as text: per bucket what is recorded, by which trail since when, and why a part is missing. */
export function coverageText(coverages: readonly BucketCoverage[]): string {
  if (coverages.length === 0) return 'No bucket to show: name one with --bucket, or analyze its logs first.';
  const lines: string[] = [];
  const parts = (c: Pick<BucketCoverage, 'reads' | 'writes' | 'management'>) =>
    `reads ${c.reads}, writes ${c.writes}, management ${c.management}`;
  for (const c of coverages) {
    lines.push(`${logValue(c.bucket)}: ${parts(c)}${c.readAt ? ` (read ${c.readAt.replace(/\.\d{3}Z$/, 'Z')})` : ''}`);
    for (const part of COVERAGE_PARTS)
      for (const why of c.why?.[part] ?? []) lines.push(`  ${part}: ${logValue(why, SHOWN_WIDTH.html)}`);
    for (const t of c.trails) {
      const since = t.loggingSince
        ? `, logging since ${t.loggingSince.replace(/\.\d{3}Z$/, 'Z')}`
        : t.logging === false
          ? ', stopped'
          : '';
      lines.push(`  trail ${logValue(t.trail)}${since}: ${parts(t)}`);
    }
    for (const p of c.prefixes ?? []) {
      lines.push(
        `  under ${p.prefix === '' ? '(the rest)' : logValue(p.prefix)}: reads ${p.reads}, writes ${p.writes}`,
      );
    }
    if (c.accessLogs) {
      lines.push(
        `  server access logs: ${c.accessLogs.enabled ? `on, to ${logValue(c.accessLogs.target ?? '')}` : 'off'}`,
      );
    }
    if (c.trails.length === 0 && !c.accessLogs) {
      lines.push(
        '  never read: run "cleartrail coverage" (or --selectors FILE with the output of "aws cloudtrail get-event-selectors")',
      );
    }
  }
  return lines.join('\n');
}
