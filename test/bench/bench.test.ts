import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchFiles, measureInChild } from './measure';
import { disagreements, type FileResults, formatTable, formatTargets } from './report';
import { BENCH_VARIANTS } from './variants';

// A smoke run of `npm run bench` on a 300-record file: the code paths, not the timings, which
// this test never looks at. The full bench does not run in `npm test`.

const dir = mkdtempSync(join(tmpdir(), 'cleartrail-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Function: bench (smoke run)', () => {
  it('runs every variant on a small generated file, they agree, and the table prints', async () => {
    // Prepare
    const [file] = await benchFiles([300], dir);
    if (!file) throw new Error('no bench file');

    // Act
    const outcomes = [];
    for (const entry of BENCH_VARIANTS) {
      if (entry.id === 'c') continue; // needs DynamoDB Local; covered by its own tests
      const variant = await entry.prepare();
      outcomes.push({ id: entry.id, outcome: await variant.run(file.path) });
    }
    const child = await measureInChild('r', file.path);
    const results: FileResults = {
      file,
      variants: [{ id: 'r', name: 'reader', reports: [child] }],
      jq: { ran: false, reason: 'not run in tests' },
    };

    // Assess
    expect(file.records).toBe(300);
    expect(outcomes.map((o) => o.id)).toEqual(expect.arrayContaining(['a', 'b', 'r']));
    for (const { outcome } of outcomes) {
      expect(outcome).toMatchObject({ records: file.records, s3Records: file.s3Records, jsonBytes: file.jsonBytes });
    }
    expect(child.ok).toBe(true);
    expect(child.maxRssBytes).toBeGreaterThan(0);
    expect(disagreements([results])).toEqual([]);
    expect(formatTable([results])).toContain('(r) reader');
    expect(formatTargets([results]).text).toContain('(r) peak RSS');
  });
});
