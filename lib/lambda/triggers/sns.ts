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

function messageObject(message: unknown, where: string): Record<string, unknown> {
  const parsed = parseJson(requireString(message, where), where);
  if (!isObject(parsed)) throw new InvalidTriggerError(`${where}: expected a JSON object`);
  return parsed;
}
