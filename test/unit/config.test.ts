import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lib/core/errors';
import { loadHandlerConfig } from '../../lib/lambda/config';

const BASE = { CLEARTRAIL_TABLE: 'cleartrail-dev', CLEARTRAIL_LOG_BUCKET: 'trail' };

describe('Function: loadHandlerConfig, access logs', () => {
  it('reads no access logs when their bucket is empty, as the deployment passes it by default', () => {
    const config = loadHandlerConfig({ ...BASE, CLEARTRAIL_ACCESS_LOG_BUCKET: '', CLEARTRAIL_ACCESS_LOG_PREFIX: '' });
    expect(config.accessLogs).toBeUndefined();
  });

  it('reads the access-log bucket and prefix', () => {
    const config = loadHandlerConfig({
      ...BASE,
      CLEARTRAIL_ACCESS_LOG_BUCKET: 'acme-access-logs',
      CLEARTRAIL_ACCESS_LOG_PREFIX: 'logs-',
    });
    expect(config.accessLogs).toEqual({ bucket: 'acme-access-logs', prefix: 'logs-' });
  });

  it.each([
    [
      { CLEARTRAIL_ACCESS_LOG_BUCKET: 'Not_A_Bucket' },
      'CLEARTRAIL_ACCESS_LOG_BUCKET="Not_A_Bucket" is not an S3 bucket name',
    ],
    [
      { CLEARTRAIL_ACCESS_LOG_PREFIX: 'logs/' },
      'CLEARTRAIL_ACCESS_LOG_PREFIX="logs/" is set without CLEARTRAIL_ACCESS_LOG_BUCKET',
    ],
    [
      { CLEARTRAIL_ACCESS_LOG_BUCKET: 'acme-access-logs', CLEARTRAIL_ACCESS_LOG_PREFIX: 'logs\n' },
      'CLEARTRAIL_ACCESS_LOG_PREFIX="logs\\n" is not a usable key prefix',
    ],
  ])('names the variable and the bad value: %j', (env, message) => {
    expect(() => loadHandlerConfig({ ...BASE, ...env })).toThrow(new ConfigurationError(message));
  });
});

describe('Function: loadHandlerConfig, the alert topic', () => {
  it('takes a standard SNS topic ARN, and no topic when the variable is empty or unset', () => {
    const arn = 'arn:aws:sns:eu-west-1:111122223333:cleartrail-prod-new-http-clients';
    expect(loadHandlerConfig({ ...BASE, CLEARTRAIL_ALERT_TOPIC_ARN: arn }).alertTopicArn).toBe(arn);
    expect(
      loadHandlerConfig({ ...BASE, CLEARTRAIL_ALERT_TOPIC_ARN: 'arn:aws-us-gov:sns:us-gov-west-1:111122223333:ops' })
        .alertTopicArn,
    ).toBe('arn:aws-us-gov:sns:us-gov-west-1:111122223333:ops');
    expect(loadHandlerConfig({ ...BASE, CLEARTRAIL_ALERT_TOPIC_ARN: '' }).alertTopicArn).toBeUndefined();
    expect(loadHandlerConfig(BASE).alertTopicArn).toBeUndefined();
  });

  it.each([
    'ops@example.com',
    'cleartrail-prod-new-http-clients',
    'arn:aws:sns:eu-west-1:111122223333:alerts.fifo',
    'arn:aws:sqs:eu-west-1:111122223333:alerts',
    'arn:aws:sns:eu-west-1:1111:alerts',
  ])('refuses %s, naming the variable and the value', (value) => {
    expect(() => loadHandlerConfig({ ...BASE, CLEARTRAIL_ALERT_TOPIC_ARN: value })).toThrow(ConfigurationError);
    expect(() => loadHandlerConfig({ ...BASE, CLEARTRAIL_ALERT_TOPIC_ARN: value })).toThrow(
      `CLEARTRAIL_ALERT_TOPIC_ARN=${JSON.stringify(value)} is not the ARN of a standard SNS topic`,
    );
  });
});
