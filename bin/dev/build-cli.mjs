#!/usr/bin/env node
// Compiles the CLI for `bin/cleartrail.js`: dist/cli.js and the fold worker dist/fold-worker.js,
// each one CommonJS bundle, so that neither the main thread nor a worker compiles TypeScript at
// run time. `npm ci` runs it (the `prepare` script), and so does the test run's global setup.
//
//   node bin/dev/build-cli.mjs [--metafile]
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT_DIR = path.join(ROOT, 'dist');
const SQLITE_WASM = 'node-sqlite3-wasm.wasm';

/**
 * lib/data/*.json are read from the installed package the first time code reads them, not
 * compiled into the bundle: the 2.6 MB of AWS ranges would be parsed at every start, `--help`
 * included, since lib/net/named-networks.ts (which the option parser needs) imports the module
 * that holds them. The module is an ES module to the bundle's interop, whose default export is
 * a getter: importing it reads nothing. dist/ sits beside lib/, so the path holds from both bundles.
 */
const dataFilesFromDisk = {
  name: 'data-files-from-disk',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/data\/[^/]+\.json$/ }, (args) => {
      const file = path.resolve(args.resolveDir, args.path);
      if (path.dirname(file) !== path.join(ROOT, 'lib/data')) return undefined;
      return { path: path.relative(ROOT, file), namespace: 'data-file' };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: 'data-file' }, (args) => ({
      loader: 'js',
      contents: `let parsed;
Object.defineProperty(exports, '__esModule', { value: true });
Object.defineProperty(exports, 'default', {
  enumerable: true,
  get: () => (parsed ??= JSON.parse(
    require('node:fs').readFileSync(require('node:path').join(__dirname, '..', ${JSON.stringify(args.path)}), 'utf8'),
  )),
});`,
    }));
  },
};

export async function buildCli({ metafile = false } = {}) {
  mkdirSync(OUT_DIR, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { cli: 'bin/cli.ts', 'fold-worker': 'bin/run/fold-worker.ts' },
    outdir: OUT_DIR,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    plugins: [dataFilesFromDisk],
    legalComments: 'none',
    logLevel: 'warning',
    metafile,
  });
  // The SQLite engine, bundled, looks for its WebAssembly beside the script it runs in.
  const engine = createRequire(import.meta.url).resolve('node-sqlite3-wasm');
  copyFileSync(path.join(path.dirname(engine), SQLITE_WASM), path.join(OUT_DIR, SQLITE_WASM));
  if (metafile) writeFileSync(path.join(OUT_DIR, 'meta.json'), JSON.stringify(result.metafile));
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildCli({ metafile: process.argv.includes('--metafile') });
}
