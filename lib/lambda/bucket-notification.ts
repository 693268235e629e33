import type { Event, NotificationConfiguration, QueueConfiguration } from '@aws-sdk/client-s3';
import { InvalidCustomResourceRequestError } from '../core/errors';
import { entriesOverlap, type NotificationEntry } from '../core/notification-overlap';
import { notificationEntries } from './notification-entries';

/** How log objects reach the queue: the stack's `trigger` parameter. */
export const TRIGGERS = ['s3', 'eventbridge', 'cloudtrail-sns'] as const;
export type LogTrigger = (typeof TRIGGERS)[number];

/** The events cleartrail's entry asks for: every way an object is created. */
const OUR_EVENTS: readonly Event[] = ['s3:ObjectCreated:*'];

/**
 * Cleartrail's one entry in the trail bucket's notification configuration: ObjectCreated
 * events for `.json.gz` objects under the log prefix, sent to the log-objects queue. The Id is
 * unique to the stack; it is the only thing that marks the entry as cleartrail's.
 */
export interface LogObjectsNotification {
  id: string;
  queueArn: string;
  prefix: string;
  suffix: string;
}

/**
 * The configuration with cleartrail's entry added, or replaced in place when an entry with
 * the same Id is there. Every other entry (queues, topics, functions, EventBridge delivery) is
 * kept as it is, in its order: the bucket belongs to the user, and S3's
 * PutBucketNotificationConfiguration replaces the whole configuration.
 *
 * @example
 * const next = withLogObjectsNotification(current, { id: 'cleartrail-prod-log-objects', queueArn, prefix: 'AWSLogs/', suffix: '.json.gz' });
 * if (!sameNotificationConfiguration(current, next)) await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: next }));
 */
export function withLogObjectsNotification(
  current: NotificationConfiguration,
  notification: LogObjectsNotification,
): NotificationConfiguration {
  const entry = queueConfiguration(notification);
  const queues = current.QueueConfigurations ?? [];
  const index = queues.findIndex((queue) => queue.Id === notification.id);
  const next = index === -1 ? [...queues, entry] : queues.map((queue, i) => (i === index ? entry : queue));
  return { ...ownFields(current), QueueConfigurations: next };
}

/**
 * The configuration without cleartrail's entry: the one with its Id that sends to its queue, so
 * an entry someone else named alike is never taken. Unchanged when there is none.
 */
export function withoutLogObjectsNotification(
  current: NotificationConfiguration,
  { id, queueArn }: Pick<LogObjectsNotification, 'id' | 'queueArn'>,
): NotificationConfiguration {
  const queues = (current.QueueConfigurations ?? []).filter((queue) => queue.Id !== id || queue.QueueArn !== queueArn);
  const { QueueConfigurations: _ours, ...rest } = ownFields(current);
  return queues.length > 0 ? { ...rest, QueueConfigurations: queues } : rest;
}

/** The configuration with the bucket's EventBridge delivery on; every entry stays as it is. */
export function withEventBridgeDelivery(current: NotificationConfiguration): NotificationConfiguration {
  return { ...ownFields(current), EventBridgeConfiguration: {} };
}

/**
 * What the custom resource writes for the trigger, or why it refuses. With `s3` it adds its
 * entry, unless another entry overlaps it (S3 would refuse the whole configuration): then the
 * answer names that entry and the triggers that need no entry. With `eventbridge` it switches
 * EventBridge delivery on, and with `cloudtrail-sns` it needs nothing of the bucket; both drop
 * an entry of its own left from an earlier `s3` deployment.
 */
export function plannedNotificationConfiguration(
  current: NotificationConfiguration,
  wanted: LogObjectsNotification & { bucket: string; trigger: LogTrigger },
): { next: NotificationConfiguration } | { refusal: string } {
  const withoutOurs = withoutLogObjectsNotification(current, wanted);
  if (wanted.trigger === 'eventbridge') return { next: withEventBridgeDelivery(withoutOurs) };
  if (wanted.trigger === 'cloudtrail-sns') return { next: withoutOurs };
  const ours: NotificationEntry = {
    id: wanted.id,
    destination: wanted.queueArn,
    events: [...OUR_EVENTS],
    prefix: wanted.prefix,
    suffix: wanted.suffix,
  };
  const overlapping = notificationEntries(current).find(
    (entry) => entry.id !== wanted.id && entriesOverlap(entry, ours),
  );
  if (overlapping) {
    return {
      refusal:
        `bucket ${wanted.bucket} already has the notification entry ${JSON.stringify(overlapping.id)} ` +
        `(${overlapping.events.join(', ')} to ${overlapping.destination}, prefix ${JSON.stringify(overlapping.prefix)}, ` +
        `suffix ${JSON.stringify(overlapping.suffix)}), which overlaps cleartrail's ` +
        `(prefix ${JSON.stringify(wanted.prefix)}, suffix ${JSON.stringify(wanted.suffix)}), and S3 refuses overlapping entries. ` +
        'Leave that entry alone and deploy with --param="trigger=eventbridge" (S3 sends the events to EventBridge as well) ' +
        'or --param="trigger=cloudtrail-sns" --param="cloudtrailTopicArn=<the trail\'s SNS topic>"',
    };
  }
  return { next: withLogObjectsNotification(current, wanted) };
}

/**
 * Whether two configurations say the same, so that a repeated request (CloudFormation retries,
 * an update that changes nothing here) does not rewrite the user's bucket configuration.
 */
export function sameNotificationConfiguration(a: NotificationConfiguration, b: NotificationConfiguration): boolean {
  return canonical(ownFields(a)) === canonical(ownFields(b));
}

/**
 * Reads the properties the stack passes to the custom resource. CloudFormation passes every
 * property as a string; an empty or missing one is a template mistake, said here by name.
 */
export function parseLogObjectsNotification(
  properties: unknown,
): { bucket: string; trigger: LogTrigger; prefixParameter: string } & LogObjectsNotification {
  if (typeof properties !== 'object' || properties === null) {
    throw new InvalidCustomResourceRequestError('ResourceProperties must be an object');
  }
  const read = (name: string, options: { mayBeEmpty?: boolean } = {}): string => {
    const value = (properties as Record<string, unknown>)[name];
    if (typeof value !== 'string' || (value === '' && !options.mayBeEmpty)) {
      throw new InvalidCustomResourceRequestError(
        `ResourceProperties.${name} must be a ${options.mayBeEmpty ? '' : 'non-empty '}string`,
      );
    }
    return value;
  };
  return {
    bucket: read('Bucket'),
    id: read('Id'),
    queueArn: read('QueueArn'),
    // Access-log objects have no suffix, and their target prefix may be empty.
    prefix: read('Prefix', { mayBeEmpty: true }),
    suffix: read('Suffix', { mayBeEmpty: true }),
    trigger: readTrigger((properties as Record<string, unknown>).Trigger),
    // The stack parameter a preflight message tells the user to set; absent in older stacks.
    prefixParameter: readOptional('PrefixParameter') ?? 'logPrefix',
  };

  function readOptional(name: string): string | undefined {
    const value = (properties as Record<string, unknown>)[name];
    return value === undefined ? undefined : read(name);
  }
}

/** A resource created before the trigger parameter existed has no Trigger: it was `s3`. */
function readTrigger(value: unknown): LogTrigger {
  if (value === undefined) return 's3';
  if (typeof value === 'string' && (TRIGGERS as readonly string[]).includes(value)) return value as LogTrigger;
  throw new InvalidCustomResourceRequestError(
    `ResourceProperties.Trigger is ${JSON.stringify(value)}, expected one of ${TRIGGERS.join(', ')}`,
  );
}

function queueConfiguration({ id, queueArn, prefix, suffix }: LogObjectsNotification): QueueConfiguration {
  // S3 refuses an empty filter rule: an empty prefix or suffix is left out, and so is an empty filter.
  const rules = [
    ...(prefix ? [{ Name: 'prefix' as const, Value: prefix }] : []),
    ...(suffix ? [{ Name: 'suffix' as const, Value: suffix }] : []),
  ];
  return {
    Id: id,
    QueueArn: queueArn,
    Events: [...OUR_EVENTS],
    ...(rules.length > 0 ? { Filter: { Key: { FilterRules: rules } } } : {}),
  };
}

/**
 * The fields PutBucketNotificationConfiguration takes. The SDK's Get output also carries
 * `$metadata`, which Put would reject; empty lists are dropped so that "absent" and "[]" compare equal.
 */
function ownFields(config: NotificationConfiguration): NotificationConfiguration {
  const own: NotificationConfiguration = {};
  if (config.TopicConfigurations?.length) own.TopicConfigurations = config.TopicConfigurations;
  if (config.QueueConfigurations?.length) own.QueueConfigurations = config.QueueConfigurations;
  if (config.LambdaFunctionConfigurations?.length) {
    own.LambdaFunctionConfigurations = config.LambdaFunctionConfigurations;
  }
  if (config.EventBridgeConfiguration) own.EventBridgeConfiguration = config.EventBridgeConfiguration;
  return own;
}

/** JSON with sorted object keys; array order is kept, as it is part of what S3 stores. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}
