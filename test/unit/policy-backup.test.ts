import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lib/core/errors';
import { backupFileName, policyBackup, readPolicyBackup, samePolicy } from '../../lib/report/policy-backup';
import { policyDiff } from '../../lib/report/policy-diff';

describe('Function: policyDiff', () => {
  it('shows an insertion as added lines between a few lines of context', () => {
    // Prepare
    const before = ['{', '  "a": [', '    1', '  ]', '}', ''].join('\n');
    const after = ['{', '  "a": [', '    1,', '    2', '  ]', '}', ''].join('\n');

    // Act
    const diff = policyDiff(before, after);

    // Assess
    expect(diff).toEqual(['  {', '    "a": [', '-     1', '+     1,', '+     2', '    ]', '  }']);
  });

  it('elides long unchanged runs, and shows a new policy as all added', () => {
    // Prepare
    const head = Array.from({ length: 10 }, (_, i) => `line ${i}`);

    // Act
    const diff = policyDiff([...head, 'end'].join('\n'), [...head, 'new', 'end'].join('\n'));
    const fresh = policyDiff(undefined, '{\n}');

    // Assess
    expect(diff).toEqual(['  …', '  line 7', '  line 8', '  line 9', '+ new', '  end']);
    expect(fresh).toEqual(['+ {', '+ }']);
  });
});

describe('Function: readPolicyBackup', () => {
  const now = new Date('2026-12-04T13:21:34.120Z');

  it('reads back what policyBackup wrote, for the same bucket', () => {
    // Prepare
    const text = JSON.stringify(policyBackup('acme-data', undefined, '{"Statement":[]}', now));

    // Act
    const backup = readPolicyBackup(text, 'b.json', 'acme-data');

    // Assess
    expect(backup).toMatchObject({ bucket: 'acme-data', previous: null, applied: '{"Statement":[]}' });
    expect(backupFileName('acme-data', now)).toBe('acme-data.policy-backup.20261204T132134.120Z.json');
  });

  it('refuses another bucket, another file and broken JSON, naming the file', () => {
    // Prepare
    const other = JSON.stringify(policyBackup('acme-other', '{}', '{}', now));

    // Act & Assess
    expect(() => readPolicyBackup(other, 'b.json', 'acme-data')).toThrow(
      new ConfigurationError('b.json: the backup is of bucket "acme-other", not "acme-data"'),
    );
    expect(() => readPolicyBackup('{"Version":"2012-10-17"}', 'p.json', 'acme-data')).toThrow(
      /^p\.json: not a policy backup/,
    );
    expect(() => readPolicyBackup('{', 'x.json', 'acme-data')).toThrow(
      /^x\.json: not a policy backup of cleartrail \(not JSON/,
    );
  });
});

describe('Function: samePolicy', () => {
  it('compares policies as JSON, whatever the whitespace and key order', () => {
    expect(samePolicy('{"a": 1, "b": [1, 2]}', '{"b":[1,2],"a":1}')).toBe(true);
    expect(samePolicy('{"b": [2, 1]}', '{"b": [1, 2]}')).toBe(false);
    expect(samePolicy(undefined, null)).toBe(true);
    expect(samePolicy(undefined, '{}')).toBe(false);
  });
});
