import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '../..');

/** The files `npm pack` would put in the tarball; scripts off, so that dist/ is not rebuilt under running tests. */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  const [pack] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return (pack?.files ?? []).map((file) => file.path).sort();
}

describe('The npm package of the CLI', () => {
  it('holds the compiled CLI, its entry and the data it reads, and nothing of the sources or tests', () => {
    const files = packedFiles();

    expect(files).toEqual(
      expect.arrayContaining([
        'bin/cleartrail.js',
        'dist/cli.js',
        'dist/fold-worker.js',
        'dist/node-sqlite3-wasm.wasm',
        'lib/data/ip-ranges.json',
        'package.json',
      ]),
    );
    expect(files.filter((file) => /^(test|events|handlers)\/|\.ts$/.test(file))).toEqual([]);
  });

  it('needs neither tsx nor any other development tool at run time', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const entry = readFileSync(path.join(ROOT, 'bin/cleartrail.js'), 'utf8');

    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    expect(Object.keys(manifest.devDependencies)).toEqual(expect.arrayContaining(['tsx', 'esbuild']));
    expect(entry).not.toMatch(/tsx|\.ts'/);
  });
});
