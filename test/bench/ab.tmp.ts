import { BENCH_VARIANTS } from './variants';
async function main() {
  const v = await BENCH_VARIANTS.find((x) => x.id === process.argv[2])!.prepare();
  let wall = Infinity, cpu = Infinity;
  for (let i = 0; i < 4; i++) {
    const c0 = process.cpuUsage(); const t0 = performance.now();
    await v.run(process.argv[3]!);
    const c = process.cpuUsage(c0);
    wall = Math.min(wall, performance.now() - t0); cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  console.log(`wall ${wall.toFixed(0)} cpu ${cpu.toFixed(0)}`);
}
main();
