import type {
  FilterRule,
  LambdaFunctionConfiguration,
  NotificationConfiguration,
  QueueConfiguration,
  TopicConfiguration,
} from '@aws-sdk/client-s3';
import type { NotificationEntry } from '../core/notification-overlap';

/**
 * Every queue, topic and function entry of a configuration, destinations as ARNs. EventBridge
 * delivery is no entry: it never conflicts with one.
 */
export function notificationEntries(config: NotificationConfiguration): NotificationEntry[] {
  const entry = (
    configuration: QueueConfiguration | TopicConfiguration | LambdaFunctionConfiguration,
    destination: string | undefined,
  ): NotificationEntry => {
    const rules = configuration.Filter?.Key?.FilterRules ?? [];
    return {
      id: configuration.Id ?? '(no id)',
      destination: destination ?? '(no destination)',
      events: configuration.Events ?? [],
      prefix: ruleValue(rules, 'prefix'),
      suffix: ruleValue(rules, 'suffix'),
    };
  };
  return [
    ...(config.QueueConfigurations ?? []).map((queue) => entry(queue, queue.QueueArn)),
    ...(config.TopicConfigurations ?? []).map((topic) => entry(topic, topic.TopicArn)),
    ...(config.LambdaFunctionConfigurations ?? []).map((fn) => entry(fn, fn.LambdaFunctionArn)),
  ];
}

/** S3 answers the rule names as `Prefix` and `Suffix` though it takes `prefix` and `suffix`. */
function ruleValue(rules: FilterRule[], name: 'prefix' | 'suffix'): string {
  return rules.find((rule) => rule.Name?.toLowerCase() === name)?.Value ?? '';
}
