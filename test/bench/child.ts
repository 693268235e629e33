/**
 * One measurement, in its own process so that its peak RSS is its own: forked by `measure.ts`
 * with `<variant id> <file>`, it prepares the variant (untimed), times `run` on the file three
 * times, and sends one ChildReport back over IPC. The first run is cold (the code is still being
 * compiled); the faster of the next two is the steady state of a Lambda container that counts
 * file after file.
 */
import type { ChildReport } from './measure';
import { BENCH_VARIANTS } from './variants';

const WARM_RUNS = 2;

async function main(): Promise<void> {
  const [id, file] = process.argv.slice(2);
  const entry = BENCH_VARIANTS.find((variant) => variant.id === id);
  if (!entry || !file) throw new Error(`usage: child.ts <${BENCH_VARIANTS.map((v) => v.id).join('|')}> <file>`);
  const variant = await entry.prepare();
  let started = performance.now();
  let report: ChildReport;
  try {
    let outcome = await variant.run(file);
    const coldSeconds = (performance.now() - started) / 1000;
    let seconds = Number.POSITIVE_INFINITY;
    for (let run = 0; run < WARM_RUNS; run++) {
      started = performance.now();
      outcome = await variant.run(file);
      seconds = Math.min(seconds, (performance.now() - started) / 1000);
    }
    report = { ok: true, seconds, coldSeconds, maxRssBytes: maxRss(), outcome };
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
