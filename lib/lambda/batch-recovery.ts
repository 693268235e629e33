import { InvalidTriggerError } from '../core/errors';
import type { BatchRecovery, RecoveryReport } from '../store';
import type { Log, MetricSink } from './telemetry';

/** The recovery function runs on its schedule only; any other event is refused. */
export function parseRecoveryTrigger(event: unknown): void {
  if ((event as { source?: unknown })?.source === 'aws.events') return;
  throw new InvalidTriggerError('expected a scheduled event (source aws.events)');
}

/**
 * One scheduled run: completes the open batches older than the grace period and reports them.
 * `BatchesUnrecoverable` (alarmed in serverless.yml) counts the batches that could not be
 * completed; their logs are in `cleartrail failures` and in `LogsFailed`, like unusable logs.
 */
export async function recoverOpenBatches(
  store: BatchRecovery,
  dependencies: { olderThanSeconds: number; log: Log; metrics: MetricSink },
): Promise<RecoveryReport> {
  const report = await store.recoverBatches({ olderThanSeconds: dependencies.olderThanSeconds });
  dependencies.metrics.addMetric('BatchesRecovered', 'Count', report.completed.length);
  dependencies.metrics.addMetric('BatchesUnrecoverable', 'Count', report.failed.length);
  dependencies.metrics.addMetric(
    'LogsFailed',
    'Count',
    report.failed.reduce((sum, batch) => sum + batch.logs.length, 0),
  );
  dependencies.log.info('open batches recovered', {
    found: report.found,
    completed: report.completed.length,
    logs: report.completed.reduce((sum, batch) => sum + batch.logs, 0),
  });
  // The reason is cleartrail's own text; log locations stay out of the logs (cleartrail failures lists them).
  for (const batch of report.failed) {
    dependencies.log.error('batch cannot be completed', {
      batchId: batch.batchId,
      logs: batch.logs.length,
      reason: batch.reason,
    });
  }
  return report;
}
