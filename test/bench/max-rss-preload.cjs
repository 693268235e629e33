'use strict';
// Preloaded into a measured process (`node --require`): at exit, writes its peak resident set in
// bytes to the file named by CLEARTRAIL_BENCH_MAX_RSS_FILE. The kernel keeps the peak, so this
// needs no sampling and no /usr/bin/time.
const { writeFileSync } = require('node:fs');

const file = process.env.CLEARTRAIL_BENCH_MAX_RSS_FILE;
if (file) {
  // Children started by the measured process must not overwrite its figure.
  delete process.env.CLEARTRAIL_BENCH_MAX_RSS_FILE;
  process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
}
