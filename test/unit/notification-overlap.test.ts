import type { FilterRuleName } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { entriesOverlap, type NotificationEntry } from '../../lib/core/notification-overlap';
import { notificationEntries } from '../../lib/lambda/notification-entries';

const ours: NotificationEntry = {
  id: 'cleartrail-prod-log-objects',
  destination: 'arn:aws:sqs:us-east-1:111122223333:cleartrail-prod-log-objects',
  events: ['s3:ObjectCreated:*'],
  prefix: 'AWSLogs/',
  suffix: '.json.gz',
};
const entry = (fields: Partial<NotificationEntry>): NotificationEntry => ({
  id: 'theirs',
  destination: 'arn:aws:sqs:us-east-1:111122223333:theirs',
  events: ['s3:ObjectCreated:*'],
  prefix: '',
  suffix: '',
  ...fields,
});

describe('Function: entriesOverlap (the rule S3 applies to two entries of one bucket)', () => {
  it.each([
    ['the same events, prefix and suffix', entry({ prefix: 'AWSLogs/', suffix: '.json.gz' }), true],
    ['no filter at all: every object', entry({}), true],
    ['a longer prefix inside ours', entry({ prefix: 'AWSLogs/111122223333/' }), true],
    ['a shorter prefix around ours', entry({ prefix: 'AWS' }), true],
    ['a suffix that ours ends with', entry({ suffix: '.gz' }), true],
    ['one created event inside ObjectCreated:*', entry({ events: ['s3:ObjectCreated:Put'] }), true],
    [
      'ObjectCreated:* against a single created event',
      entry({ events: ['s3:ObjectCreated:CompleteMultipartUpload'] }),
      true,
    ],
    ['removals only', entry({ events: ['s3:ObjectRemoved:*'] }), false],
    ['restores and replication', entry({ events: ['s3:ObjectRestore:Completed', 's3:Replication:*'] }), false],
    ['a disjoint prefix', entry({ prefix: 'images/' }), false],
    ['a disjoint suffix', entry({ suffix: '.csv' }), false],
    ['a prefix that only shares a start with ours', entry({ prefix: 'AWSLogs-old/' }), false],
  ])('%s: %s', (_what, theirs, overlap) => {
    expect(entriesOverlap(theirs, ours)).toBe(overlap);
    // The rule is symmetric: the order of the two entries does not matter.
    expect(entriesOverlap(ours, theirs)).toBe(overlap);
  });

  it('two single event types overlap only when they are the same', () => {
    const put = { ...ours, events: ['s3:ObjectCreated:Put'] };
    expect(entriesOverlap(put, entry({ events: ['s3:ObjectCreated:Post'] }))).toBe(false);
    expect(entriesOverlap(put, entry({ events: ['s3:ObjectCreated:Put'] }))).toBe(true);
  });
});

describe('Function: notificationEntries', () => {
  it('lists queue, topic and function entries with their destinations, filters read whatever their case', () => {
    // S3 answers the rule names as Prefix and Suffix though it takes prefix and suffix.
    const entries = notificationEntries({
      QueueConfigurations: [
        {
          Id: 'q',
          QueueArn: 'arn:aws:sqs:us-east-1:111122223333:q',
          Events: ['s3:ObjectCreated:*'],
          Filter: {
            Key: {
              FilterRules: [
                { Name: 'Prefix' as FilterRuleName, Value: 'AWSLogs/' },
                { Name: 'Suffix' as FilterRuleName, Value: '.gz' },
              ],
            },
          },
        },
      ],
      TopicConfigurations: [
        { Id: 't', TopicArn: 'arn:aws:sns:us-east-1:111122223333:t', Events: ['s3:ObjectRemoved:*'] },
      ],
      LambdaFunctionConfigurations: [
        {
          LambdaFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:f',
          Events: ['s3:ObjectCreated:Put'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } },
        },
      ],
      EventBridgeConfiguration: {},
    });

    expect(entries).toEqual([
      {
        id: 'q',
        destination: 'arn:aws:sqs:us-east-1:111122223333:q',
        events: ['s3:ObjectCreated:*'],
        prefix: 'AWSLogs/',
        suffix: '.gz',
      },
      {
        id: 't',
        destination: 'arn:aws:sns:us-east-1:111122223333:t',
        events: ['s3:ObjectRemoved:*'],
        prefix: '',
        suffix: '',
      },
      {
        id: '(no id)',
        destination: 'arn:aws:lambda:us-east-1:111122223333:function:f',
        events: ['s3:ObjectCreated:Put'],
        prefix: 'in/',
        suffix: '',
      },
    ]);
  });

  it('finds no entry in EventBridge delivery alone: it never conflicts', () => {
    expect(notificationEntries({ EventBridgeConfiguration: {} })).toEqual([]);
  });
});
