'use strict';
// Preloaded into a measured process (`node --require`): at exit, writes its peak resident set in
// bytes and the CPU seconds it used (user + system, all its threads) to the file named by
// CLEARTRAIL_BENCH_MAX_RSS_FILE, as `<bytes> <seconds>`. The kernel keeps both, so this needs no
// sampling and no /usr/bin/time.
const { writeFileSync } = require('node:fs');

const file = process.env.CLEARTRAIL_BENCH_MAX_RSS_FILE;
if (file) {
  // Children started by the measured process must not overwrite its figure.
  delete process.env.CLEARTRAIL_BENCH_MAX_RSS_FILE;
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, `${usage.maxRSS * 1024} ${(usage.userCPUTime + usage.systemCPUTime) / 1e6}`);
  });
}
