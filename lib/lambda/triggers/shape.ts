import { InvalidTriggerError } from '../../core/errors';
import type { LogObjectRef } from '../../core/log-object-ref';

export interface BatchTask {
  taskId: string;
  object: LogObjectRef;
}

/**
 * One message of an SQS batch. A body that names no log the way cleartrail knows keeps its
 * `problem`: that message alone goes back to the queue (and on to the dead-letter queue, where
 * it can be looked at), not the whole batch.
 */
export interface SqsMessage {
  messageId: string;
  objects: LogObjectRef[];
  problem?: string;
}

/** What one S3, EventBridge or SNS notification names. */
export interface ObjectsTrigger {
  kind: 'objects';
  source: 's3' | 'eventbridge' | 'sns' | 's3-test';
  objects: LogObjectRef[];
}

/** The invocation shapes the handler accepts, reduced to the objects they name. */
export type Trigger =
  | ObjectsTrigger
  | { kind: 'sqs'; messages: SqsMessage[] }
  | { kind: 'batch'; schemaVersion: '1.0' | '2.0'; invocationId: string; tasks: BatchTask[] };

/** Reads the notification an envelope (SNS, SQS) carries; `where` names it in error messages. */
export type ObjectsParser = (message: Record<string, unknown>, where: string) => ObjectsTrigger;

/**
 * S3 notifications and Batch Operations URL-encode keys with `+` for a space
 * (`red flower.jpg` arrives as `red+flower.jpg`), so `+` must become a space before
 * `%xx` sequences are decoded, or a literal `%2B` would turn into a space too.
 */
export function decodeS3EventKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    throw new InvalidTriggerError(`object key ${JSON.stringify(encoded)} is not valid URL encoding`);
  }
}

export function optionalVersion(value: unknown): { versionId?: string } {
  return typeof value === 'string' && value.length > 0 && value !== 'null' ? { versionId: value } : {};
}

export function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidTriggerError(`${where}: expected a non-empty string, got ${typeOf(value)}`);
  }
  return value;
}

export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidTriggerError(`${where}: not valid JSON`);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
}
