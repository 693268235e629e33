import { BENCH_VARIANTS } from './variants';
async function main() {
  const v = await BENCH_VARIANTS.find((x) => x.id === process.argv[2])!.prepare();
  for (let i = 0; i < 6; i++) { const t0 = performance.now(); await v.run(process.argv[3]!); console.log((performance.now() - t0).toFixed(0)); }
}
main();
