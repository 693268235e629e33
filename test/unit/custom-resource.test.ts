import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customResourceResponse, sendCustomResourceResponse, withinDeadline } from '../../lib/lambda/custom-resource';

const create: CloudFormationCustomResourceEvent = {
  RequestType: 'Create',
  ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:cleartrail-dev-logObjectsNotification',
  ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x',
  StackId: 'arn:aws:cloudformation:us-east-1:111122223333:stack/cleartrail-dev/1',
  RequestId: 'req-1',
  LogicalResourceId: 'LogObjectsNotification',
  ResourceType: 'Custom::LogObjectsNotification',
  ResourceProperties: { ServiceToken: 'x' },
};

describe('Function: customResourceResponse', () => {
  it('answers SUCCESS with the physical id it is given', () => {
    expect(
      customResourceResponse(create, { status: 'SUCCESS', physicalResourceId: 'trail/cleartrail-dev-log-objects' }),
    ).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'trail/cleartrail-dev-log-objects',
      StackId: create.StackId,
      RequestId: 'req-1',
      LogicalResourceId: 'LogObjectsNotification',
    });
  });

  it('keeps the existing physical id when an update fails, so CloudFormation deletes nothing', () => {
    // Prepare
    const update: CloudFormationCustomResourceEvent = {
      ...create,
      RequestType: 'Update',
      PhysicalResourceId: 'trail/cleartrail-dev-log-objects',
      OldResourceProperties: { ServiceToken: 'x' },
    };

    // Act
    const response = customResourceResponse(update, { status: 'FAILED', reason: 'AccessDenied' });

    // Assess
    expect(response).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: 'trail/cleartrail-dev-log-objects',
      Reason: 'AccessDenied',
    });
  });

  it('names a failed create after its request, and cuts a long reason', () => {
    const response = customResourceResponse(create, { status: 'FAILED', reason: 'x'.repeat(10_000) });
    expect(response.PhysicalResourceId).toBe('LogObjectsNotification-req-1');
    expect(response.Reason?.length).toBe(3500);
  });
});

describe('Function: sendCustomResourceResponse', () => {
  const received: Array<{ method?: string; headers: IncomingHttpHeaders; body: string }> = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      received.push({ method: request.method, headers: request.headers, body });
      response.statusCode = request.url === '/refuse' ? 403 : 200;
      response.end();
    });
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('PUTs the JSON answer without a content type, as the pre-signed URL requires', async () => {
    // Prepare
    const answer = customResourceResponse(create, { status: 'SUCCESS', physicalResourceId: 'p' });

    // Act
    await sendCustomResourceResponse(`${base}/ok`, answer);

    // Assess
    const last = received.at(-1);
    expect(last?.method).toBe('PUT');
    expect(last?.headers['content-type'] ?? '').toBe('');
    expect(JSON.parse(last?.body ?? '')).toEqual(answer);
  });

  it('throws when the URL refuses the answer', async () => {
    const answer = customResourceResponse(create, { status: 'SUCCESS', physicalResourceId: 'p' });
    await expect(sendCustomResourceResponse(`${base}/refuse`, answer)).rejects.toThrow(/HTTP 403/);
  });
});

describe('Function: withinDeadline (an answer before the function times out)', () => {
  const settleAfter = <T>(milliseconds: number, value: T) =>
    new Promise<T>((resolve) => setTimeout(() => resolve(value), milliseconds));

  it('gives the result of work that finishes in time', async () => {
    await expect(withinDeadline(settleAfter(5, 'done'), 1_000, 'Create of X')).resolves.toBe('done');
  });

  it('passes on the error of work that fails in time', async () => {
    await expect(withinDeadline(Promise.reject(new Error('AccessDenied')), 1_000, 'Create of X')).rejects.toThrow(
      'AccessDenied',
    );
  });

  it('rejects once the time is up, saying what did not finish and in how long', async () => {
    const started = Date.now();
    await expect(withinDeadline(settleAfter(5_000, 'late'), 50, 'Create of LogObjectsNotification')).rejects.toThrow(
      'Create of LogObjectsNotification did not finish within 0 s',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(withinDeadline(settleAfter(5_000, 'late'), 1_500, 'Update of X')).rejects.toThrow(
      'Update of X did not finish within 2 s',
    );
  });

  it('a deadline already passed (no time left) rejects at once', async () => {
    await expect(withinDeadline(settleAfter(1_000, 'late'), -10_000, 'Delete of X')).rejects.toThrow(/did not finish/);
  });
});
