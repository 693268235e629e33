import type { NotificationConfiguration, QueueConfiguration } from '@aws-sdk/client-s3';
import { InvalidCustomResourceRequestError } from '../core/errors';

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

/** The configuration without the entry whose Id is `id`; unchanged when there is none. */
export function withoutLogObjectsNotification(
  current: NotificationConfiguration,
  id: string,
): NotificationConfiguration {
  const queues = (current.QueueConfigurations ?? []).filter((queue) => queue.Id !== id);
  const { QueueConfigurations: _ours, ...rest } = ownFields(current);
  return queues.length > 0 ? { ...rest, QueueConfigurations: queues } : rest;
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
export function parseLogObjectsNotification(properties: unknown): { bucket: string } & LogObjectsNotification {
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
  };
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
    Events: ['s3:ObjectCreated:*'],
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
