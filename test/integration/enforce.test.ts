import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hoursBetween } from '../../lib/core/time-window';
import { runCli } from '../support/cli';
import { rawCharactersIn } from '../support/hostile-text';
import { httpsS3Record } from '../support/records';
import { type LocalPolicyServer, startLocalPolicyServer } from '../support/s3-policy-server';

const FIXTURES = path.join(__dirname, '../fixtures/bucket-policies');
const CLOUDTRAIL_POLICY = path.join(FIXTURES, 'cloudtrail.json');
const TOWER_POLICY = path.join(FIXTURES, 'control-tower-log-archive.json');

/** Read over HTTPS in every hour of 2026-11-01: ready. */
const SECURE = 'acme-secure-data';
/** The same, plus plain HTTP in one hour: not ready. */
const BUSY = 'acme-busy-data';
const WINDOW = ['--since', '2026-11-01T00:00Z', '--until', '2026-11-01T23:00Z', '--max-gap-hours', '0'];

const statementsOf = (text: string) => (JSON.parse(text) as { Statement: unknown[] }).Statement;

describe('Command: enforce, offline with --policy-file', () => {
  const enforce = (...args: string[]) => runCli(['enforce', ...args]);

  it("merges the deny into CloudTrail's bucket policy: --json gives the policy, every statement kept", async () => {
    // Act
    const { code, stdout } = await enforce('--bucket', 'acme-trail-logs', '--policy-file', CLOUDTRAIL_POLICY, '--json');

    // Assess
    expect(code).toBe(0);
    const output = JSON.parse(stdout);
    expect(output.changed).toBe(true);
    expect(output.applied).toBe(false);
    const original = statementsOf(readFileSync(CLOUDTRAIL_POLICY, 'utf8'));
    expect(output.policy.Statement.slice(0, original.length)).toEqual(original);
    expect(output.policy.Statement.at(-1)).toMatchObject({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  it('is idempotent: the merged policy merged again changes nothing', async () => {
    // Prepare
    const first = JSON.parse(
      (await enforce('--bucket', 'acme-trail-logs', '--policy-file', CLOUDTRAIL_POLICY, '--json', '--min-tls', '1.2'))
        .stdout,
    );
    const merged = path.join(mkdtempSync(path.join(tmpdir(), 'cleartrail-enforce-')), 'merged.json');
    writeFileSync(merged, JSON.stringify(first.policy, null, 2));

    // Act
    const { code, stdout } = await enforce('--bucket', 'acme-trail-logs', '--policy-file', merged, '--min-tls', '1.2');

    // Assess
    expect(first.added).toEqual(['DenyInsecureTransport', 'DenyOutdatedTls']);
    expect(code).toBe(0);
    expect(stdout).toContain('acme-trail-logs: the policy already denies plain HTTP as asked: nothing to change');
  });

  it("changes nothing on Control Tower's log archive, which already has AllowSSLRequestsOnly", async () => {
    // Act
    const { code, stdout } = await enforce(
      '--bucket',
      'aws-controltower-logs-111122223333-us-east-1',
      '--policy-file',
      TOWER_POLICY,
      '--json',
    );

    // Assess
    expect(code).toBe(0);
    const output = JSON.parse(stdout);
    expect(output.changed).toBe(false);
    expect(output.policy).toEqual(JSON.parse(readFileSync(TOWER_POLICY, 'utf8')));
  });

  it('prints the diff of a dry run, and refuses a NotPrincipal exemption with its reason and exit code 1', async () => {
    // Prepare
    const folder = mkdtempSync(path.join(tmpdir(), 'cleartrail-enforce-'));
    const exempt = path.join(folder, 'exempt.json');
    writeFileSync(
      exempt,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'HttpForLegacy',
            Effect: 'Deny',
            NotPrincipal: { AWS: 'arn:aws:iam::111122223333:role/legacy' },
            Action: 's3:*',
            Resource: 'arn:aws:s3:::acme-data/*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    );

    // Act
    const dryRun = await enforce('--bucket', 'acme-trail-logs', '--policy-file', CLOUDTRAIL_POLICY);
    const refused = await enforce('--bucket', 'acme-data', '--policy-file', exempt);
    const refusedJson = await enforce('--bucket', 'acme-data', '--policy-file', exempt, '--json');

    // Assess
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(
      /^acme-trail-logs: DenyInsecureTransport added to the policy; dry run, nothing written/,
    );
    expect(dryRun.stdout).toContain('+             "Sid": "DenyInsecureTransport",');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cannot merge the deny into the policy safely (exemption)');
    expect(refused.stderr).toContain('statement "HttpForLegacy" denies plain HTTP with NotPrincipal');
    expect(JSON.parse(refusedJson.stdout).refused.code).toBe('exemption');
  });

  it('shows a hostile policy (bidi override, C1 CSI, DEL in a Sid) escaped in the diff and the refusal', async () => {
    // Prepare: JSON keeps these raw (only C0 controls must be escaped in a JSON string).
    const hostileSid = 'Reader\u202eevil\x9b[2J\x7f';
    const folder = mkdtempSync(path.join(tmpdir(), 'cleartrail-enforce-'));
    // The Sid last, so that it is in the diff's context lines.
    const reader = {
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::acme-data/*',
      Sid: hostileSid,
    };
    const served = path.join(folder, 'served.json');
    writeFileSync(served, JSON.stringify({ Version: '2012-10-17', Statement: [reader] }, null, 2));
    const exempt = path.join(folder, 'exempt.json');
    writeFileSync(
      exempt,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            ...reader,
            Effect: 'Deny',
            NotPrincipal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    );

    // Act
    const dryRun = await enforce('--bucket', 'acme-data', '--policy-file', served);
    const refused = await enforce('--bucket', 'acme-data', '--policy-file', exempt);
    const json = await enforce('--bucket', 'acme-data', '--policy-file', served, '--json');

    // Assess
    expect(dryRun.code).toBe(0);
    expect(rawCharactersIn(dryRun.stdout, '\n')).toEqual([]);
    expect(dryRun.stdout).toContain('Reader\\u202eevil\\x9b[2J\\x7f');
    expect(refused.code).toBe(1);
    expect(rawCharactersIn(refused.stderr, '\n')).toEqual([]);
    expect(refused.stderr).toContain('statement "Reader\\u202eevil\\x9b[2J\\x7f"');
    expect(JSON.parse(json.stdout).policy.Statement[0].Sid).toBe(hostileSid);
  });

  it('refuses --apply or --rollback with --policy-file, and --force without a reason', async () => {
    // Act
    const results = await Promise.all([
      enforce('--bucket', 'acme-data', '--policy-file', CLOUDTRAIL_POLICY, '--apply'),
      enforce('--bucket', 'acme-data', '--policy-file', CLOUDTRAIL_POLICY, '--rollback', 'x.json'),
      enforce('--bucket', 'acme-data', '--apply', '--force', ' '),
    ]);

    // Assess
    expect(results.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(results[0]?.stderr).toContain('--policy-file is offline');
    expect(results[2]?.stderr).toContain('--force needs a reason');
  });
});

describe('Command: enforce --apply and --rollback, against a local S3 bucket-policy server', () => {
  let server: LocalPolicyServer;
  let dataDir: string;
  let cwd: string;
  const enforce = (...args: string[]) =>
    runCli(['enforce', ...args, '--data-dir', dataDir], cwd, {
      ...process.env,
      AWS_ENDPOINT_URL_S3: server.endpoint,
      CLEARTRAIL_S3_FORCE_PATH_STYLE: 'true',
    });
  const backupNamedIn = (stderr: string) => {
    const name = /saved the (?:previous )?policy (?:of \S+ )?(?:being replaced )?to (\S+)/.exec(stderr)?.[1];
    if (!name) throw new Error(`no backup named in: ${stderr}`);
    return name;
  };

  beforeAll(async () => {
    // Prepare: a store where SECURE is ready and BUSY is not.
    server = await startLocalPolicyServer();
    dataDir = mkdtempSync(path.join(tmpdir(), 'cleartrail-enforce-store-'));
    const hours = hoursBetween('2026-11-01T00', '2026-11-01T23');
    const records = [
      ...hours.map((hour, i) => httpsS3Record(SECURE, `${hour}:17:00Z`, `secure-${i}`)),
      ...hours.map((hour, i) => httpsS3Record(BUSY, `${hour}:17:00Z`, `busy-${i}`)),
      (() => {
        const http = httpsS3Record(BUSY, '2026-11-01T12:30:00Z', 'busy-http');
        delete (http as { tlsDetails?: unknown }).tlsDetails;
        http.additionalEventData = { SignatureVersion: 'SigV4', AuthenticationMethod: 'AuthHeader' };
        return http;
      })(),
    ];
    const log = path.join(dataDir, 'day.json');
    writeFileSync(log, JSON.stringify({ Records: records }));
    const analyzed = await runCli(['analyze', '--data-dir', dataDir, log]);
    expect(analyzed.code, analyzed.stderr).toBe(0);
  });

  afterAll(async () => {
    await server.stop();
  });

  beforeEach(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'cleartrail-enforce-cwd-'));
    server.policies.clear();
    server.calls.length = 0;
    server.afterGet = undefined;
  });

  it('applies the merged policy to a ready bucket, saving the previous one, and rolls it back', async () => {
    // Prepare
    const original = readFileSync(CLOUDTRAIL_POLICY, 'utf8').replaceAll('acme-trail-logs', SECURE);
    server.policies.set(SECURE, original);

    // Act
    const applied = await enforce('--bucket', SECURE, '--apply', ...WINDOW);
    const afterApply = server.policies.get(SECURE) as string;
    const backup = backupNamedIn(applied.stderr);
    const rolledBack = await enforce('--bucket', SECURE, '--rollback', backup);

    // Assess
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(new RegExp(`^${SECURE}: applied: DenyInsecureTransport added to the policy`));
    expect(afterApply.startsWith(original.slice(0, original.lastIndexOf('}', original.lastIndexOf(']')) + 1))).toBe(
      true,
    );
    expect(statementsOf(afterApply).map((s) => (s as { Sid: string }).Sid)).toEqual([
      'AWSCloudTrailAclCheck20150319',
      'AWSCloudTrailWrite20150319',
      'DenyInsecureTransport',
    ]);
    const saved = JSON.parse(readFileSync(path.join(cwd, backup), 'utf8'));
    expect(saved).toMatchObject({ bucket: SECURE, previous: original, applied: afterApply });
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(rolledBack.stdout).toContain(`${SECURE}: restored the policy saved in ${backup}`);
    expect(server.policies.get(SECURE)).toBe(original);
  });

  it('writes a whole policy to a bucket without one, and the rollback removes it again', async () => {
    // Act
    const applied = await enforce('--bucket', SECURE, '--apply', '--json', ...WINDOW);
    const output = JSON.parse(applied.stdout);
    const rolledBack = await enforce('--bucket', SECURE, '--rollback', output.backup, '--json');

    // Assess
    expect(applied.code, applied.stderr).toBe(0);
    expect(output).toMatchObject({ changed: true, applied: true, verified: true });
    expect(JSON.parse(readFileSync(path.join(cwd, output.backup), 'utf8')).previous).toBeNull();
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ rolledBack: true, restored: true, policy: null });
    expect(server.policies.has(SECURE)).toBe(false);
    expect(server.calls).toContain(`DELETE ${SECURE}`);
  });

  it('refuses to apply while enforce-check says not ready, and applies with --force, echoing the reason', async () => {
    // Act
    const refused = await enforce('--bucket', BUSY, '--apply', ...WINDOW);
    const callsWhenRefused = [...server.calls];
    const forced = await enforce('--bucket', BUSY, '--apply', '--force', 'the one HTTP client is retired', ...WINDOW);

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${BUSY}: not applied: enforce-check says not-ready`);
    expect(refused.stderr).toContain('- http-clients: 1 plain-HTTP request from 1 client');
    expect(callsWhenRefused).toEqual([`GET ${BUSY}`]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain(
      '--force: applying although enforce-check says not-ready, because: the one HTTP client is retired',
    );
    expect(server.policies.get(BUSY)).toContain('DenyInsecureTransport');
  });

  it('writes nothing when the policy changed between the read and the write', async () => {
    // Prepare: someone edits the policy right after cleartrail read it.
    const original = readFileSync(CLOUDTRAIL_POLICY, 'utf8').replaceAll('acme-trail-logs', SECURE);
    server.policies.set(SECURE, original);
    const edited = original.replace('management-events', 'all-events');
    server.afterGet = (bucket) => {
      server.policies.set(bucket, edited);
      server.afterGet = undefined;
    };

    // Act
    const { code, stderr } = await enforce('--bucket', SECURE, '--apply', ...WINDOW);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('the bucket policy changed since it was read; nothing was written');
    expect(server.calls.filter((call) => call.startsWith('PUT'))).toEqual([]);
    expect(server.policies.get(SECURE)).toBe(edited);
  });

  it('refuses a rollback over a policy changed since the apply, unless forced', async () => {
    // Prepare
    const applied = await enforce('--bucket', SECURE, '--apply', ...WINDOW);
    const backup = backupNamedIn(applied.stderr);
    const later = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    server.policies.set(SECURE, later);

    // Act
    const refused = await enforce('--bucket', SECURE, '--rollback', backup);
    const policyWhenRefused = server.policies.get(SECURE);
    const forced = await enforce('--bucket', SECURE, '--rollback', backup, '--force', 'the edit was mine, a test');

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the policy changed since cleartrail applied');
    expect(policyWhenRefused).toBe(later);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('because: the edit was mine, a test');
    expect(server.policies.has(SECURE)).toBe(false);
    // The policy the forced rollback replaced is saved too.
    const replacedBackup = backupNamedIn(forced.stderr);
    expect(JSON.parse(readFileSync(path.join(cwd, replacedBackup), 'utf8')).previous).toBe(later);
  });

  it('refuses a backup of another bucket', async () => {
    // Prepare
    const file = path.join(cwd, 'other.json');
    writeFileSync(
      file,
      JSON.stringify({ format: 'cleartrail-bucket-policy-backup/1', bucket: BUSY, previous: null, applied: '{}' }),
    );

    // Act
    const { code, stderr } = await enforce('--bucket', SECURE, '--rollback', file);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(`the backup is of bucket "${BUSY}", not "${SECURE}"`);
    expect(existsSync(file)).toBe(true);
    expect(server.calls).toEqual([]);
  });
});
