import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { enforceHttpsPolicy } from '../../lib/report/bucket-policy';
import { JsonSyntaxError, parseWithSpans } from '../../lib/report/json-spans';
import { BUCKET_POLICY_MAX_BYTES, mergeEnforcement, type PolicyMerge } from '../../lib/report/policy-merge';

const FIXTURES = path.join(__dirname, '../fixtures/bucket-policies');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

const TRAIL_BUCKET = 'acme-trail-logs';
const TOWER_BUCKET = 'aws-controltower-logs-111122223333-us-east-1';

/** A policy document of `statements`, written as people write them (two-space indent). */
function policyText(...statements: object[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
}

const DENY_HTTP = {
  Sid: 'RequireTls',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: ['arn:aws:s3:::acme-data', 'arn:aws:s3:::acme-data/*'],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};
const READER = {
  Sid: 'ReadersRead',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:role/reader' },
  Action: ['s3:GetObject', 's3:ListBucket'],
  Resource: ['arn:aws:s3:::acme-data', 'arn:aws:s3:::acme-data/*'],
};

function merged(result: PolicyMerge): Extract<PolicyMerge, { outcome: 'merged' }> {
  if (result.outcome !== 'merged') throw new Error(`expected a merge, got ${result.code}: ${result.reason}`);
  return result;
}

function refused(result: PolicyMerge): Extract<PolicyMerge, { outcome: 'refused' }> {
  if (result.outcome !== 'refused') throw new Error(`expected a refusal, got ${result.text}`);
  return result;
}

/** Each original statement's text must appear, unchanged, in the merged text. */
function expectStatementsKept(original: string, result: string): void {
  const root = parseWithSpans(original);
  if (root.kind !== 'object') throw new Error('not an object');
  const statements = root.members.find((m) => m.key === 'Statement')?.value;
  const nodes = statements?.kind === 'array' ? statements.items : statements ? [statements] : [];
  expect(nodes.length).toBeGreaterThan(0);
  for (const node of nodes) expect(result).toContain(original.slice(node.start, node.end));
}

describe('Function: mergeEnforcement, over real-world policies', () => {
  it("adds the deny to CloudTrail's own bucket policy, keeping both statements byte for byte", () => {
    // Prepare
    const original = fixture('cloudtrail.json');

    // Act
    const result = merged(mergeEnforcement({ bucket: TRAIL_BUCKET, current: original }));

    // Assess
    expect(result.changed).toBe(true);
    expect(result.added).toEqual(['DenyInsecureTransport']);
    expectStatementsKept(original, result.text);
    // Inserted after the last statement: the text before it is the original's, to the byte.
    const lastBrace = original.lastIndexOf('}', original.lastIndexOf(']'));
    expect(result.text.slice(0, lastBrace + 1)).toBe(original.slice(0, lastBrace + 1));
    const statements = result.policy.Statement as Array<Record<string, unknown>>;
    expect(statements.map((s) => s.Sid)).toEqual([
      'AWSCloudTrailAclCheck20150319',
      'AWSCloudTrailWrite20150319',
      'DenyInsecureTransport',
    ]);
    expect(statements[2]).toEqual(enforceHttpsPolicy(TRAIL_BUCKET).Statement[0]);
    // Indented like its neighbours (8 spaces for a statement's members in this file).
    expect(result.text).toContain('\n        {\n            "Sid": "DenyInsecureTransport",');
  });

  it('is idempotent: merging the merged CloudTrail policy changes nothing', () => {
    // Prepare
    const once = merged(mergeEnforcement({ bucket: TRAIL_BUCKET, current: fixture('cloudtrail.json') })).text;

    // Act
    const twice = merged(mergeEnforcement({ bucket: TRAIL_BUCKET, current: once }));

    // Assess
    expect(twice.changed).toBe(false);
    expect(twice.text).toBe(once);
    expect(twice.added).toEqual([]);
  });

  it("recognises Control Tower's AllowSSLRequestsOnly as the same deny, and changes nothing", () => {
    // Prepare
    const original = fixture('control-tower-log-archive.json');

    // Act
    const result = merged(mergeEnforcement({ bucket: TOWER_BUCKET, current: original }));

    // Assess
    expect(result.changed).toBe(false);
    expect(result.text).toBe(original);
    expect((result.policy.Statement as unknown[]).length).toBe(5);
  });

  it('adds only the TLS minimum to the Control Tower policy, on one line as the policy is', () => {
    // Prepare
    const original = fixture('control-tower-log-archive.json').trimEnd();

    // Act
    const result = merged(mergeEnforcement({ bucket: TOWER_BUCKET, current: original, minTlsVersion: '1.2' }));

    // Assess
    expect(result.added).toEqual(['DenyOutdatedTls']);
    expect(result.text).not.toContain('\n');
    expect(result.text.startsWith(original.slice(0, original.lastIndexOf('}]}') + 1))).toBe(true);
    const last = (result.policy.Statement as Array<Record<string, unknown>>).at(-1);
    expect(last?.Condition).toEqual({ NumericLessThan: { 's3:TlsVersion': '1.2' } });
    expect(last?.Resource).toEqual([`arn:aws:s3:::${TOWER_BUCKET}`, `arn:aws:s3:::${TOWER_BUCKET}/*`]);
  });

  it('writes the whole policy when the bucket has none, or an empty one', () => {
    for (const current of [undefined, '', '  \n']) {
      // Act
      const result = merged(mergeEnforcement({ bucket: 'acme-data', current, minTlsVersion: '1.2' }));

      // Assess
      expect(result.changed).toBe(true);
      expect(result.policy).toEqual(
        JSON.parse(JSON.stringify(enforceHttpsPolicy('acme-data', { minTlsVersion: '1.2' }))),
      );
      expect(result.added).toEqual(['DenyInsecureTransport', 'DenyOutdatedTls']);
    }
  });

  it('refuses a SecureTransport deny with NotPrincipal: the full deny would remove the exemption', () => {
    // Prepare
    const exempt = {
      Sid: 'HttpOnlyForLegacyRole',
      Effect: 'Deny',
      NotPrincipal: { AWS: 'arn:aws:iam::111122223333:role/legacy-uploader' },
      Action: 's3:*',
      Resource: ['arn:aws:s3:::acme-data', 'arn:aws:s3:::acme-data/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };

    // Act
    const result = refused(mergeEnforcement({ bucket: 'acme-data', current: policyText(READER, exempt) }));

    // Assess
    expect(result.code).toBe('exemption');
    expect(result.reason).toContain('statement "HttpOnlyForLegacyRole"');
    expect(result.reason).toContain('NotPrincipal');
  });

  it('refuses a SecureTransport deny with a further condition (HTTP allowed from a VPC endpoint)', () => {
    // Prepare
    const exempt = {
      ...DENY_HTTP,
      Condition: {
        Bool: { 'aws:SecureTransport': 'false' },
        StringNotEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' },
      },
    };

    // Act
    const result = refused(mergeEnforcement({ bucket: 'acme-data', current: policyText(exempt) }));

    // Assess
    expect(result.code).toBe('exemption');
    expect(result.reason).toContain('StringNotEquals aws:SourceVpce');
  });

  it('keeps a partial deny (objects only, reads only) and adds the full one beside it', () => {
    // Prepare
    const partial = {
      Sid: 'NoHttpReads',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::acme-data/*',
      Condition: { Bool: { 'aws:SecureTransport': false } },
    };
    const original = policyText(READER, partial);

    // Act
    const result = merged(mergeEnforcement({ bucket: 'acme-data', current: original }));

    // Assess
    expect(result.changed).toBe(true);
    expect(result.added).toEqual(['DenyInsecureTransport']);
    expect(result.notes).toEqual(['statement "NoHttpReads" denies plain HTTP for part of the bucket only; it is kept']);
    expectStatementsKept(original, result.text);
  });

  it('recognises the equivalent spellings of the deny', () => {
    const spellings = [
      { ...DENY_HTTP },
      { ...DENY_HTTP, Principal: { AWS: '*' }, Action: '*' },
      {
        ...DENY_HTTP,
        Principal: { AWS: ['*'] },
        Action: ['S3:*'],
        Resource: ['arn:aws:s3:::acme-data/*', 'arn:aws:s3:::acme-data'],
      },
      { ...DENY_HTTP, Condition: { BoolIfExists: { 'aws:securetransport': ['false'] } } },
      { ...DENY_HTTP, Condition: { Bool: { 'aws:SecureTransport': false } } },
    ];
    for (const spelling of spellings) {
      // Act
      const result = merged(mergeEnforcement({ bucket: 'acme-data', current: policyText(READER, spelling) }));

      // Assess
      expect(result.changed, JSON.stringify(spelling)).toBe(false);
    }
  });

  it('takes an existing, higher TLS minimum as covering 1.2, and a lower one as partial', () => {
    // Prepare
    const tls = (version: string) => ({
      ...DENY_HTTP,
      Sid: `Tls${version}`,
      Condition: { NumericLessThan: { 's3:TlsVersion': version } },
    });

    // Act
    const higher = merged(
      mergeEnforcement({ bucket: 'acme-data', current: policyText(DENY_HTTP, tls('1.3')), minTlsVersion: '1.2' }),
    );
    const lower = merged(
      mergeEnforcement({ bucket: 'acme-data', current: policyText(DENY_HTTP, tls('1.1')), minTlsVersion: '1.2' }),
    );

    // Assess
    expect(higher.changed).toBe(false);
    expect(lower.added).toEqual(['DenyOutdatedTls']);
    expect(lower.notes).toEqual(['statement "Tls1.1" denies TLS below 1.2 for part of the bucket only; it is kept']);
  });

  it('refuses an Allow that names plain HTTP, a conflicting Sid, and a policy of another bucket', () => {
    // Prepare
    const allowHttp = { ...READER, Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
    const sidTaken = { ...READER, Sid: 'DenyInsecureTransport' };
    const otherBucket = { ...READER, Resource: 'arn:aws:s3:::acme-archive/*' };

    // Act
    const results = [allowHttp, sidTaken, otherBucket].map(
      (statement) => refused(mergeEnforcement({ bucket: 'acme-data', current: policyText(statement) })).code,
    );

    // Assess
    expect(results).toEqual(['allows-http', 'conflicting-sid', 'other-bucket']);
  });

  it('refuses a Deny on SecureTransport it does not recognise (denying HTTPS, a string operator)', () => {
    for (const condition of [
      { Bool: { 'aws:SecureTransport': 'true' } },
      { StringEquals: { 'aws:SecureTransport': 'false' } },
    ]) {
      // Act
      const result = refused(
        mergeEnforcement({ bucket: 'acme-data', current: policyText({ ...DENY_HTTP, Condition: condition }) }),
      );

      // Assess
      expect(result.code).toBe('unrecognised-condition');
    }
  });

  it('refuses invalid JSON, a duplicate key, an unknown Version and a document without statements', () => {
    // Prepare
    const cases: Array<[string, string]> = [
      ['{"Version": "2012-10-17", "Statement": [', 'invalid-json'],
      ['{"Version": "2012-10-17", "Statement": [], "Statement": []}', 'invalid-json'],
      ['{"Version": "2012-10-18", "Statement": []}', 'unknown-version'],
      ['{"Version": "2012-10-17"}', 'not-a-policy'],
      ['{"Version": "2012-10-17", "Statement": ["s3:*"]}', 'not-a-policy'],
      ['[]', 'not-a-policy'],
    ];

    // Act
    const codes = cases.map(([text]) => refused(mergeEnforcement({ bucket: 'acme-data', current: text })).code);

    // Assess
    expect(codes).toEqual(cases.map(([, code]) => code));
  });

  it('refuses a merge that would pass the 20 KB limit, and fits one just under it on one line', () => {
    // Prepare: reader statements up to a size, then the last bytes of room.
    const readers = (count: number) =>
      Array.from({ length: count }, (_, i) => ({
        ...READER,
        Sid: `Reader${i}`,
        Principal: { AWS: `arn:aws:iam::111122223333:role/reader-${i}` },
      }));
    const full = policyText(...readers(70));
    const room = policyText(...readers(50));

    // Act
    const tooLarge = refused(mergeEnforcement({ bucket: 'acme-data', current: full }));
    const fits = merged(mergeEnforcement({ bucket: 'acme-data', current: room }));

    // Assess
    expect(Buffer.byteLength(full)).toBeGreaterThan(BUCKET_POLICY_MAX_BYTES - 400);
    expect(tooLarge.code).toBe('too-large');
    expect(tooLarge.reason).toContain('20 KB');
    expect(Buffer.byteLength(fits.text)).toBeLessThanOrEqual(BUCKET_POLICY_MAX_BYTES);
  });

  it('turns a single statement object into an array, keeping it byte for byte', () => {
    // Prepare
    const original = `{"Version":"2012-10-17","Statement":${JSON.stringify(READER)}}`;

    // Act
    const result = merged(mergeEnforcement({ bucket: 'acme-data', current: original }));

    // Assess
    expect(result.text).toContain(`"Statement":[${JSON.stringify(READER)},{"Sid":"DenyInsecureTransport"`);
    expect((result.policy.Statement as unknown[]).length).toBe(2);
  });

  it('uses the partition the policy names', () => {
    // Prepare
    const china = { ...READER, Resource: 'arn:aws-cn:s3:::acme-data/*' };

    // Act
    const result = merged(mergeEnforcement({ bucket: 'acme-data', current: policyText(china) }));

    // Assess
    const added = (result.policy.Statement as Array<Record<string, unknown>>).at(-1);
    expect(added?.Resource).toEqual(['arn:aws-cn:s3:::acme-data', 'arn:aws-cn:s3:::acme-data/*']);
  });
});

describe('Function: parseWithSpans', () => {
  it('gives each value its place in the text', () => {
    // Act
    const root = parseWithSpans(' {"a": [1, "x"], "b": null} ');

    // Assess
    expect(root).toMatchObject({ kind: 'object', start: 1, end: 27 });
    if (root.kind !== 'object') throw new Error('not an object');
    expect(root.members.map((m) => m.key)).toEqual(['a', 'b']);
    expect(root.members[0]?.value).toMatchObject({ kind: 'array', start: 7, end: 15 });
  });

  it('refuses what JSON.parse would accept silently or is not JSON', () => {
    for (const text of ['{"a":1,"a":2}', '{"a":1,}', "{'a':1}", '01', '"\u0001"', '{} x', '']) {
      expect(() => parseWithSpans(text), text).toThrow(JsonSyntaxError);
    }
  });
});
