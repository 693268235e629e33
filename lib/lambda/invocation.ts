import type { S3Client } from '@aws-sdk/client-s3';
import { CleartrailError, failureCode, PermanentLogError, retryDecision } from '../core/errors';
import type { LogObjectRef } from '../core/log-object-ref';
import { type CountingContext, type CountResult, countBatch } from '../count/pipeline';
import { formatNamed } from '../formats';
import { s3LogInput } from '../s3/log-objects';
import type { AggregateStore } from '../store';
import { type LogLocations, routeLogObject } from './log-route';
import { type AlertTopic, sendNewClientAlerts } from './new-client-alert';
import type { Log, MetricSink } from './telemetry';
import type { Trigger } from './triggers';

export interface InvocationContext extends LogLocations {
  counting: CountingContext<AggregateStore>;
  s3: S3Client;
  log: Log;
  metrics: MetricSink;
  /** Where new plain-HTTP clients are announced; without it they are only recorded (`clients --new`). */
  alerts?: { topic: AlertTopic; table: string; region?: string };
}

export interface BatchOperationsResponse {
  invocationSchemaVersion: string;
  treatMissingKeysAs: 'PermanentFailure';
  invocationId: string;
  results: Array<{
    taskId: string;
    resultCode: 'Succeeded' | 'TemporaryFailure' | 'PermanentFailure';
    resultString: string;
  }>;
}

export interface SqsBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/**
 * Counts the log objects an invocation names and answers in the shape its trigger expects.
 *
 * Retry policy, one rule for every trigger, decided by `retryDecision` from the error class:
 * - `permanent` (an unusable log, or any error whose class says retrying gives the same
 *   result, such as a chunk plan that conflicts with an earlier attempt): recorded as a failed
 *   log (`cleartrail failures` lists it, `cleartrail reprocess` counts it once fixed) and
 *   answered as done: PermanentFailure for Batch Operations, acknowledged for SQS (so the
 *   message does not circle until the dead-letter queue), counted as `failed` for a direct or
 *   async invocation.
 * - `retry` (throttling, network, anything unknown): TemporaryFailure for Batch Operations, a
 *   batch item failure for SQS, thrown for direct and async invocations (Lambda retries, then
 *   the on-failure destination). Counted files are skipped on the retry, so it is safe.
 */
export async function handleTrigger(
  trigger: Trigger,
  context: InvocationContext,
): Promise<BatchOperationsResponse | SqsBatchResponse | { counted: number; skipped: number; failed: number }> {
  try {
    return await answerTrigger(trigger, context);
  } finally {
    // After the counts are committed, and even when some were not: alerts of earlier batches wait.
    if (context.alerts) {
      await sendNewClientAlerts({
        store: context.counting.store,
        ...context.alerts,
        log: context.log,
        metrics: context.metrics,
      });
    }
  }
}

async function answerTrigger(
  trigger: Trigger,
  context: InvocationContext,
): Promise<BatchOperationsResponse | SqsBatchResponse | { counted: number; skipped: number; failed: number }> {
  switch (trigger.kind) {
    case 'batch': {
      const results: BatchOperationsResponse['results'] = [];
      for (const task of trigger.tasks) {
        try {
          results.push({ taskId: task.taskId, ...batchResult(await settleObject(task.object, context)) });
        } catch (error) {
          context.log.error('log object not counted, Batch Operations may retry it', {
            ...where(task.object),
            error: describe(error),
          });
          results.push({
            taskId: task.taskId,
            resultCode: 'TemporaryFailure',
            resultString: describe(error).slice(0, 1000),
          });
        }
      }
      return {
        invocationSchemaVersion: trigger.schemaVersion,
        treatMissingKeysAs: 'PermanentFailure',
        invocationId: trigger.invocationId,
        results,
      };
    }
    case 'sqs': {
      const unusable = trigger.messages.filter((message) => message.problem !== undefined);
      for (const message of unusable) {
        context.log.error('SQS message names no log object; it goes back to the queue, then to the dead-letter queue', {
          messageId: message.messageId,
          problem: message.problem,
        });
      }
      const returned = unusable.map((message) => ({ itemIdentifier: message.messageId }));
      // The whole receive is one batch commit: each bucket-hour and client-day is written once
      // for all its files. Should that fail, the messages are settled one by one, so that one
      // bad message does not send the others back to the queue.
      try {
        await countObjects(
          trigger.messages.flatMap((message) => message.objects),
          context,
        );
        return { batchItemFailures: returned };
      } catch (error) {
        context.log.warn('batch commit failed; settling the messages one by one', { error: describe(error) });
      }
      const batchItemFailures: SqsBatchResponse['batchItemFailures'] = [...returned];
      for (const message of trigger.messages) {
        if (message.problem !== undefined) continue;
        try {
          for (const object of message.objects) await settleObject(object, context);
        } catch (error) {
          context.log.error('SQS message not processed, it will be delivered again', {
            messageId: message.messageId,
            error: describe(error),
          });
          batchItemFailures.push({ itemIdentifier: message.messageId });
        }
      }
      return { batchItemFailures };
    }
    case 'objects': {
      if (trigger.source === 's3-test')
        context.log.info('ignored s3:TestEvent sent when the notification was configured');
      const totals = { counted: 0, skipped: 0, failed: 0 };
      const errors: unknown[] = [];
      for (const object of trigger.objects) {
        try {
          const outcome = await settleObject(object, context);
          if (outcome === 'skipped' || outcome.status === 'already-counted') totals.skipped++;
          else if (outcome.status === 'failed' || outcome.status === 'failed-permanently') totals.failed++;
          else totals.counted++;
        } catch (error) {
          context.log.error('log object not counted, the invocation will be retried', {
            ...where(object),
            error: describe(error),
          });
          errors.push(error);
        }
      }
      // Every object was tried; a retry of the whole event is safe because counted files are skipped.
      if (errors.length > 0) {
        throw new CleartrailError(
          `${errors.length} of ${trigger.objects.length} log objects were not counted: ${describe(errors[0])}`,
          {
            retryable: true,
            cause: errors[0],
          },
        );
      }
      return totals;
    }
  }
}

/** What became of one object when no retry can help; a retryable error is thrown instead. */
type ObjectOutcome = CountResult | 'skipped' | { status: 'failed-permanently'; error: CleartrailError };

/**
 * Counts one object, or records it as failed when its error is permanent: `countLog` records
 * unusable logs itself, this records the other permanent errors the same way.
 */
async function settleObject(object: LogObjectRef, context: InvocationContext): Promise<ObjectOutcome> {
  try {
    return await countObject(object, context);
  } catch (error) {
    if (retryDecision(error) === 'retry' || !(error instanceof CleartrailError)) throw error;
    const source = s3LogInput(context.s3, object);
    await context.counting.store.recordFailure({
      logId: source.id,
      location: source.location,
      code: failureCode(error),
      message: error.message,
      failedAt: (context.counting.now?.() ?? new Date()).toISOString(),
    });
    context.log.error('log object not counted, and retrying would not help; recorded as failed', {
      ...where(object),
      error: describe(error),
    });
    context.metrics.addMetric('LogsFailed', 'Count', 1);
    return { status: 'failed-permanently', error };
  }
}

async function countObject(object: LogObjectRef, context: InvocationContext): Promise<CountResult | 'skipped'> {
  return (await countObjects([object], context))[0] as CountResult | 'skipped';
}

/**
 * Counts the objects that belong to this deployment as one batch commit (`countBatch`), and
 * logs and measures what became of each. Errors other than an unusable log are thrown.
 */
async function countObjects(
  objects: readonly LogObjectRef[],
  context: InvocationContext,
): Promise<Array<CountResult | 'skipped'>> {
  const outcomes: Array<CountResult | 'skipped'> = objects.map(() => 'skipped');
  const counted: Array<{ index: number; object: LogObjectRef; format: 'cloudtrail' | 'access-log' }> = [];
  for (const [index, object] of objects.entries()) {
    const route = routeLogObject(object, context);
    if ('format' in route) counted.push({ index, object, format: route.format });
    else {
      context.log.info('log object skipped', { ...where(object), reason: route.skip });
      context.metrics.addMetric('LogsSkipped', 'Count', 1);
    }
  }
  if (counted.length === 0) return outcomes;
  const results = await countBatch(
    context.counting,
    counted.map(({ object, format }) => s3LogInput(context.s3, object, formatNamed(format))),
  );
  const batches = new Set<string>();
  for (const [position, { index, object }] of counted.entries()) {
    const result = results[position] as CountResult;
    outcomes[index] = result;
    logOutcome(object, result, context);
    if ((result.status === 'counted' || result.status === 'completed') && !batches.has(result.store.batchId)) {
      batches.add(result.store.batchId);
      // Counted where the marker was won, so a batch and its resumers count each client once.
      if (result.store.firstSeen.created > 0)
        context.metrics.addMetric('NewHttpClients', 'Count', result.store.firstSeen.created);
      context.log.info(result.status === 'counted' ? 'batch committed' : 'interrupted batch completed', {
        batchId: result.store.batchId,
        chunks: result.store.chunks,
        chunksSkipped: result.store.chunksSkipped,
        claimsLost: result.store.claimsLost,
        newHttpClients: result.store.firstSeen.created,
        writeUnits: result.store.writeUnits,
        itemWrites: result.store.transactionalWrites + result.store.plainWrites,
      });
    }
  }
  return outcomes;
}

function logOutcome(object: LogObjectRef, result: CountResult, context: InvocationContext): void {
  switch (result.status) {
    case 'already-counted':
      context.log.info('log object already counted', where(object));
      context.metrics.addMetric('LogsAlreadyCounted', 'Count', 1);
      break;
    case 'completed':
      context.log.info('log object counted by completing an interrupted batch', {
        ...where(object),
        batchId: result.batchId,
      });
      context.metrics.addMetric('LogsCounted', 'Count', 1);
      break;
    case 'failed':
      context.log.error('log object could not be counted and was recorded as failed', {
        ...where(object),
        code: result.error.code,
        error: result.error.message,
      });
      context.metrics.addMetric('LogsFailed', 'Count', 1);
      break;
    case 'counted':
      context.log.info('log object counted', {
        ...where(object),
        batchId: result.store.batchId,
        records: result.read.records,
        s3Records: result.read.s3Records,
        requests: result.summary.requests,
        duplicates: result.summary.duplicates,
      });
      context.metrics.addMetric('LogsCounted', 'Count', 1);
      context.metrics.addMetric('RequestsCounted', 'Count', result.summary.requests);
      break;
  }
}

function batchResult(
  outcome: ObjectOutcome,
): Pick<BatchOperationsResponse['results'][number], 'resultCode' | 'resultString'> {
  if (outcome === 'skipped')
    return { resultCode: 'Succeeded', resultString: 'skipped: not a log file of this deployment' };
  switch (outcome.status) {
    case 'already-counted':
      return { resultCode: 'Succeeded', resultString: 'already counted' };
    case 'completed':
      return { resultCode: 'Succeeded', resultString: `counted by completing batch ${outcome.batchId}` };
    case 'failed':
      return {
        resultCode: 'PermanentFailure',
        resultString: `${outcome.error.code}: ${outcome.error.message}`.slice(0, 1000),
      };
    case 'failed-permanently':
      return { resultCode: 'PermanentFailure', resultString: describe(outcome.error).slice(0, 1000) };
    case 'counted':
      return { resultCode: 'Succeeded', resultString: `counted ${outcome.summary.requests} S3 requests` };
  }
}

function where(object: LogObjectRef): Record<string, string> {
  return { bucket: object.bucket, key: object.key };
}

function describe(error: unknown): string {
  if (error instanceof PermanentLogError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
