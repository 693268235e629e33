import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../bin/render/html';
import {
  bucketTable,
  clientFindingLines,
  clientTable,
  csv,
  findingLines,
  hygieneTable,
  newClientTable,
  readinessText,
} from '../../bin/render/tables';
import type { NewHttpClient } from '../../lib/core/http-identity';
import {
  csvCell,
  escapeUntrusted,
  quoteUntrusted,
  SHOWN_WIDTH,
  untrustedText,
  withoutRawControls,
} from '../../lib/core/untrusted-text';
import { newClientAlertMessage } from '../../lib/lambda/new-client-alert';
import { type BucketReport, emptyBucketReport } from '../../lib/report/bucket-report';
import type { ClientReport } from '../../lib/report/clients';
import { assessReadiness } from '../../lib/report/readiness';
import { HOSTILE_STRINGS, hostileStrings, rawCharactersIn } from '../support/hostile-text';
import { mulberry32, pick } from '../support/random';

/** Reads the rule's escapes back: the test's own decoder, so that two inputs never show alike. */
function readBack(shown: string): string {
  return shown.replace(/\\(x[0-9a-f]{2}|u\{[0-9a-f]+\}|u[0-9a-f]{4}|[trn\\])/g, (_, code: string) => {
    if (code === 't') return '\t';
    if (code === 'r') return '\r';
    if (code === 'n') return '\n';
    if (code === '\\') return '\\';
    const hex = code.startsWith('u{') ? code.slice(2, -1) : code.slice(1);
    return String.fromCodePoint(Number.parseInt(hex, 16));
  });
}

/** Cells of an RFC 4180 document, row by row (quoted cells may hold anything). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('Function: escapeUntrusted', () => {
  it.each([
    ['ESC and CSI', 'ua0\x1b[2J\x1b[31mRED\x1b[0m', 'ua0\\x1b[2J\\x1b[31mRED\\x1b[0m'],
    ['an OSC title ended by BEL', '\x1b]0;pwned\x07', '\\x1b]0;pwned\\x07'],
    ['C1 CSI and DEL', 'a\x9bb\x7fc', 'a\\x9bb\\x7fc'],
    ['NUL', 'a\x00b', 'a\\x00b'],
    ['tab, CR and LF by name', 'a\tb\rc\nd', 'a\\tb\\rc\\nd'],
    ['a bidi override and isolates', 'admin\u202egpj.exe\u2066\u2069', 'admin\\u202egpj.exe\\u2066\\u2069'],
    ['bidi marks', '\u200e\u200f\u061c', '\\u200e\\u200f\\u061c'],
    ['zero-width characters and the BOM', 'a\u200bb\u200dc\ufeff', 'a\\u200bb\\u200dc\\ufeff'],
    ['line and paragraph separators', 'a\u2028b\u2029', 'a\\u2028b\\u2029'],
    ['tag characters, outside the BMP', 'x\u{e0041}', 'x\\u{e0041}'],
    ['a lone surrogate', 'a\ud800b', 'a\\ud800b'],
    ['the backslash, so an escape cannot be forged', 'forged \\x1b', 'forged \\\\x1b'],
  ])('shows %s as visible escapes', (_, value, shown) => {
    // Act
    const result = escapeUntrusted(value);

    // Assess
    expect(result).toBe(shown);
    expect(rawCharactersIn(result)).toEqual([]);
  });

  it('leaves markup, quotes, accents, other scripts and emoji as they are', () => {
    const value = '<b title="x">\'é\' 日本 😀 & aws-cli/2.24.10</b>';
    expect(escapeUntrusted(value)).toBe(value);
  });

  it('shows any string without a raw character of the rule, and reads back to exactly that string', () => {
    // Prepare: seeded, so a failure names its input and reproduces.
    const values = [...HOSTILE_STRINGS, ...hostileStrings(25, 3000)];

    for (const value of values) {
      // Act
      const shown = escapeUntrusted(value);

      // Assess
      expect(rawCharactersIn(shown), JSON.stringify(value)).toEqual([]);
      expect(readBack(shown), JSON.stringify(value)).toBe(value);
    }
  });
});

describe('Function: untrustedText', () => {
  it('keeps a value that fits, escapes counted', () => {
    expect(untrustedText('a\x1bb', 6)).toBe('a\\x1bb');
    expect(untrustedText('😀😀', 2)).toBe('😀😀');
  });

  it('cuts an overlong value with an ellipsis at the width, counting code points', () => {
    expect(untrustedText('abcdefghij', 5)).toBe('abcd…');
    expect(untrustedText('😀'.repeat(10), 4)).toBe('😀😀😀…');
  });

  it('never cuts an escape in half', () => {
    // 'ab' and then \x1b (4 characters) do not fit in 5 - 1.
    expect(untrustedText('ab\x1bcdef', 5)).toBe('ab…');
  });

  it('refuses a width that is not a positive integer', () => {
    expect(() => untrustedText('x', 0)).toThrow(/width must be a positive integer, got 0/);
  });

  it('gives at most width characters, none raw, and a prefix of what escapeUntrusted shows', () => {
    const random = mulberry32(7);
    for (const value of hostileStrings(26, 2000)) {
      const width = pick([1, 2, 5, SHOWN_WIDTH.terminalUserAgent, SHOWN_WIDTH.terminal, SHOWN_WIDTH.html], random);

      const shown = untrustedText(value, width);

      expect([...shown].length, JSON.stringify(value)).toBeLessThanOrEqual(width);
      expect(rawCharactersIn(shown)).toEqual([]);
      const whole = escapeUntrusted(value);
      if (shown === whole) continue;
      expect(shown.endsWith('…')).toBe(true);
      expect(whole.startsWith(shown.slice(0, -1))).toBe(true);
      expect(value.startsWith(readBack(shown.slice(0, -1)))).toBe(true);
    }
  });
});

describe('Function: withoutRawControls', () => {
  it('escapes raw characters of the rule and keeps line breaks and backslashes', () => {
    expect(withoutRawControls('a\x1b[2J\nb\u202e \\x1b')).toBe('a\\x1b[2J\nb\\u202e \\x1b');
  });
});

describe('Function: quoteUntrusted', () => {
  it('quotes a string shown by the rule, its double quotes escaped', () => {
    expect(quoteUntrusted('yesterday\x1b[2J "x" \\')).toBe('"yesterday\\x1b[2J \\"x\\" \\\\"');
  });

  it('cuts a long value at the message width', () => {
    const quoted = quoteUntrusted('9'.repeat(10_000));
    expect(quoted).toBe(`"${'9'.repeat(SHOWN_WIDTH.message - 1)}…"`);
  });

  it('shows anything but a string as its JSON, by the rule', () => {
    expect(quoteUntrusted(null)).toBe('null');
    expect(quoteUntrusted(1_700_000_000)).toBe('1700000000');
    expect(quoteUntrusted({ t: '\u202e' })).toBe('{"t":"\\u202e"}');
    expect(quoteUntrusted(undefined)).toBe('undefined');
  });
});

describe('Function: csvCell', () => {
  it.each([
    ['=HYPERLINK("http://evil.example")', '"\'=HYPERLINK(""http://evil.example"")"'],
    ['+cmd', '"\'+cmd"'],
    ['-2+3', '"\'-2+3"'],
    ['@SUM(A1)', '"\'@SUM(A1)"'],
    ['\tindent', '"\'\\tindent"'],
    ['\rreturn', '"\'\\rreturn"'],
  ])('neutralises a cell that begins a formula, %j, with a quote mark and quotes it', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('writes numbers as they are, negative ones too: they are data, not formulas', () => {
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(0.5)).toBe('0.5');
  });

  it('quotes commas and double quotes as RFC 4180 does, and leaves plain text bare', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('acme-data')).toBe('acme-data');
  });

  it('escapes controls, so a cell never breaks a row', () => {
    expect(csvCell('a\r\nb\x1b')).toBe('a\\r\\nb\\x1b');
  });
});

const WINDOW = { fromHour: '2026-11-01T00', toHour: '2026-11-01T23' };

function hostileClient(next: () => string, overrides: Partial<ClientReport> = {}): ClientReport {
  return {
    address: next(),
    class: 'external',
    network: next(),
    awsRange: next(),
    principal: next(),
    instanceId: next(),
    userAgent: next(),
    vpcEndpointId: next(),
    count: 3,
    httpDenied: 1,
    https: 0,
    firstHttpHour: '2026-11-01T10',
    lastHttpHour: '2026-11-01T11',
    operations: [
      { operation: next(), count: 2 },
      { operation: next(), count: 1 },
    ],
    tlsVersions: { [next()]: 1 },
    findings: { legacyTls: 1, sigV2: 1, presignedHttp: 1, ec2CredentialsOutsideAws: 1 },
    ...overrides,
  };
}

function hostileBucket(next: () => string): BucketReport {
  return {
    ...emptyBucketReport(next()),
    http: 3,
    https: 2,
    total: 5,
    httpShare: 0.6,
    httpSources: { external: 3, ec2: 0, 'vpc-endpoint': 0, private: 0, aws: 0 },
    httpNetworks: { [next()]: 3 },
    tlsVersions: { [next()]: 2 },
    website: { requests: 1, http: 1 },
    findings: { legacyTls: 1, sigV2: 1, presignedHttp: 1, ec2CredentialsOutsideAws: 1 },
    firstHour: WINDOW.fromHour,
    lastHour: WINDOW.toHour,
    lastHttpSeen: '2026-11-01T11:00:00.000Z',
    hoursWithData: 24,
    daily: [{ day: '2026-11-01', http: 3, https: 2, service: 0, unknown: 0 }],
  };
}

describe('Rendering: hostile strings in every text field of every human-facing output', () => {
  // Each case fills every text field with the next of a seeded stream of hostile strings.
  const cases = Array.from({ length: 25 }, (_, seed) => {
    const strings = [...HOSTILE_STRINGS, ...hostileStrings(1000 + seed, 40)];
    let i = seed;
    const next = () => strings[i++ % strings.length] as string;
    const report = hostileBucket(next);
    const http = hostileClient(next);
    const hygieneOnly = hostileClient(next, { count: 0, https: 4 });
    const alerted: NewHttpClient = {
      bucket: next(),
      identity: 'id',
      firstSeen: 1_793_530_800,
      address: next(),
      class: 'external',
      network: next(),
      instanceId: next(),
      principal: next(),
      userAgent: next(),
      operation: next(),
      batchId: 'b',
    };
    return { seed, report, clients: [http, hygieneOnly], alerted };
  });

  it.each(cases)('terminal tables and lines carry no raw character of the rule (seed $seed)', (c) => {
    // Prepare
    const readiness = assessReadiness({
      bucket: c.report.bucket,
      window: WINDOW,
      report: c.report,
      clients: c.clients,
      hourItemsHours: [],
    });

    // Act
    const outputs = [
      bucketTable([c.report]),
      ...findingLines([c.report]),
      clientTable(c.clients),
      ...clientFindingLines(c.clients),
      hygieneTable(c.clients),
      newClientTable([{ ...c.alerted, notifiedAt: '2026-11-01T12:00:00.000Z' }]),
      readinessText(readiness),
    ];

    // Assess: line breaks of the layout only; a value never spans lines.
    expect(readiness.reasons.map((r) => r.code)).toContain('http-clients');
    for (const [index, output] of outputs.entries())
      expect(rawCharactersIn(output, '\n'), `output ${index}`).toEqual([]);
    const table = clientTable(c.clients).split('\n');
    expect(table).toHaveLength(3);
    for (const line of table) expect([...line].length).toBeLessThan(12 * (SHOWN_WIDTH.terminal + 2));
  });

  it.each(cases)('the HTML page carries no raw character of the rule and no markup from the logs (seed $seed)', (c) => {
    // Act
    const page = renderHtmlReport({
      generatedAt: '2026-11-02T00:00:00.000Z',
      window: WINDOW,
      buckets: c.clients.length
        ? [
            {
              report: c.report,
              clients: c.clients,
              readiness: assessReadiness({
                bucket: c.report.bucket,
                window: WINDOW,
                report: c.report,
                clients: c.clients,
                hourItemsHours: [],
              }),
            },
          ]
        : [],
    });

    // Assess
    expect(rawCharactersIn(page, '\n')).toEqual([]);
    expect(page).not.toMatch(/<script|<img|<\/?b>/i);
    expect(page.match(/<table/g)?.length).toBe(4);
  });

  it.each(cases)('CSV cells carry no raw character of the rule and begin no formula (seed $seed)', (c) => {
    // Act
    const text = csv(
      ['bucket', 'http', 'delta', 'source'],
      [
        [c.report.bucket, c.report.http, -2, c.alerted.userAgent ?? ''],
        [c.alerted.principal, 0, -1.5, c.alerted.address],
      ],
    );

    // Assess
    expect(rawCharactersIn(text.replace(/\r\n/g, ''))).toEqual([]);
    const rows = parseCsv(text);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row).toHaveLength(4);
      for (const cell of row) expect(cell).not.toMatch(/^[=+@\t\r]|^-(?!\d+(\.\d+)?$)/);
    }
    expect(rows[1]?.slice(1, 3)).toEqual(['3', '-2']);
    const bucket = c.report.bucket;
    expect(rows[1]?.[0]).toBe(`${/^[=+\-@\t\r]/.test(bucket) ? "'" : ''}${escapeUntrusted(bucket)}`);
  });

  it.each(cases)('the alert carries no raw character of the rule, and its subject is ASCII (seed $seed)', (c) => {
    // Act
    const message = newClientAlertMessage([c.alerted], { table: 'cleartrail-aggregates', region: 'eu-west-1' });

    // Assess
    expect(rawCharactersIn(message.body, '\n')).toEqual([]);
    expect(message.subject).toMatch(/^[\x20-\x7e]{1,99}$/);
    for (const line of message.body.split('\n')) expect([...line].length).toBeLessThan(3 * SHOWN_WIDTH.alert + 40);
  });
});

describe('Function: newClientAlertMessage with a hostile bucket name', () => {
  it('quotes the bucket in the commands to run, so pasting them runs nothing it names', () => {
    // Prepare
    const client: NewHttpClient = {
      bucket: "x$(touch pwned)'; rm -rf ~",
      identity: 'id',
      firstSeen: 1_793_530_800,
      address: '203.0.113.9',
      class: 'external',
      principal: 'anonymous',
      batchId: 'b',
    };

    // Act
    const { body } = newClientAlertMessage([client], { table: 't' });

    // Assess
    expect(body).toContain(`--bucket 'x$(touch pwned)'\\''; rm -rf ~' --since`);
  });

  it('leaves a valid bucket name bare', () => {
    const client: NewHttpClient = {
      bucket: 'acme-data',
      identity: 'id',
      firstSeen: 1_793_530_800,
      address: '203.0.113.9',
      class: 'external',
      principal: 'anonymous',
      batchId: 'b',
    };
    expect(newClientAlertMessage([client], { table: 't' }).body).toContain(
      'enforce-check --table t --bucket acme-data\n',
    );
  });
});
