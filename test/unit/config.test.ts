import { describe, expect, it } from 'vitest';
import { loadHandlerConfig } from '../../lib/config';
import { ConfigurationError } from '../../lib/errors';

const BASE = { CLEARTRAIL_TABLE: 'cleartrail-prod', CLEARTRAIL_LOG_BUCKET: 'my-trail-bucket' };

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
