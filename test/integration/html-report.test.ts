import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml, renderHtmlReport } from '../../bin/render/html';
import type { CloudTrailRecord } from '../../lib/classify/cloudtrail-record';
import { countLog } from '../../lib/count/pipeline';
import { type BucketReport, emptyBucketReport } from '../../lib/report/bucket-report';
import { assessReadiness } from '../../lib/report/readiness';
import { testDynamoDbClient } from '../support/aws';
import { bufferSource, countingContext, freshTable } from '../support/counting';
import { httpsS3Record } from '../support/records';

const ROOT = path.join(__dirname, '../..');
const SAMPLE_LOGS = path.join(ROOT, 'events/logs');
const HOSTILE_USER_AGENT = '<script>window.__pwned = true</script><img src=x onerror="window.__pwned = true">';

/** A plain-HTTP request: an eventVersion that would carry tlsDetails, and none. */
function httpRecord(
  bucket: string,
  time: string,
  id: string,
  overrides: Partial<CloudTrailRecord> = {},
): CloudTrailRecord {
  const base = httpsS3Record(bucket, time, id, {
    additionalEventData: { SignatureVersion: 'SigV4', AuthenticationMethod: 'AuthHeader' },
    ...overrides,
  });
  delete (base as { tlsDetails?: unknown }).tlsDetails;
  return base;
}

/**
 * CLEARTRAIL_CHROMIUM when set; otherwise the headless Chromium that the `@sparticuz/chromium`
 * dev dependency ships (unpacked to /tmp on first use), so `npm test` needs no system browser.
 */
async function chromiumExecutable(): Promise<string> {
  const fromEnvironment = process.env.CLEARTRAIL_CHROMIUM;
  if (fromEnvironment) {
    if (!existsSync(fromEnvironment)) throw new Error(`CLEARTRAIL_CHROMIUM=${fromEnvironment}: no such file`);
    return fromEnvironment;
  }
  const { default: packaged } = await import('@sparticuz/chromium');
  return packaged.executablePath();
}

async function launchChromium(executablePath: string): Promise<BrowserContext> {
  // A fresh profile per run, and every background feature that could reach the network off.
  return chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), 'cleartrail-chromium-')), {
    executablePath,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

describe('Command: report --html, opened in headless Chromium', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'cleartrail-html-'));
  const file = path.join(workDir, 'report.html');
  let browser: BrowserContext;
  let page: Page;
  const blocked: string[] = [];

  beforeAll(async () => {
    // Prepare: the sample logs (2025-03-10, 09..11 h); one more HTTP request to acme-data on
    // 2025-03-12 whose user agent is hostile HTML; and secure-bucket, read over HTTPS every 6
    // hours through the whole period, which is ready.
    const executablePath = await chromiumExecutable();
    const client = testDynamoDbClient();
    const table = await freshTable(client);
    const context = countingContext(client, table);
    for (const name of readdirSync(SAMPLE_LOGS)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      expect((await countLog(context, bufferSource(name, readFileSync(path.join(SAMPLE_LOGS, name))))).status).toBe(
        'counted',
      );
    }
    const extra = [
      httpRecord('acme-data', '2025-03-12T10:15:00Z', 'hostile-1', {
        sourceIPAddress: '198.51.100.200',
        userAgent: HOSTILE_USER_AGENT,
      }),
      ...[
        '2025-03-10T09',
        '2025-03-10T15',
        '2025-03-10T21',
        '2025-03-11T03',
        '2025-03-11T09',
        '2025-03-11T15',
        '2025-03-11T21',
        '2025-03-12T03',
        '2025-03-12T09',
      ].map((hour, i) => httpsS3Record('secure-bucket', `${hour}:30:00Z`, `secure-${i}`)),
    ];
    expect(
      (await countLog(context, bufferSource('extra-log', Buffer.from(JSON.stringify({ Records: extra }))))).status,
    ).toBe('counted');

    const { stderr } = await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'bin/cleartrail.js'), 'report', '--html', file, '--table', table, '--region', 'us-east-1'],
      { cwd: ROOT },
    );
    expect(stderr).toContain(`wrote ${file} (5 buckets)`);

    browser = await launchChromium(executablePath);
    // Every request that is not the file itself is refused and remembered: the page must need none.
    await browser.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    page = await browser.newPage();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('loads with no network request at all', async () => {
    // Assess
    expect(blocked).toEqual([]);
    expect(await page.title()).toBe('cleartrail: plain HTTP to S3');
  });

  it('shows the buckets worst first, with the verdict of each', async () => {
    // Act
    const sections = await page.locator('[data-testid="bucket"]').evaluateAll((nodes) =>
      nodes.map((node) => ({
        bucket: node.getAttribute('data-bucket'),
        verdict: node.querySelector('[data-testid="verdict"]')?.textContent,
        reasons: [...node.querySelectorAll('[data-testid="reason"]')].map((r) => r.getAttribute('data-code')),
      })),
    );

    // Assess
    expect(sections).toEqual([
      {
        bucket: 'acme-data',
        verdict: 'Not ready to deny plain HTTP',
        reasons: ['http-clients', 'unknown-share', 'coverage-gaps'],
      },
      {
        bucket: 'acme-website',
        verdict: 'Not ready to deny plain HTTP',
        reasons: ['http-clients', 'website-endpoint', 'coverage-gaps'],
      },
      { bucket: 'acme-logs', verdict: 'Not ready to deny plain HTTP', reasons: ['http-clients', 'coverage-gaps'] },
      // HTTPS only, but the window (9-12 March) has days without a record of it.
      { bucket: 'acme-archive', verdict: 'Not ready to deny plain HTTP', reasons: ['coverage-gaps'] },
      { bucket: 'secure-bucket', verdict: 'Ready: plain HTTP can be denied', reasons: [] },
    ]);
  });

  it('draws one HTTP bar per day with records, and shades the day without', async () => {
    // Prepare
    const section = page.locator('[data-testid="bucket"][data-bucket="acme-data"]');
    const chart = section.locator('svg[data-testid="chart"]');

    // Act
    const httpBars = await chart.locator('[data-testid="bar-http"]').evaluateAll((bars) =>
      bars.map((bar) => ({
        day: bar.getAttribute('data-day'),
        count: Number(bar.getAttribute('data-count')),
        height: Number(bar.getAttribute('height')),
      })),
    );
    const tableRows = await section.locator('[data-testid="daily-row"]').count();

    // Assess
    expect(await chart.count()).toBe(1);
    expect(await chart.getAttribute('role')).toBe('img');
    expect(await chart.locator('title').first().textContent()).toBe(
      'HTTP versus HTTPS requests per day for bucket acme-data',
    );
    expect(httpBars).toEqual([
      { day: '2025-03-10', count: 10, height: expect.any(Number) },
      { day: '2025-03-12', count: 1, height: expect.any(Number) },
    ]);
    expect(httpBars.every((bar) => bar.height >= 2)).toBe(true);
    expect(httpBars[0]?.height).toBeGreaterThan(httpBars[1]?.height ?? 0);
    expect(await chart.locator('[data-testid="bar-https"]').count()).toBe(2);
    expect(await chart.locator('[data-testid="no-data-day"]').count()).toBe(1);
    expect(tableRows).toBe(httpBars.length);
    expect(await page.locator('[data-bucket="secure-bucket"] [data-testid="bar-http"]').count()).toBe(3);
  });

  it('lists the top HTTP clients of each bucket', async () => {
    // Act
    const addresses = await page.locator('[data-bucket="acme-data"] [data-testid="client-address"]').allTextContents();
    const logs = await page.locator('[data-bucket="acme-logs"] [data-testid="client-address"]').allTextContents();

    // Assess
    expect(addresses).toHaveLength(9);
    expect(addresses).toEqual(
      expect.arrayContaining([
        '203.0.113.24',
        '54.250.112.45',
        '43.206.54.17',
        '198.51.100.77',
        '52.216.169.10',
        '198.51.100.200',
      ]),
    );
    expect(logs.sort()).toEqual(['10.0.12.34', '172.31.5.20']);
    expect(await page.locator('[data-bucket="secure-bucket"] [data-testid="clients-none"]').count()).toBe(1);
  });

  it('shows a hostile user agent as text, never as markup', async () => {
    // Act
    const cell = page
      .locator('[data-bucket="acme-data"] [data-testid="client-row"]', { hasText: '198.51.100.200' })
      .locator('[data-testid="client-user-agent"]');

    // Assess
    expect(await cell.textContent()).toBe(HOSTILE_USER_AGENT);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: boolean }).__pwned)).toBeUndefined();
  });

  it('shows the TLS hygiene findings and the policy of the ready bucket', async () => {
    // Act
    const findings = await page.locator('[data-bucket="acme-data"] [data-testid="finding"]').allTextContents();
    const hygieneRows = await page.locator('[data-bucket="acme-data"] [data-testid="hygiene-row"]').allTextContents();
    const policy = JSON.parse(
      (await page.locator('[data-bucket="secure-bucket"] [data-testid="policy"]').textContent()) ?? '',
    );

    // Assess
    expect(findings).toEqual([
      '1 HTTPS request on TLS below 1.2',
      '1 request signed with SigV2',
      '1 request with a presigned URL over HTTP (signature sent in clear)',
    ]);
    expect(hygieneRows.some((row) => row.includes('81.2.69.142'))).toBe(true);
    expect(policy.Statement[0].Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    expect(policy.Statement[0].Resource).toEqual(['arn:aws:s3:::secure-bucket', 'arn:aws:s3:::secure-bucket/*']);
    expect(await page.locator('[data-bucket="acme-data"] [data-testid="policy"]').count()).toBe(0);
  });

  it('renders a screenshot worth looking at', async () => {
    // Act
    const shot = path.join(process.env.CLEARTRAIL_SCREENSHOT_DIR || workDir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });

    // Assess: a full page of four sections is far taller than the viewport.
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(20)).toBeGreaterThan(1500);
  });
});

describe('Function: renderHtmlReport', () => {
  function report(bucket: string, overrides: Partial<BucketReport> = {}): BucketReport {
    return { ...emptyBucketReport(bucket), hoursWithData: 1, ...overrides };
  }

  it('escapes every string that comes from the data', () => {
    // Prepare: a bucket name taken from a Host header, an ARN and a user agent, all hostile.
    const bucket = 'evil.example.com"><script>alert(1)</script>';
    const window = { fromHour: '2026-11-01T00', toHour: '2026-11-01T23' };
    const bad = report(bucket, {
      http: 1,
      total: 1,
      httpShare: 1,
      daily: [{ day: '2026-11-01', http: 1, https: 0, service: 0, unknown: 0 }],
    });
    const clients = [
      {
        address: '203.0.113.7',
        class: 'external',
        principal: 'arn:aws:iam::111122223333:user/<b>bob</b>',
        userAgent: '<script>alert("ua")</script>',
        count: 1,
        httpDenied: 0,
        https: 0,
        operations: [{ operation: '<i>GetObject</i>', count: 1 }],
        tlsVersions: {},
        findings: { legacyTls: 0, sigV2: 0, presignedHttp: 0, ec2CredentialsOutsideAws: 0 },
      },
    ];
    const readiness = assessReadiness({ bucket, window, report: bad, clients, hourItemsHours: ['2026-11-01T05'] });

    // Act
    const html = renderHtmlReport({
      generatedAt: '2026-11-26T12:00:00.000Z',
      window,
      buckets: [{ report: bad, clients, readiness }],
    });

    // Assess
    expect(html).not.toMatch(/<script|<b>|<i>/);
    expect(html).toContain(escapeHtml(bucket));
    expect(html).toContain('&lt;script&gt;alert(&quot;ua&quot;)&lt;/script&gt;');
    expect(html).toContain('arn:aws:iam::111122223333:user/&lt;b&gt;bob&lt;/b&gt;');
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('says so when there is nothing to show', () => {
    // Act
    const html = renderHtmlReport({ generatedAt: new Date('2026-11-26T12:00:00Z'), window: {}, buckets: [] });

    // Assess
    expect(html).toContain('data-testid="empty"');
    expect(html).toContain('window all data');
  });
});
