/**
 * One measurement, in its own process so that its peak RSS is its own: forked by `measure.ts`
 * with `<variant id> <file> [warm-up file]`, it prepares the variant and runs it once on the
 * warm-up file (both untimed), times `run` on the file, and sends one ChildReport back over IPC.
 */
import type { ChildReport } from './measure';
import { BENCH_VARIANTS } from './variants';

async function main(): Promise<void> {
  const [id, file, warmUp] = process.argv.slice(2);
  const entry = BENCH_VARIANTS.find((variant) => variant.id === id);
  if (!entry || !file) {
    throw new Error(`usage: child.ts <${BENCH_VARIANTS.map((v) => v.id).join('|')}> <file> [warm-up file]`);
  }
  const variant = await entry.prepare();
  if (warmUp) await variant.run(warmUp);
  const started = performance.now();
  let report: ChildReport;
  try {
    const outcome = await variant.run(file);
    report = { ok: true, seconds: (performance.now() - started) / 1000, maxRssBytes: maxRss(), outcome };
  } catch (error) {
    report = {
      ok: false,
      seconds: (performance.now() - started) / 1000,
      maxRssBytes: maxRss(),
      error: String((error as Error).message ?? error),
    };
  }
  send(report);
}

function maxRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

function send(report: ChildReport): void {
  if (!process.send) {
    console.log(JSON.stringify(report));
    return;
  }
  // Exit once the report is out: a variant may leave sockets or timers open.
  process.send(report, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
