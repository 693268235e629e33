import { InvalidTriggerError } from '../../core/errors';
import { isObject, parseJson, requireString } from './shape';

/** A record of an SNS invocation of the function: {"EventSource": "aws:sns", "Sns": {...}}. */
export function isSnsRecord(record: Record<string, unknown>): boolean {
  return record.EventSource === 'aws:sns' && isObject(record.Sns);
}

/** The notification an SNS record carries, as a JSON object. */
export function snsRecordMessage(record: Record<string, unknown>, at: string): Record<string, unknown> {
  const sns = record.Sns as Record<string, unknown>;
  return messageObject(sns.Message, `${at}.Sns.Message`);
}

/**
 * The SNS envelope an SQS subscription without raw message delivery puts in each body:
 * {"Type": "Notification", "TopicArn": "...", "Message": "<the notification as a string>"}.
 */
export function isSnsEnvelope(body: Record<string, unknown>): boolean {
  return body.Type === 'Notification' && 'Message' in body && 'TopicArn' in body;
}

/** The notification an SNS envelope carries, as a JSON object. */
export function snsEnvelopeMessage(body: Record<string, unknown>, where: string): Record<string, unknown> {
  return messageObject(body.Message, `${where}.Message`);
}

function messageObject(message: unknown, where: string): Record<string, unknown> {
  const parsed = parseJson(requireString(message, where), where);
  if (!isObject(parsed)) throw new InvalidTriggerError(`${where}: expected a JSON object`);
  return parsed;
}
