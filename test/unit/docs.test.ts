import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const DOCS = readdirSync(path.join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);

/** The help as a user sees it: the CLI run, not a constant imported. */
function helpText(): string {
  return execFileSync(process.execPath, [path.join(ROOT, 'bin/cleartrail.js'), '--help'], { encoding: 'utf8' });
}

describe('Documentation', () => {
  it('docs/cli.md names every command and every option that cleartrail --help prints', () => {
    // Prepare
    const help = helpText();
    const commands = [...help.matchAll(/^\s+cleartrail ([a-z-]+)/gm)].map((m) => m[1] as string);
    const options = [...help.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((m) => m[0]);
    const cli = read('docs/cli.md');

    // Act
    const missing = [...new Set([...commands, ...options])].filter((word) => !cli.includes(word));

    // Assess
    expect(commands.length).toBeGreaterThan(5);
    expect(options).toContain('--table');
    expect(missing, `docs/cli.md does not mention: ${missing.join(', ')}`).toEqual([]);
  });

  it('links every page of docs/ from README.md', () => {
    const readme = read('README.md');
    const unlinked = DOCS.filter((page) => !readme.includes(`](${page})`));
    expect(DOCS.length).toBeGreaterThanOrEqual(10);
    expect(unlinked, `README.md does not link: ${unlinked.join(', ')}`).toEqual([]);
  });

  it('names only repository paths that exist, in README.md and every page of docs/', () => {
    const pathPattern = /(?<![\w/.-])((?:lib|bin|handlers|test|events|docs|\.ci)\/[A-Za-z0-9_./-]*[A-Za-z0-9_])/g;
    const missing: string[] = [];
    for (const file of ['README.md', ...DOCS]) {
      const base = file.startsWith('docs/') ? 'docs' : '';
      for (const [, mentioned] of read(file).matchAll(pathPattern)) {
        const candidates = [mentioned as string, path.join(base, mentioned as string)];
        if (!candidates.some((p) => existsSync(path.join(ROOT, p)))) missing.push(`${file}: ${mentioned}`);
      }
    }
    expect(missing, `paths that do not exist:\n${missing.join('\n')}`).toEqual([]);
  });
});
