/**
 * Builds the CLI (dist/) and starts the local AWS services once for the whole test run, before any
 * worker exists.
 *
 * Workers see the endpoints two ways: as environment variables (set here, in the main process,
 * before the pool forks or spawns its workers, which copy the environment), so that code under
 * test finds them exactly as it would in Lambda, through the SDK's `AWS_ENDPOINT_URL_*`; and
 * through vitest's `provide`/`inject`, which `test/support/aws.ts` falls back to.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../bin/local/dynamodb-local';
import { LOCAL_CREDENTIALS, startS3rver } from '../../bin/local/s3rver';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
    s3Endpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Before the first SDK client: the SDK warns once per process that releases after January 2027
  // need Node 22; noise in test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // The tests that run `bin/cleartrail.js` run the compiled CLI: compiled here from the sources
  // under test, so a stale dist/ from an earlier `npm ci` is never what they see.
  execFileSync(process.execPath, [path.join(__dirname, '../../bin/dev/build-cli.mjs')], { stdio: 'inherit' });
  const [dynamoDb, s3] = await Promise.all([startDynamoDbLocal(), startS3rver()]);

  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // s3rver predates the SDK's default trailing checksums (see bin/local/s3rver.ts).
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    // The CLI tests' shared DynamoDB Local servers stop soon after their last command, not after 10 minutes.
    CLEARTRAIL_STORE_IDLE: '20s',
  });
  // No session token or profile from the developer's shell may leak into signed local requests.
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  project.provide('dynamoDbEndpoint', dynamoDb.endpoint);
  project.provide('s3Endpoint', s3.endpoint);

  return async () => {
    await Promise.all([dynamoDb.stop(), s3.stop()]);
  };
}
