import type { ClientReport } from '../lib/clients';
import type { BucketReport } from '../lib/report';

/** Lays rows out in aligned columns; numbers are right-aligned. */
export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = [headers.map(String), ...rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)))];
  const numeric = headers.map((_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number'));
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(share > 0 && share < 0.001 ? 3 : 1)}%`;
}

export function bucketTable(buckets: readonly BucketReport[]): string {
  if (buckets.length === 0) return 'No S3 requests recorded in this window.';
  return table(
    ['bucket', 'http', 'https', 'service', 'unknown', 'http share', 'external', 'ec2', 'vpc-endpoint', 'private', 'aws', 'last http'],
    buckets.map((b) => [
      b.bucket,
      b.http,
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
    ]),
  );
}

/** Findings worth a line each under the table. */
export function findingLines(buckets: readonly BucketReport[]): string[] {
  const lines: string[] = [];
  for (const b of buckets) {
    const networks = Object.entries(b.httpNetworks).map(([name, count]) => `${name} ${count}`);
    if (networks.length > 0) lines.push(`${b.bucket}: HTTP from named networks: ${networks.join(', ')}`);
    if (b.website.http > 0) lines.push(`${b.bucket}: ${b.website.http} HTTP requests to the S3 website endpoint (HTTP only by design)`);
    if (b.findings.presignedHttp > 0) lines.push(`${b.bucket}: ${b.findings.presignedHttp} presigned URLs used over HTTP (signatures sent in clear)`);
    if (b.findings.legacyTls > 0) lines.push(`${b.bucket}: ${b.findings.legacyTls} HTTPS requests on TLS below 1.2`);
    if (b.findings.sigV2 > 0) lines.push(`${b.bucket}: ${b.findings.sigV2} requests signed with SigV2`);
    if (b.findings.ec2CredentialsOutsideAws > 0) {
      lines.push(`${b.bucket}: ${b.findings.ec2CredentialsOutsideAws} requests with EC2 instance credentials from outside AWS (security finding)`);
    }
  }
  return lines;
}

export function clientTable(clients: readonly ClientReport[]): string {
  if (clients.length === 0) return 'No HTTP clients in this window.';
  return table(
    ['address', 'class', 'network', 'aws range', 'principal', 'instance', 'user agent', 'vpc endpoint', 'http', 'first seen', 'last seen', 'top operations'],
    clients.map((c) => [
      c.address,
      c.class,
      c.network ?? '-',
      c.awsRange ?? '-',
      c.principal,
      c.instanceId ?? '-',
      truncate(c.userAgent ?? '-', 40),
      c.vpcEndpointId ?? '-',
      c.count,
      c.firstSeen?.replace('.000Z', 'Z') ?? '-',
      c.lastSeen?.replace('.000Z', 'Z') ?? '-',
      c.operations.map((o) => `${o.operation} ${o.count}`).join(', '),
    ]),
  );
}

function truncate(value: string, length: number): string {
  return value.length <= length ? value : `${value.slice(0, length - 1)}…`;
}

/** RFC 4180 CSV. */
export function csv(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const quote = (cell: string | number) => {
    const text = String(cell);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [headers, ...rows].map((row) => row.map(quote).join(',')).join('\r\n') + '\r\n';
}
