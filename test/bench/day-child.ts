/**
 * One run of one in-process day variant, in its own process so that its peak RSS is its own:
 * started by `day.ts` as `day-child.ts <naive|no-store|duckdb|duckdb-grouped> <corpus dir>`, it times the
 * variant over every file and prints one JSON line, a DayChildReport.
 */
import {
  corpusFiles,
  duckDbCount,
  duckDbGroupedCount,
  foldWithoutStore,
  naiveCount,
  type PeerCount,
} from './day-peers';

export type DayChildReport = { ok: true; seconds: number; count: PeerCount } | { ok: false; reason: string };

const VARIANTS: Record<
  string,
  (dir: string, files: string[]) => PeerCount | undefined | Promise<PeerCount | undefined>
> = {
  naive: (_dir, files) => naiveCount(files),
  'no-store': (_dir, files) => foldWithoutStore(files),
  duckdb: (dir) => duckDbCount(dir),
  'duckdb-grouped': (dir) => duckDbGroupedCount(dir),
};

async function main(): Promise<void> {
  const [id, dir] = process.argv.slice(2);
  const variant = id === undefined ? undefined : VARIANTS[id];
  if (!variant || !dir) throw new Error(`usage: day-child.ts <${Object.keys(VARIANTS).join('|')}> <corpus dir>`);
  const files = corpusFiles(dir);
  const started = performance.now();
  const count = await variant(dir, files);
  const seconds = (performance.now() - started) / 1000;
  const report: DayChildReport = count ? { ok: true, seconds, count } : { ok: false, reason: 'not installed' };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
