#!/usr/bin/env node
'use strict';
// The CLI runs compiled: dist/cli.js, built from bin/cli.ts by bin/dev/build-cli.mjs (`npm ci`
// builds it through the `prepare` script; so does `npm test`), so no TypeScript compiles at start.
const path = require('node:path');

// The embedded store's SQLite is WebAssembly. V8 compiles it twice, quickly and then optimised in
// the background, and the process waits for the optimised compile before it exits: about 0.25 s on
// every command, for code that a short report never runs long enough to need
// (docs/performance.md#cli-start-up).
require('node:v8').setFlagsFromString('--liftoff-only');
// The SDK warns on every run that releases after January 2027 need Node 22; package-lock.json pins
// today's SDK, so on Node 20 the warning is noise on the CLI's stderr. An explicit setting wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// A reader that stops early (`cleartrail report | head`) closes the pipe: the rest of the output
// has nowhere to go and is dropped, and the command finishes its work (a commit, the lock) as usual.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

let cli;
try {
  cli = require('../dist/cli.js');
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND' || !String(error.message).includes(path.join('dist', 'cli.js'))) throw error;
  process.stderr.write('cleartrail: the CLI is not built (dist/cli.js): run "npm run build" in the repository\n');
  process.exit(2);
}
cli.main(process.argv.slice(2)).then((exitCode) => {
  process.exitCode = exitCode;
});
