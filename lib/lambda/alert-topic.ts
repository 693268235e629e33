import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertMessage, AlertTopic } from './new-client-alert';

/**
 * The one module that talks to SNS: publishes alerts to one topic. The client comes from outside,
 * so `AWS_ENDPOINT_URL_SNS` (or a test's endpoint) reaches a local server.
 */
export function snsAlertTopic(client: SNSClient, topicArn: string): AlertTopic {
  return {
    async publish(message: AlertMessage): Promise<void> {
      await client.send(new PublishCommand({ TopicArn: topicArn, Subject: message.subject, Message: message.body }));
    },
  };
}
