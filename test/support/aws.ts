/**
 * SDK clients for tests, pointed at the DynamoDB Local and s3rver that `global-setup.ts` started.
 * Real clients, real wire protocol: nothing here is a mock.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../bin/local/s3rver';

const REGION = 'us-east-1';

/** The local endpoints: from the environment (set by global setup), else from vitest's `inject`. */
export function localEndpoints(): { dynamoDb: string; s3: string } {
  return {
    dynamoDb: process.env.AWS_ENDPOINT_URL_DYNAMODB || inject('dynamoDbEndpoint'),
    s3: process.env.AWS_ENDPOINT_URL_S3 || inject('s3Endpoint'),
  };
}

export function testDynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({ endpoint: localEndpoints().dynamoDb, region: REGION, credentials: LOCAL_CREDENTIALS });
}

export function testS3Client(): S3Client {
  return new S3Client({
    endpoint: localEndpoints().s3,
    region: REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

let counter = 0;

/**
 * A name no other test uses, valid both as an S3 bucket name and as a DynamoDB table name
 * (lowercase letters, digits and hyphens, at most 63 characters).
 *
 * @example uniqueName('log-bucket') // => 'log-bucket-1-k3x9a2f0c1'
 */
export function uniqueName(prefix: string): string {
  counter += 1;
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const suffix = `${process.pid.toString(36)}${counter}-${randomBytes(4).toString('hex')}`;
  return `${(clean || 'test').slice(0, 62 - suffix.length)}-${suffix}`;
}
