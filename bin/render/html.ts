import type { EvidenceKind } from '../../lib/core/tally';
import type { TimeWindow } from '../../lib/core/time-window';
import { SHOWN_WIDTH, untrustedText, withoutRawControls } from '../../lib/core/untrusted-text';
import { type BucketPolicy, enforceHttpsPolicy } from '../../lib/report/bucket-policy';
import { type BucketReport, compareByRisk, type DailyCounts } from '../../lib/report/bucket-report';
import type { ClientReport } from '../../lib/report/clients';
import { type BucketCoverage, coverageCode } from '../../lib/report/coverage';
import { describeReason, type ReadinessResult } from '../../lib/report/readiness';

/**
 * `cleartrail report --html FILE`: one self-contained page. Everything is inline (CSS, SVG
 * drawn here, no script at all), and a Content-Security-Policy of `default-src 'none'` makes
 * the browser refuse any request the page might still try, so it opens the same offline, from
 * an e-mail attachment or a ticket. Every string that comes from the data (bucket names, user
 * agents, ARNs) goes through {@link logText}: shown by the rule for text from the logs
 * (lib/core/untrusted-text.ts: controls and bidi characters as visible escapes, cut at
 * `SHOWN_WIDTH.html`), then markup-escaped: a user agent is whatever the client sent.
 */

export interface HtmlBucket {
  report: BucketReport;
  clients: ClientReport[];
  readiness: ReadinessResult;
  /** What the trails log of the bucket, as last read (`cleartrail coverage`). */
  coverage?: BucketCoverage;
  /** The policy to show when the bucket is ready; built from the bucket name when left out. */
  policy?: BucketPolicy;
}

export interface HtmlReportInput {
  generatedAt: Date | string;
  window: TimeWindow;
  buckets: HtmlBucket[];
}

/** HTTP clients listed per bucket at most. */
const TOP_CLIENTS = 20;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text and attribute values alike. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** A value from the logs, for text and attribute values alike. */
function logText(value: string): string {
  return escapeHtml(untrustedText(value, SHOWN_WIDTH.html));
}

const NUMBER = new Intl.NumberFormat('en-US');

/** The whole page, worst buckets first. */
export function renderHtmlReport(input: HtmlReportInput): string {
  const generatedAt = typeof input.generatedAt === 'string' ? input.generatedAt : input.generatedAt.toISOString();
  const buckets = [...input.buckets].sort((a, b) => compareByRisk(a.report, b.report));
  const ready = buckets.filter((b) => b.readiness.verdict === 'ready').length;
  // The last guard: a raw control or bidi character in a field not shown by logText is escaped still.
  return withoutRawControls(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cleartrail: plain HTTP to S3</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Plain HTTP to S3: can it be turned off?</h1>
<p class="meta" data-testid="meta">Generated ${escapeHtml(generatedAt)} by cleartrail · window ${escapeHtml(windowText(input.window))} · ${buckets.length} ${buckets.length === 1 ? 'bucket' : 'buckets'}, ${ready} ready to deny HTTP</p>
</header>
<main>
${buckets.length === 0 ? '<p data-testid="empty">No S3 requests recorded in this window.</p>' : summaryTable(buckets)}
${buckets.map((bucket, index) => bucketSection(bucket, index)).join('\n')}
</main>
<footer><p>HTTP: requests without TLS. Service: requests AWS services made on your behalf, which never need the policy. Unknown: records too old or too large to tell. Readiness is judged per bucket over the window shown in its section.</p></footer>
</body>
</html>
`);
}

function summaryTable(buckets: readonly HtmlBucket[]): string {
  const rows = buckets
    .map(({ report, readiness }, index) => {
      return `<tr data-testid="summary-row"><td><a href="#bucket-${index}">${logText(report.bucket)}</a></td>${verdictCell(readiness)}${num(report.http)}${num(report.https)}<td class="n">${escapeHtml(percent(report.httpShare))}</td><td>${escapeHtml(shortTime(report.lastHttpSeen) ?? '-')}</td><td data-testid="source">${SOURCE_LABEL[report.source]}</td></tr>`;
    })
    .join('\n');
  return `<table class="summary" data-testid="summary">
<caption>Buckets, most plain HTTP first</caption>
<thead><tr><th scope="col">Bucket</th><th scope="col">Verdict</th><th scope="col" class="n">HTTP</th><th scope="col" class="n">HTTPS</th><th scope="col" class="n">HTTP share</th><th scope="col">Last HTTP</th><th scope="col">Evidence</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

const SOURCE_LABEL: Record<EvidenceKind, string> = { cloudtrail: 'CloudTrail', 'access-log': 'S3 access logs' };

/** Where the figures come from, and the other source's counts when both saw the bucket. */
function sourceLine(report: BucketReport): string {
  const both = report.bySource
    ? `; both sources saw it: HTTP ${NUMBER.format(report.bySource.cloudtrail.http)} in CloudTrail, ${NUMBER.format(report.bySource['access-log'].http)} in S3 access logs`
    : '';
  return `<p class="meta" data-testid="evidence" data-source="${report.source}">Figures from ${SOURCE_LABEL[report.source]}${both}</p>`;
}

function verdictCell(readiness: ReadinessResult): string {
  const ready = readiness.verdict === 'ready';
  return `<td><span class="badge ${ready ? 'ok' : 'bad'}">${ready ? 'ready' : readiness.verdict === 'cannot-tell' ? 'cannot tell' : 'not ready'}</span></td>`;
}

/** What the trails log of the bucket: one line, as `coverage` last read it. */
function coverageLine(coverage: BucketCoverage | undefined): string {
  if (!coverage) return '';
  const code = coverageCode(coverage);
  const text =
    code === '?'
      ? 'Logging coverage never read (cleartrail coverage)'
      : `Logged: reads ${coverage.reads}, writes ${coverage.writes}, management ${coverage.management}${coverage.readAt ? ` (read ${coverage.readAt})` : ''}`;
  return `<p class="meta" data-testid="coverage" data-coverage="${code}">${escapeHtml(text)}</p>`;
}

function bucketSection(bucket: HtmlBucket, index: number): string {
  const { report, readiness } = bucket;
  const ready = readiness.verdict === 'ready';
  const policy = ready ? (bucket.policy ?? safePolicy(report.bucket)) : undefined;
  return `<section class="bucket" id="bucket-${index}" data-testid="bucket" data-bucket="${logText(report.bucket)}">
<h2><span data-testid="bucket-name">${logText(report.bucket)}</span> <span class="badge ${ready ? 'ok' : 'bad'}" data-testid="verdict" data-verdict="${readiness.verdict}">${ready ? 'Ready: plain HTTP can be denied' : readiness.verdict === 'cannot-tell' ? 'Cannot tell: part of its requests is not logged' : 'Not ready to deny plain HTTP'}</span></h2>
<p class="meta">Readiness window ${escapeHtml(`${readiness.window.fromHour}:00Z .. ${readiness.window.toHour}:59Z`)} (${NUMBER.format(readiness.evidence.hoursInWindow)} h, records in ${NUMBER.format(readiness.evidence.hoursWithData)})</p>
${sourceLine(report)}
${coverageLine(bucket.coverage)}
${figures(report)}
${reasonList(readiness)}
${timeline(report, readiness.window, index)}
${clientTable(bucket.clients.filter((c) => c.count > 0))}
${hygiene(report, bucket.clients)}
${policy ? `<h3>Bucket policy to apply</h3>\n<p>Merge these statements into the bucket's policy (<code>put-bucket-policy</code> replaces the whole document).</p>\n<pre data-testid="policy">${escapeHtml(JSON.stringify(policy, null, 2))}</pre>` : ''}
</section>`;
}

function figures(report: BucketReport): string {
  const items: Array<[string, string]> = [
    ['HTTP', NUMBER.format(report.http)],
    ['HTTPS', NUMBER.format(report.https)],
    ['Service', NUMBER.format(report.service)],
    ['Unknown', NUMBER.format(report.unknown)],
    ['HTTP share', percent(report.httpShare)],
    ['Last HTTP', shortTime(report.lastHttpSeen) ?? '-'],
  ];
  const sources = Object.entries(report.httpSources)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name} ${NUMBER.format(count)}`);
  const networks = Object.entries(report.httpNetworks).map(([name, count]) => `${name} ${NUMBER.format(count)}`);
  return `<dl class="figures" data-testid="figures">${items.map(([term, value]) => `<div><dt>${term}</dt><dd>${escapeHtml(value)}</dd></div>`).join('')}</dl>
${sources.length > 0 ? `<p>HTTP by source: ${escapeHtml(sources.join(', '))}${networks.length > 0 ? `; by named network: ${logText(networks.join(', '))}` : ''}</p>` : ''}`;
}

function reasonList(readiness: ReadinessResult): string {
  const reasons = readiness.reasons
    .map(
      (r) =>
        `<li data-testid="reason" data-code="${escapeHtml(r.code)}"><code>${escapeHtml(r.code)}</code> ${logText(describeReason(r))}</li>`,
    )
    .join('\n');
  const warnings = readiness.warnings
    .map(
      (w) =>
        `<li data-testid="warning" data-code="${escapeHtml(w.code)}"><code>${escapeHtml(w.code)}</code> ${logText(describeReason(w))}</li>`,
    )
    .join('\n');
  return `${reasons ? `<h3>Why not</h3>\n<ul class="reasons" data-testid="reasons">\n${reasons}\n</ul>` : '<p data-testid="reasons-none">No HTTP client, no website traffic, few unknown records and no gap in the logs: nothing in this window would break.</p>'}
${warnings ? `<h3>Also worth fixing</h3>\n<ul class="warnings" data-testid="warnings">\n${warnings}\n</ul>` : ''}`;
}

// Chart geometry, in SVG user units; the SVG scales to the page width.
const CHART = { width: 760, height: 220, left: 52, right: 12, top: 12, bottom: 34 };

/**
 * Daily bars of HTTP (left of each day) and HTTPS requests on one linear scale, over every day
 * of the window; days without any record are shaded, so a hole in the logging is visible. A
 * bar of a day with data is always drawn, at least 2 units tall when its count is not zero,
 * so that a handful of HTTP requests next to a million HTTPS ones still shows.
 */
function timeline(report: BucketReport, window: { fromHour: string; toHour: string }, index: number): string {
  const days = daysBetween(window.fromHour.slice(0, 10), window.toHour.slice(0, 10));
  const byDay = new Map(report.daily.filter(hasData).map((d) => [d.day, d]));
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const slot = plotWidth / Math.max(days.length, 1);
  const top = niceMax(Math.max(1, ...[...byDay.values()].map((d) => Math.max(d.http, d.https))));
  const y = (value: number) => CHART.top + plotHeight - (value / top) * plotHeight;
  const height = (value: number) => (value === 0 ? 0 : Math.max(2, (value / top) * plotHeight));
  const parts: string[] = [];
  for (const tick of [0, top / 2, top]) {
    parts.push(
      `<line class="grid" x1="${CHART.left}" x2="${CHART.width - CHART.right}" y1="${fixed(y(tick))}" y2="${fixed(y(tick))}"/>`,
      `<text class="axis" x="${CHART.left - 6}" y="${fixed(y(tick) + 4)}" text-anchor="end">${escapeHtml(compact(tick))}</text>`,
    );
  }
  const labelEvery = Math.max(1, Math.ceil(days.length / 7));
  days.forEach((day, i) => {
    const x = CHART.left + i * slot;
    const counts = byDay.get(day);
    if (!counts) {
      parts.push(
        `<rect class="nodata" data-testid="no-data-day" x="${fixed(x)}" y="${CHART.top}" width="${fixed(slot)}" height="${plotHeight}"><title>${escapeHtml(day)}: no record</title></rect>`,
      );
    } else {
      // Two bars side by side, centred in the day's slot; at most 24 units wide each, so that a
      // window of a day or two does not draw two slabs.
      const barWidth = Math.min(24, Math.max(0.5, slot * 0.4));
      const httpX = x + slot / 2 - barWidth;
      parts.push(
        `<rect class="http" data-testid="bar-http" data-day="${escapeHtml(day)}" data-count="${counts.http}" x="${fixed(httpX)}" y="${fixed(y(0) - height(counts.http))}" width="${fixed(barWidth)}" height="${fixed(height(counts.http))}"><title>${escapeHtml(day)}: ${NUMBER.format(counts.http)} HTTP</title></rect>`,
        `<rect class="https" data-testid="bar-https" data-day="${escapeHtml(day)}" data-count="${counts.https}" x="${fixed(x + slot / 2)}" y="${fixed(y(0) - height(counts.https))}" width="${fixed(barWidth)}" height="${fixed(height(counts.https))}"><title>${escapeHtml(day)}: ${NUMBER.format(counts.https)} HTTPS</title></rect>`,
      );
    }
    if (i % labelEvery === 0 || i === days.length - 1) {
      parts.push(
        `<text class="axis" x="${fixed(x + slot / 2)}" y="${CHART.height - CHART.bottom + 16}" text-anchor="middle">${escapeHtml(day.slice(5))}</text>`,
      );
    }
  });
  const withData = [...byDay.values()];
  const description = `${days.length} days from ${days[0]} to ${days[days.length - 1]}; ${withData.length} with records; ${NUMBER.format(report.http)} HTTP and ${NUMBER.format(report.https)} HTTPS requests in all.`;
  return `<h3>HTTP and HTTPS requests per day (UTC)</h3>
<p class="legend"><span class="key http"></span> HTTP <span class="key https"></span> HTTPS <span class="key nodata"></span> no record that day</p>
<svg class="chart" data-testid="chart" viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" aria-labelledby="chart-title-${index} chart-desc-${index}" preserveAspectRatio="xMidYMid meet">
<title id="chart-title-${index}">HTTP versus HTTPS requests per day for bucket ${logText(report.bucket)}</title>
<desc id="chart-desc-${index}">${escapeHtml(description)}</desc>
${parts.join('\n')}
<line class="baseline" x1="${CHART.left}" x2="${CHART.width - CHART.right}" y1="${fixed(y(0))}" y2="${fixed(y(0))}"/>
</svg>
<details data-testid="daily-table-details"><summary>The same numbers as a table</summary>
<table data-testid="daily-table"><thead><tr><th scope="col">Day</th><th scope="col" class="n">HTTP</th><th scope="col" class="n">HTTPS</th><th scope="col" class="n">Service</th><th scope="col" class="n">Unknown</th></tr></thead>
<tbody>
${withData.map((d) => `<tr data-testid="daily-row"><td>${escapeHtml(d.day)}</td>${num(d.http)}${num(d.https)}${num(d.service)}${num(d.unknown)}</tr>`).join('\n')}
</tbody></table>
</details>`;
}

function clientTable(clients: readonly ClientReport[]): string {
  if (clients.length === 0)
    return '<h3>HTTP clients</h3>\n<p data-testid="clients-none">No plain-HTTP client in this window.</p>';
  const rows = clients
    .slice(0, TOP_CLIENTS)
    .map(
      (c) =>
        `<tr data-testid="client-row"><td data-testid="client-address">${logText(c.address)}</td><td>${logText(c.class)}</td><td>${logText(c.network ?? c.awsRange ?? '-')}</td><td class="wrap">${logText(c.principal)}${c.instanceId ? `<br><small>${logText(c.instanceId)}</small>` : ''}</td><td class="ua" data-testid="client-user-agent"><div title="${logText(c.userAgent ?? '')}">${logText(c.userAgent ?? '-')}</div></td>${num(c.count)}<td>${escapeHtml(c.lastHttpHour ? `${c.lastHttpHour}:00Z` : '-')}</td><td>${logText(c.operations.map((o) => `${o.operation} ${o.count}`).join(', '))}</td></tr>`,
    )
    .join('\n');
  const more =
    clients.length > TOP_CLIENTS
      ? `<p>${clients.length - TOP_CLIENTS} more: <code>cleartrail clients --bucket …</code></p>`
      : '';
  return `<h3>Top HTTP clients</h3>
<table class="clients" data-testid="clients-table">
<thead><tr><th scope="col">Address</th><th scope="col">Class</th><th scope="col">Network / AWS range</th><th scope="col">Principal</th><th scope="col">User agent</th><th scope="col" class="n">HTTP</th><th scope="col">Last HTTP hour</th><th scope="col">Top operations</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${more}`;
}

function hygiene(report: BucketReport, clients: readonly ClientReport[]): string {
  const f = report.findings;
  const findings: string[] = [];
  if (f.legacyTls > 0) findings.push(`${requests(f.legacyTls, 'HTTPS request')} on TLS below 1.2`);
  if (f.sigV2 > 0) findings.push(`${requests(f.sigV2, 'request')} signed with SigV2`);
  if (f.presignedHttp > 0)
    findings.push(`${requests(f.presignedHttp, 'request')} with a presigned URL over HTTP (signature sent in clear)`);
  if (f.ec2CredentialsOutsideAws > 0)
    findings.push(`${requests(f.ec2CredentialsOutsideAws, 'request')} with EC2 instance credentials from outside AWS`);
  const versions = Object.entries(report.tlsVersions)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([version, count]) => `${version} ${NUMBER.format(count)}`)
    .join(', ');
  const flagged = clients.filter(
    (c) => c.findings.legacyTls + c.findings.sigV2 + c.findings.presignedHttp + c.findings.ec2CredentialsOutsideAws > 0,
  );
  const rows = flagged
    .slice(0, TOP_CLIENTS)
    .map(
      (c) =>
        `<tr data-testid="hygiene-row"><td>${logText(c.address)}</td><td class="wrap">${logText(c.principal)}</td><td class="ua"><div title="${logText(c.userAgent ?? '')}">${logText(c.userAgent ?? '-')}</div></td>${num(c.findings.legacyTls)}${num(c.findings.sigV2)}${num(c.findings.presignedHttp)}${num(c.findings.ec2CredentialsOutsideAws)}</tr>`,
    )
    .join('\n');
  return `<h3>TLS hygiene</h3>
<div data-testid="hygiene">
${findings.length > 0 ? `<ul>${findings.map((line) => `<li data-testid="finding">${escapeHtml(line)}</li>`).join('')}</ul>` : '<p>No TLS-hygiene finding.</p>'}
${versions ? `<p>TLS versions seen: ${logText(versions)}</p>` : ''}
${
  rows
    ? `<table data-testid="hygiene-table"><thead><tr><th scope="col">Address</th><th scope="col">Principal</th><th scope="col">User agent</th><th scope="col" class="n">TLS &lt; 1.2</th><th scope="col" class="n">SigV2</th><th scope="col" class="n">Presigned over HTTP</th><th scope="col" class="n">EC2 credentials outside AWS</th></tr></thead>
<tbody>
${rows}
</tbody></table>`
    : ''
}
</div>`;
}

/** The policy, or none for a name that cannot be a bucket's (e.g. the `(none)` pseudo-bucket). */
function safePolicy(bucket: string): BucketPolicy | undefined {
  try {
    return enforceHttpsPolicy(bucket);
  } catch {
    return undefined;
  }
}

function hasData(d: DailyCounts): boolean {
  return d.http + d.https + d.service + d.unknown > 0;
}

function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end; t += 86_400_000)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** A round top for the axis, at least `value`, whose half (the middle tick) is a whole number: counts are. */
function niceMax(value: number): number {
  if (value <= 2) return 2;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 4, 6, 8, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function requests(count: number, noun: string): string {
  return `${NUMBER.format(count)} ${noun}${count === 1 ? '' : 's'}`;
}

function compact(value: number): string {
  if (value >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return String(+value.toFixed(1));
}

function fixed(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function num(value: number): string {
  return `<td class="n">${NUMBER.format(value)}</td>`;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share > 0 && share < 0.001 ? 3 : 1)}%`;
}

function shortTime(iso: string | undefined): string | undefined {
  return iso?.replace('.000Z', 'Z').replace('T', ' ');
}

function windowText(window: TimeWindow): string {
  if (!window.fromHour && !window.toHour) return 'all data';
  return `${window.fromHour ? `${window.fromHour}:00Z` : 'start'} .. ${window.toHour ? `${window.toHour}:59Z` : 'now'}`;
}

const STYLE = `
:root { color-scheme: light; --http: #c92a2a; --https: #2b8a3e; --nodata: #e9ecef; --ink: #212529; --muted: #5c636a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0; background: #f8f9fa; }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 4px; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; word-break: break-all; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: var(--muted); margin: 0 0 12px; }
section.bucket { background: #fff; border: 1px solid #dee2e6; border-radius: 8px; padding: 16px 20px; margin: 18px 0; }
.badge { font-size: 12px; font-weight: 600; padding: 2px 8px; border-radius: 10px; white-space: nowrap; }
.badge.ok { background: #d3f9d8; color: #1b5e20; }
.badge.bad { background: #ffe3e3; color: #8b1a1a; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; background: #fff; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e9ecef; vertical-align: top; }
th { font-weight: 600; background: #f1f3f5; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.wrap { overflow-wrap: anywhere; max-width: 260px; }
/* User agents run to 300 characters: three lines, the rest on hover (title) and in the DOM. */
td.ua { max-width: 300px; font-size: 12px; overflow-wrap: anywhere; }
td.ua div { display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }
dl.figures { display: flex; flex-wrap: wrap; gap: 8px 24px; margin: 8px 0; }
dl.figures div { min-width: 80px; }
dt { color: var(--muted); font-size: 12px; }
dd { margin: 0; font-size: 17px; font-weight: 600; font-variant-numeric: tabular-nums; }
ul.reasons li { color: #8b1a1a; margin: 3px 0; }
ul.warnings li { color: #7a4d00; margin: 3px 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; background: #f1f3f5; padding: 0 4px; border-radius: 3px; }
pre { background: #f1f3f5; padding: 10px; border-radius: 6px; overflow-x: auto; font-size: 12px; }
svg.chart { width: 100%; height: auto; display: block; }
svg .http { fill: var(--http); }
svg .https { fill: var(--https); }
svg .nodata { fill: var(--nodata); }
svg .grid { stroke: #e9ecef; stroke-width: 1; }
svg .baseline { stroke: #adb5bd; stroke-width: 1; }
svg .axis { fill: var(--muted); font-size: 11px; }
.legend { color: var(--muted); margin: 0; }
.key { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 2px 0 10px; vertical-align: -1px; }
.key.http { background: var(--http); } .key.https { background: var(--https); } .key.nodata { background: var(--nodata); border: 1px solid #ced4da; }
details { margin: 6px 0; }
footer { color: var(--muted); font-size: 12px; padding-bottom: 30px; }
`;
