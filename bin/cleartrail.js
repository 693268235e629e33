#!/usr/bin/env node
'use strict';
// The CLI is TypeScript; tsx compiles it on load (and caches the result), so `npx cleartrail`
// works straight after `npm ci` with no build step and no compiled copy to keep in sync.
require('tsx/cjs/api').register();
// The SDK warns on every run that releases after January 2027 need Node 22; package-lock.json pins
// today's SDK, so on Node 20 the warning is noise on the CLI's stderr. An explicit setting wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('./cli.ts')
  .main(process.argv.slice(2))
  .then((exitCode) => {
    process.exitCode = exitCode;
  });
