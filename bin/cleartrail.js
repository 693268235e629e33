#!/usr/bin/env node
'use strict';
// The CLI is TypeScript; tsx compiles it on load (and caches the result), so `npx cleartrail`
// works straight after `npm ci` with no build step and no compiled copy to keep in sync.
require('tsx/cjs/api').register();
require('./cli.ts')
  .main(process.argv.slice(2))
  .then((exitCode) => {
    process.exitCode = exitCode;
  });
