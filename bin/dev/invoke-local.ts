/**
 * `npm run invoke:local`: runs the deployed handler, as `sls invoke local` builds it, against
 * local services. It starts DynamoDB Local (in memory) and s3rver, uploads the sample logs of
 * `events/logs/` gzipped under CloudTrail delivery keys into `cleartrail-sample-trail`, creates
 * the table, invokes `processLog` once with an SQS batch, as the deployed queue delivers it:
 * one message per log, each body an S3 notification for it, plus one for a digest file (which
 * the function skips). It prints the function's answer (`batchItemFailures`, empty when every
 * message was handled) and the aggregates with `cleartrail report`. Everything it started is
 * stopped at the end, also on failure or Ctrl-C.
 *
 * `sls invoke local` applies serverless.yml's `environment` (CLEARTRAIL_TABLE = cleartrail-dev
 * for the default stage) over the inherited environment, and sets AWS_REGION from the provider;
 * what serverless.yml does not set, such as AWS_ENDPOINT_URL_*, passes through from here. To
 * override a configured variable, add `--env NAME=value` to the sls command line.
 *
 *   npm run invoke:local [-- --logs DIR] [--event-out FILE]
 *
 * `--event-out` also writes the SQS batch it sends to FILE (events/sqs-batch.json was made so).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { LOCAL_CREDENTIALS, startS3rver } from '../local/s3rver';
import { ensureTable } from '../local/table';

const repoRoot = resolve(__dirname, '../..');
const SAMPLE_BUCKET = 'cleartrail-sample-trail';
/** serverless.yml names the table `${self:service}-${sls:stage}`; invoke local runs stage `dev`. */
const TABLE = 'cleartrail-dev';
const REGION = 'us-east-1';
/** serverless-esbuild hangs when a handler throws at load; no invocation of a small log takes this long. */
const SLS_TIMEOUT_MS = 300_000;
/** `<account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<16 chars>.json`, as delivered but not gzipped. */
const SAMPLE_NAME = /^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T\d{4}Z_[A-Za-z0-9]{16}\.json$/;

let currentChild: ChildProcess | undefined;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      logs: { type: 'string', default: join(repoRoot, 'events/logs') },
      'event-out': { type: 'string' },
    },
  });
  const logsDir = resolve(values.logs as string);
  const samples = readdirSync(logsDir)
    .filter((name) => SAMPLE_NAME.test(name))
    .sort();
  if (samples.length === 0) throw new Error(`no CloudTrail sample logs (${SAMPLE_NAME.source}) in ${logsDir}`);

  const eventsDir = mkdtempSync(join(tmpdir(), 'cleartrail-invoke-local-'));
  const [dynamoDb, s3] = await Promise.all([startDynamoDbLocal(), startS3rver()]);
  const cleanup = async () => {
    currentChild?.kill('SIGTERM');
    rmSync(eventsDir, { recursive: true, force: true });
    await Promise.all([dynamoDb.stop(), s3.stop()]);
  };
  stopOnSignals(cleanup);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    // s3rver predates the SDK's default trailing checksums (see bin/local/s3rver.ts).
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_DEV: 'true',
  };
  // A profile or session token from the developer's shell would win over the local keys.
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;

  try {
    const s3Client = new S3Client({
      endpoint: s3.endpoint,
      region: REGION,
      credentials: LOCAL_CREDENTIALS,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const dynamoDbClient = new DynamoDBClient({
      endpoint: dynamoDb.endpoint,
      region: REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    await s3Client.send(new CreateBucketCommand({ Bucket: SAMPLE_BUCKET }));
    await ensureTable(dynamoDbClient, TABLE);
    dynamoDbClient.destroy();

    const template = JSON.parse(readFileSync(join(repoRoot, 'events/s3-put.json'), 'utf8')) as S3Notification;
    const notifications: S3Notification[] = [];
    for (const [index, name] of samples.entries()) {
      const key = deliveryKey(name);
      const body = gzipSync(readFileSync(join(logsDir, name)));
      await s3Client.send(
        new PutObjectCommand({
          Bucket: SAMPLE_BUCKET,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          ContentEncoding: 'gzip',
        }),
      );
      notifications.push(s3Notification(template, key, body, index));
    }
    // A digest lands under the same prefix with the same suffix; the function skips it unread.
    notifications.push(JSON.parse(readFileSync(join(repoRoot, 'events/s3-put-digest.json'), 'utf8')) as S3Notification);
    const batch = sqsBatch(notifications);
    const eventFile = join(eventsDir, 'sqs-batch.json');
    writeFileSync(eventFile, `${JSON.stringify(batch, null, 2)}\n`);
    if (values['event-out']) writeFileSync(resolve(values['event-out']), `${JSON.stringify(batch, null, 2)}\n`);

    console.error(
      `\n=== invoke processLog: one SQS batch of ${batch.Records.length} messages (${samples.length} logs, 1 digest)`,
    );
    const invoked = await run(
      join(repoRoot, 'node_modules/.bin/sls'),
      ['invoke', 'local', '-f', 'processLog', '-p', eventFile, `--param=logBucket=${SAMPLE_BUCKET}`],
      env,
      SLS_TIMEOUT_MS,
    );
    if (invoked !== 0) throw new Error(`sls invoke local failed (exit code ${invoked})`);
    s3Client.destroy();

    console.error(`\n=== aggregates in ${TABLE}`);
    const code = await run(
      process.execPath,
      [join(repoRoot, 'bin/cleartrail.js'), 'report', '--table', TABLE, '--region', REGION],
      env,
      SLS_TIMEOUT_MS,
    );
    return code;
  } finally {
    await cleanup();
  }
}

/** The parts of events/s3-put.json that change per object. */
interface S3Notification {
  Records: Array<{ eventTime: string; s3: { bucket: Record<string, unknown>; object: Record<string, unknown> } }>;
}

/** `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<name>.json.gz`, the layout CloudTrail delivers to. */
function deliveryKey(name: string): string {
  const [, account, region, year, month, day] = SAMPLE_NAME.exec(name) as RegExpExecArray;
  return `AWSLogs/${account}/CloudTrail/${region}/${year}/${month}/${day}/${name}.gz`;
}

/**
 * An S3 ObjectCreated notification for one uploaded object, shaped like the real one in
 * events/s3-put.json. The key is URL-encoded with `+` for a space, as S3 writes it (s3rver's
 * own events would carry it unencoded, which real S3 never does).
 */
function s3Notification(template: S3Notification, key: string, body: Buffer, index: number): S3Notification {
  const event = structuredClone(template);
  const record = event.Records[0];
  if (!record) throw new Error('events/s3-put.json has no record');
  record.eventTime = new Date().toISOString();
  record.s3.bucket = { ...record.s3.bucket, name: SAMPLE_BUCKET, arn: `arn:aws:s3:::${SAMPLE_BUCKET}` };
  record.s3.object = {
    key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'),
    size: body.length,
    eTag: createHash('md5').update(body).digest('hex'),
    sequencer: (0x0067ceb00b1a2b3c4dn + BigInt(index)).toString(16).toUpperCase().padStart(18, '0'),
  };
  return event;
}

/** The queue and configuration Id a `dev` stack creates (serverless.yml, LogObjectsQueue). */
const QUEUE_ARN = `arn:aws:sqs:${REGION}:111122223333:cleartrail-dev-log-objects`;

/**
 * An SQS event as Lambda's event source mapping delivers it, one message per notification,
 * shaped like events/sqs-s3.json. The body is the notification as S3 sends it to the queue.
 */
function sqsBatch(notifications: S3Notification[]): { Records: Array<Record<string, unknown>> } {
  const sent = Date.now();
  return {
    Records: notifications.map((notification, index) => {
      for (const record of notification.Records) {
        (record.s3 as Record<string, unknown>).configurationId = 'cleartrail-dev-log-objects';
      }
      const body = JSON.stringify(notification);
      return {
        messageId: randomUUID(),
        receiptHandle: Buffer.from(`cleartrail-invoke-local-${index}-${randomUUID()}`).toString('base64'),
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(sent + index),
          SenderId: 'AROAZ4XAMPLES3NOTIFY:S3-PROD-END',
          ApproximateFirstReceiveTimestamp: String(sent + index + 5),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(body).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: QUEUE_ARN,
        awsRegion: REGION,
      };
    }),
  };
}

/**
 * Runs a command with inherited output. The child leads its own process group, so a timeout or
 * Ctrl-C stops sls together with the esbuild and node processes it started.
 */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: 'inherit', detached: true });
    currentChild = child;
    const timer = setTimeout(() => {
      console.error(`timed out after ${timeoutMs / 1000} s: ${command} ${args.join(' ')}`);
      killGroup(child, 'SIGKILL');
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      currentChild = undefined;
      resolveRun(code ?? (signal ? 128 : 1));
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

function stopOnSignals(cleanup: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (currentChild) killGroup(currentChild, 'SIGTERM');
      cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`invoke:local: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
