import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '../..');

/** The TypeScript sources under `folder`, recursively. */
function sources(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => path.join(folder, name));
}

/** The code of a file without its comments, where TSDoc examples may call console. */
function code(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
}

describe('The Lambda writes text from the logs only as JSON', () => {
  // Powertools' Logger writes one JSON document per entry, and JSON escapes every control
  // character; console would write a user agent or an object key raw into CloudWatch, and a
  // metric dimension would carry it into CloudWatch's console and alarms.
  const files = [...sources('lib'), ...sources('handlers')];

  it('calls no console method and sets no metric dimension in lib/ or handlers/', () => {
    const offenders = files.filter((file) =>
      /\bconsole\s*\.|\b(addDimensions?|setDefaultDimensions|singleMetric)\s*\(/.test(code(file)),
    );
    expect(offenders).toEqual([]);
  });

  it('finds the sources it checks', () => {
    expect(files).toContain(path.join('lib', 'lambda', 'invocation.ts'));
    expect(files).toContain(path.join('handlers', 'process-log.ts'));
  });
});
