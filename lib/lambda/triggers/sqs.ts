import { InvalidTriggerError } from '../../core/errors';
import { isObject, type ObjectsTrigger, parseJson, requireString, type SqsMessage, type Trigger } from './shape';

/** An SQS invocation: at least one record from aws:sqs. */
export function isSqsEvent(event: Record<string, unknown>): event is Record<string, unknown> & { Records: unknown[] } {
  return Array.isArray(event.Records) && event.Records.some((r) => isObject(r) && r.eventSource === 'aws:sqs');
}

/**
 * Each SQS message's body, read by `parseBody` (the notification it carries). A body that is not
 * one becomes that message's `problem`, so only it returns to the queue.
 */
export function parseSqsEvent(
  event: Record<string, unknown> & { Records: unknown[] },
  parseBody: (body: unknown, where: string) => ObjectsTrigger,
): Trigger & { kind: 'sqs' } {
  return {
    kind: 'sqs',
    messages: event.Records.map((record, index): SqsMessage => {
      const where = `Records[${index}]`;
      if (!isObject(record) || record.eventSource !== 'aws:sqs') {
        throw new InvalidTriggerError(`${where}: every record of an SQS event must come from aws:sqs`);
      }
      const messageId = requireString(record.messageId, `${where}.messageId`);
      try {
        const body = parseJson(requireString(record.body, `${where}.body`), `${where}.body`);
        return { messageId, objects: parseBody(body, `${where}.body`).objects };
      } catch (error) {
        if (!(error instanceof InvalidTriggerError)) throw error;
        return { messageId, objects: [], problem: error.message };
      }
    }),
  };
}
