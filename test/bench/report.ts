import type { BenchFile, ChildReport, JqReport } from './measure';

/** All runs of one variant on one file. */
export interface VariantRuns {
  id: string;
  name: string;
  reports: ChildReport[];
}

/** The measurements of one file. */
export interface FileResults {
  file: BenchFile;
  variants: VariantRuns[];
  jq: JqReport;
}

/** The figure a row shows: the fastest run, and the largest peak RSS of all runs. */
export interface Best {
  ok: boolean;
  seconds: number;
  /** The fastest first (cold) run. */
  coldSeconds?: number;
  maxRssBytes: number;
  error?: string;
}

export const TARGET_SPEEDUP = 1.5;
export const TARGET_RSS_BYTES = 256 * 1024 ** 2;
/** Files from this size on are the ones the targets speak about; the 1k file is mostly process noise. */
export const TARGET_MIN_RECORDS = 100_000;

export function best(reports: readonly ChildReport[]): Best {
  const failure = reports.find((report) => !report.ok);
  const maxRssBytes = Math.max(...reports.map((report) => report.maxRssBytes));
  if (failure && !failure.ok) return { ok: false, seconds: failure.seconds, maxRssBytes, error: failure.error };
  return {
    ok: true,
    seconds: Math.min(...reports.map((report) => report.seconds)),
    coldSeconds: Math.min(...reports.map((report) => (report.ok ? report.coldSeconds : Number.NaN))),
    maxRssBytes,
  };
}

/** Records per second of the best run of variant `id`, or undefined when it failed or did not run. */
export function recordsPerSecond(results: FileResults, id: string): number | undefined {
  const runs = results.variants.find((variant) => variant.id === id);
  if (!runs || runs.reports.length === 0) return undefined;
  const figure = best(runs.reports);
  return figure.ok ? results.file.records / figure.seconds : undefined;
}

/** The table `npm run bench` prints. */
export function formatTable(all: readonly FileResults[]): string {
  const header = [
    'file',
    'records',
    'JSON MiB',
    'gzip MiB',
    'variant',
    'best s',
    'cold s',
    'records/s',
    'JSON MiB/s',
    'peak RSS MiB',
    'vs (a)',
  ];
  const rows: string[][] = [];
  for (const results of all) {
    const { file } = results;
    const baseline = recordsPerSecond(results, 'a');
    let first = true;
    const lead = (): string[] => {
      const cells = first
        ? [file.label, count(file.records), mb(file.jsonBytes), mb(file.fileBytes)]
        : ['', '', '', ''];
      first = false;
      return cells;
    };
    for (const variant of results.variants) {
      const figure = best(variant.reports);
      const label = `(${variant.id}) ${variant.name}`;
      if (!figure.ok) {
        rows.push([...lead(), label, fixed(figure.seconds, 2), '', 'FAILED', '', mb(figure.maxRssBytes), '']);
        rows.push(['', '', '', '', `    ${truncate(figure.error ?? '', 90)}`, '', '', '', '', '', '']);
        continue;
      }
      const rate = file.records / figure.seconds;
      const ratio = baseline === undefined ? (variant.id === 'a' ? '' : 'n/a') : `${fixed(rate / baseline, 2)}x`;
      rows.push([
        ...lead(),
        label,
        fixed(figure.seconds, 3),
        figure.coldSeconds === undefined ? '' : fixed(figure.coldSeconds, 3),
        count(Math.round(rate)),
        fixed(file.jsonBytes / 1024 ** 2 / figure.seconds, 1),
        mb(figure.maxRssBytes),
        variant.id === 'a' ? '' : ratio,
      ]);
    }
    const jq = results.jq;
    if (jq.ran) {
      const rate = file.records / jq.seconds;
      const ratio = baseline === undefined ? 'n/a' : `${fixed(rate / baseline, 2)}x`;
      const rss = jq.maxRssBytes === undefined ? '?' : mb(jq.maxRssBytes);
      rows.push([
        ...lead(),
        'jq: gzip -dc | jq (for comparison)',
        fixed(jq.seconds, 3),
        '',
        count(Math.round(rate)),
        fixed(file.jsonBytes / 1024 ** 2 / jq.seconds, 1),
        rss,
        ratio,
      ]);
    } else {
      rows.push([...lead(), `jq: skipped (${jq.reason})`, '', '', '', '', '', '']);
    }
  }
  return align([header, ...rows]);
}

/**
 * One line per target, met or not, and whether all are met. The targets are the issue's, for
 * (b); (r) is judged by the same numbers so that the reader's share is visible on its own.
 */
export function formatTargets(all: readonly FileResults[]): { text: string; met: boolean | undefined } {
  const lines: string[] = [];
  let met: boolean | undefined;
  for (const id of ['b', 'r']) {
    if (!all.some((results) => results.variants.some((variant) => variant.id === id))) continue;
    const speed: string[] = [];
    let ok = true;
    for (const results of all) {
      if (results.file.records < TARGET_MIN_RECORDS) continue;
      const a = recordsPerSecond(results, 'a');
      const x = recordsPerSecond(results, id);
      if (x === undefined) {
        speed.push(`${results.file.label}: (${id}) FAILED`);
        ok = false;
      } else if (a === undefined) {
        speed.push(`${results.file.label}: (a) cannot read it, (${id}) can`);
      } else {
        ok &&= x / a >= TARGET_SPEEDUP;
        speed.push(`${results.file.label}: ${fixed(x / a, 2)}x`);
      }
    }
    lines.push(
      `(${id}) records/s >= ${TARGET_SPEEDUP}x (a) on files of ${count(TARGET_MIN_RECORDS)}+ records: ${speed.join('; ') || 'no such file'}  ${ok ? '✓' : '✗'}`,
    );
    const largest = [...all].sort((x, y) => y.file.records - x.file.records)[0];
    const runs = largest?.variants.find((variant) => variant.id === id);
    if (largest && runs && runs.reports.length > 0) {
      const figure = best(runs.reports);
      const rssOk = figure.ok && figure.maxRssBytes <= TARGET_RSS_BYTES;
      ok &&= rssOk;
      lines.push(
        `(${id}) peak RSS <= ${mb(TARGET_RSS_BYTES)} MiB on the ${largest.file.label}-record file: ${mb(figure.maxRssBytes)} MiB  ${rssOk ? '✓' : '✗'}`,
      );
    }
    if (id === 'b') met = ok;
  }
  return { text: lines.map((line) => `  ${line}`).join('\n'), met };
}

/** Variants that succeeded but disagree with what the generator wrote: a correctness bug, not noise. */
export function disagreements(all: readonly FileResults[]): string[] {
  const problems: string[] = [];
  for (const { file, variants, jq } of all) {
    for (const variant of variants) {
      for (const report of variant.reports) {
        if (!report.ok) continue;
        const { records, s3Records } = report.outcome;
        if (records !== file.records || s3Records !== file.s3Records) {
          problems.push(
            `${file.label} (${variant.id}): ${records}/${s3Records} records/S3 records, the file has ${file.records}/${file.s3Records}`,
          );
        }
      }
    }
    if (jq.ran && jq.s3Records !== file.s3Records)
      problems.push(`${file.label} jq: ${jq.s3Records} S3 records, the file has ${file.s3Records}`);
  }
  return problems;
}

function align(table: string[][]): string {
  const widths = table[0]?.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length))) ?? [];
  const numeric = new Set([1, 2, 3, 5, 6, 7, 8, 9]);
  return table
    .map((row) =>
      row
        .map((cell, column) =>
          numeric.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function mb(bytes: number): string {
  return Number.isFinite(bytes) ? (bytes / 1024 ** 2).toFixed(bytes < 10 * 1024 ** 2 ? 1 : 0) : '?';
}

function fixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '?';
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
