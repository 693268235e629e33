import type { NotificationConfiguration, QueueConfiguration } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { InvalidCustomResourceRequestError } from '../../lib/core/errors';
import {
  type LogObjectsNotification,
  parseLogObjectsNotification,
  plannedNotificationConfiguration,
  sameNotificationConfiguration,
  withEventBridgeDelivery,
  withLogObjectsNotification,
  withoutLogObjectsNotification,
} from '../../lib/lambda/bucket-notification';

const ours: LogObjectsNotification = {
  id: 'cleartrail-prod-log-objects',
  queueArn: 'arn:aws:sqs:us-east-1:111122223333:cleartrail-prod-log-objects',
  prefix: 'AWSLogs/',
  suffix: '.json.gz',
};

const ourEntry: QueueConfiguration = {
  Id: ours.id,
  QueueArn: ours.queueArn,
  Events: ['s3:ObjectCreated:*'],
  Filter: {
    Key: {
      FilterRules: [
        { Name: 'prefix', Value: 'AWSLogs/' },
        { Name: 'suffix', Value: '.json.gz' },
      ],
    },
  },
};

/** What a user's bucket may already hold: another queue, a topic, a function and EventBridge. */
const theirs: NotificationConfiguration = {
  QueueConfigurations: [
    {
      Id: 'siem-loader',
      QueueArn: 'arn:aws:sqs:us-east-1:111122223333:siem',
      Events: ['s3:ObjectCreated:Put'],
      Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'AWSLogs/111122223333/elasticloadbalancing/' }] } },
    },
  ],
  TopicConfigurations: [
    { Id: 'deletions', TopicArn: 'arn:aws:sns:us-east-1:111122223333:deletions', Events: ['s3:ObjectRemoved:*'] },
  ],
  LambdaFunctionConfigurations: [
    {
      Id: 'thumbnails',
      LambdaFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:thumbnails',
      Events: ['s3:ObjectCreated:*'],
      Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'images/' }] } },
    },
  ],
  EventBridgeConfiguration: {},
};

describe('Function: withLogObjectsNotification', () => {
  it('adds the entry to an empty configuration', () => {
    // Act
    const next = withLogObjectsNotification({}, ours);

    // Assess
    expect(next).toEqual({ QueueConfigurations: [ourEntry] });
  });

  it('adds the entry after the other entries and keeps all of them as they are', () => {
    // Prepare
    const before = structuredClone(theirs);

    // Act
    const next = withLogObjectsNotification(theirs, ours);

    // Assess
    expect(next).toEqual({ ...theirs, QueueConfigurations: [...(theirs.QueueConfigurations ?? []), ourEntry] });
    expect(theirs).toEqual(before);
  });

  it('updates the entry in place when its Id is there', () => {
    // Prepare
    const current = withLogObjectsNotification(
      withLogObjectsNotification({}, { ...ours, queueArn: 'arn:aws:sqs:us-east-1:111122223333:old', prefix: 'old/' }),
      { ...ours, id: 'another-stack-log-objects' },
    );

    // Act
    const next = withLogObjectsNotification(current, ours);

    // Assess
    expect(next.QueueConfigurations).toHaveLength(2);
    expect(next.QueueConfigurations?.[0]).toEqual(ourEntry);
    expect(next.QueueConfigurations?.[1]?.Id).toBe('another-stack-log-objects');
  });

  it('is idempotent: applying it twice changes nothing the second time', () => {
    // Act
    const once = withLogObjectsNotification(theirs, ours);
    const twice = withLogObjectsNotification(once, ours);

    // Assess
    expect(twice).toEqual(once);
    expect(sameNotificationConfiguration(once, twice)).toBe(true);
    expect(sameNotificationConfiguration(theirs, once)).toBe(false);
  });

  it('drops the $metadata of a GetBucketNotificationConfiguration answer, which Put would refuse', () => {
    // Act
    const next = withLogObjectsNotification({ $metadata: { httpStatusCode: 200 } } as NotificationConfiguration, ours);

    // Assess
    expect(Object.keys(next)).toEqual(['QueueConfigurations']);
  });
});

describe('Function: withoutLogObjectsNotification', () => {
  it('removes only the entry with its Id', () => {
    // Prepare
    const current = withLogObjectsNotification(theirs, ours);

    // Act
    const next = withoutLogObjectsNotification(current, ours);

    // Assess
    expect(next).toEqual(theirs);
  });

  it('leaves no empty list behind when the entry was the only one', () => {
    // Act
    const next = withoutLogObjectsNotification(withLogObjectsNotification({}, ours), ours);

    // Assess
    expect(next).toEqual({});
    expect(sameNotificationConfiguration(next, { QueueConfigurations: [] })).toBe(true);
  });

  it('changes nothing when the entry is not there (a repeated delete)', () => {
    // Act
    const next = withoutLogObjectsNotification(theirs, ours);

    // Assess
    expect(next).toEqual(theirs);
    expect(sameNotificationConfiguration(theirs, next)).toBe(true);
  });
});

describe('Function: sameNotificationConfiguration', () => {
  it('ignores the order of object keys but not the order of entries', () => {
    // Prepare
    const a: NotificationConfiguration = { QueueConfigurations: [ourEntry], EventBridgeConfiguration: {} };
    const { Filter, Events, QueueArn, Id } = ourEntry;
    const reordered: NotificationConfiguration = {
      EventBridgeConfiguration: {},
      QueueConfigurations: [{ Filter, Events, QueueArn, Id }],
    };
    const other = theirs.QueueConfigurations?.[0];
    if (!other) throw new Error('fixture has no queue entry');

    // Assess
    expect(sameNotificationConfiguration(a, reordered)).toBe(true);
    expect(
      sameNotificationConfiguration(
        { QueueConfigurations: [ourEntry, other] },
        { QueueConfigurations: [other, ourEntry] },
      ),
    ).toBe(false);
  });
});

describe('Function: parseLogObjectsNotification', () => {
  it('reads the properties the template passes', () => {
    // Act
    const parsed = parseLogObjectsNotification({
      ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:x',
      Bucket: 'trail',
      Id: ours.id,
      QueueArn: ours.queueArn,
      Prefix: 'AWSLogs/',
      Suffix: '.json.gz',
    });

    // Assess
    expect(parsed).toEqual({ bucket: 'trail', ...ours, trigger: 's3', prefixParameter: 'logPrefix' });
  });

  it('names the missing property', () => {
    expect(() => parseLogObjectsNotification({ Bucket: 'trail', Id: 'x', QueueArn: 'y', Suffix: '.json.gz' })).toThrow(
      new InvalidCustomResourceRequestError('ResourceProperties.Prefix must be a string'),
    );
    expect(() => parseLogObjectsNotification({ Id: 'x', QueueArn: 'y', Prefix: '', Suffix: '' })).toThrow(
      new InvalidCustomResourceRequestError('ResourceProperties.Bucket must be a non-empty string'),
    );
  });

  it('filters an access-log entry by its prefix alone: access-log objects have no suffix', () => {
    // Prepare
    const wanted = parseLogObjectsNotification({
      Bucket: 'access',
      Id: 'x',
      QueueArn: 'y',
      Prefix: 'logs/',
      Suffix: '',
    });

    // Act
    const next = withLogObjectsNotification({}, wanted);

    // Assess
    expect(next.QueueConfigurations?.[0]?.Filter).toEqual({
      Key: { FilterRules: [{ Name: 'prefix', Value: 'logs/' }] },
    });
    const unfiltered = withLogObjectsNotification({}, { ...wanted, prefix: '' });
    expect(unfiltered.QueueConfigurations?.[0]).not.toHaveProperty('Filter');
  });
});

describe('Function: withoutLogObjectsNotification, matched by Id and queue ARN', () => {
  it("keeps an entry with cleartrail's Id that sends to another queue: it is not cleartrail's", () => {
    // Prepare
    const lookalike: QueueConfiguration = { ...ourEntry, QueueArn: 'arn:aws:sqs:us-east-1:111122223333:someone-else' };

    // Act
    const next = withoutLogObjectsNotification({ QueueConfigurations: [lookalike, ourEntry] }, ours);

    // Assess
    expect(next).toEqual({ QueueConfigurations: [lookalike] });
  });

  it('leaves EventBridge delivery on: other consumers may use it', () => {
    expect(
      withoutLogObjectsNotification({ QueueConfigurations: [ourEntry], EventBridgeConfiguration: {} }, ours),
    ).toEqual({
      EventBridgeConfiguration: {},
    });
  });
});

describe('Function: withEventBridgeDelivery', () => {
  it('switches the flag on and changes no entry', () => {
    const { EventBridgeConfiguration: _on, ...withoutFlag } = theirs;
    expect(withEventBridgeDelivery(withoutFlag)).toEqual(theirs);
    expect(sameNotificationConfiguration(withEventBridgeDelivery(theirs), theirs)).toBe(true);
  });
});

describe('Function: plannedNotificationConfiguration', () => {
  const wanted = (trigger: 's3' | 'eventbridge' | 'cloudtrail-sns') => ({ ...ours, bucket: 'trail', trigger });
  /** Their entries without the one that overlaps cleartrail's (the SIEM's ObjectCreated:Put under AWSLogs/). */
  const disjoint: NotificationConfiguration = {
    TopicConfigurations: theirs.TopicConfigurations,
    LambdaFunctionConfigurations: theirs.LambdaFunctionConfigurations,
  };

  it('s3: adds its entry after entries that do not overlap it, keeping them as they are', () => {
    expect(plannedNotificationConfiguration(disjoint, wanted('s3'))).toEqual({
      next: { ...disjoint, QueueConfigurations: [ourEntry] },
    });
  });

  it('s3: refuses an overlapping entry, naming its id and destination and the triggers that need no entry', () => {
    // Act
    const planned = plannedNotificationConfiguration(theirs, wanted('s3'));

    // Assess
    expect(planned).not.toHaveProperty('next');
    const refusal = 'refusal' in planned ? planned.refusal : '';
    expect(refusal).toContain('bucket trail already has the notification entry "siem-loader"');
    expect(refusal).toContain('s3:ObjectCreated:Put to arn:aws:sqs:us-east-1:111122223333:siem');
    expect(refusal).toContain('--param="trigger=eventbridge"');
    expect(refusal).toContain('--param="trigger=cloudtrail-sns"');
  });

  it('s3: its own entry from an earlier deploy is no overlap; it is replaced in place', () => {
    const earlier: QueueConfiguration = { ...ourEntry, Events: ['s3:ObjectCreated:Put'] };
    expect(plannedNotificationConfiguration({ ...disjoint, QueueConfigurations: [earlier] }, wanted('s3'))).toEqual({
      next: { ...disjoint, QueueConfigurations: [ourEntry] },
    });
  });

  it('eventbridge: only the EventBridge flag, every entry kept, overlapping ones too', () => {
    const { EventBridgeConfiguration: _on, ...withoutFlag } = theirs;
    expect(plannedNotificationConfiguration(withoutFlag, wanted('eventbridge'))).toEqual({ next: theirs });
  });

  it('eventbridge and cloudtrail-sns: drop the entry an earlier s3 deploy left, nothing else', () => {
    const withOurs: NotificationConfiguration = { ...disjoint, QueueConfigurations: [ourEntry] };
    expect(plannedNotificationConfiguration(withOurs, wanted('eventbridge'))).toEqual({
      next: { ...disjoint, EventBridgeConfiguration: {} },
    });
    expect(plannedNotificationConfiguration(withOurs, wanted('cloudtrail-sns'))).toEqual({ next: disjoint });
  });
});

describe('Function: parseLogObjectsNotification, the trigger', () => {
  const properties = { Bucket: 'trail', Id: 'x', QueueArn: 'y', Prefix: 'AWSLogs/', Suffix: '.json.gz' };

  it.each(['s3', 'eventbridge', 'cloudtrail-sns'] as const)('reads Trigger %s', (trigger) => {
    expect(parseLogObjectsNotification({ ...properties, Trigger: trigger }).trigger).toBe(trigger);
  });

  it('refuses another Trigger by name, and reads PrefixParameter', () => {
    expect(() => parseLogObjectsNotification({ ...properties, Trigger: 'sns' })).toThrow(
      /ResourceProperties.Trigger is "sns", expected one of s3, eventbridge, cloudtrail-sns/,
    );
    expect(parseLogObjectsNotification({ ...properties, PrefixParameter: 'accessLogPrefix' }).prefixParameter).toBe(
      'accessLogPrefix',
    );
  });

  it("ignores the properties it does not read (WaitsFor orders the resources, ServiceTimeout is CloudFormation's)", () => {
    expect(
      parseLogObjectsNotification({
        ...properties,
        WaitsFor: 'trail/cleartrail-prod-log-objects',
        ServiceTimeout: '120',
      }),
    ).toEqual(parseLogObjectsNotification(properties));
  });
});
