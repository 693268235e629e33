/**
 * `cleartrail store status | export --table NAME | recover`: what the embedded store of a data
 * directory holds, copying it into a deployed table, and completing abandoned batches.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { CleartrailError } from '../../lib/core/errors';
import { DEFAULT_GRACE_PERIOD_SECONDS, parseGracePeriod } from '../../lib/core/grace-period';
import type { Tally } from '../../lib/core/tally';
import { escapeUntrusted } from '../../lib/core/untrusted-text';
import { type AggregateStore, MAX_LOGS_PER_BATCH } from '../../lib/store';
import { EMBEDDED_FILE, EmbeddedStore } from '../../lib/store/embedded';
import { clientTallyOf, hourTallyOf } from '../../lib/store/layout';
import { type Command, type Values, withStore } from '../options';
import { note, print, printJson, usageError } from '../render/output';
import { openStore, openTable } from '../session';

export const store: Command = async (values, operands) => {
  const [action, ...extra] = operands;
  if (extra.length > 0 || (action !== 'status' && action !== 'export' && action !== 'recover')) {
    return usageError('store needs status, export or recover');
  }
  if (action === 'status') return storeStatus(values);
  if (action === 'recover') return storeRecover(values);
  if (!values.table) return usageError('store export needs --table NAME, the deployed table to copy into');
  return storeExport(values, values.table);
};

/**
 * Completes the batches of the store claimed longer than `--older-than` ago and never finished;
 * what the scheduled recovery function does for a deployment. Exit code 1 when a batch could
 * not be completed (its logs are then listed by "cleartrail failures").
 */
async function storeRecover(values: Values): Promise<number> {
  const olderThanSeconds =
    values['older-than'] === undefined ? DEFAULT_GRACE_PERIOD_SECONDS : parseGracePeriod(values['older-than']);
  return withStore(values, async (session) => {
    const report = await session.store.recoverBatches({ olderThanSeconds });
    if (values.json) printJson(report);
    else {
      const logs = report.completed.reduce((sum, batch) => sum + batch.logs, 0);
      print(`${session.description}: ${report.completed.length} open batches completed (${logs} logs)`);
      for (const batch of report.failed) {
        print(`batch ${batch.batchId} cannot be completed: ${escapeUntrusted(batch.reason)}`);
        for (const log of batch.logs) print(`  ${escapeUntrusted(log.location)}`);
      }
      if (report.failed.length > 0) print('Their logs are recorded as failed: see "cleartrail failures".');
    }
    return report.failed.length > 0 ? 1 : 0;
  });
}

async function storeStatus(values: Values): Promise<number> {
  const dataDir = values['data-dir'] ?? '.cleartrail';
  if (!existsSync(path.join(dataDir, EMBEDDED_FILE))) {
    note(`no embedded store in ${dataDir} yet: "cleartrail analyze" creates it`);
    return 1;
  }
  const session = await openStore({ dataDir });
  try {
    const local = session.store as EmbeddedStore;
    const items = await local.items();
    const status = {
      dataDir: local.dataDir,
      file: path.join(local.dataDir, EMBEDDED_FILE),
      bytes: statSync(path.join(local.dataDir, EMBEDDED_FILE)).size,
      buckets: (await local.listBuckets()).length,
      logs: items.filter((item) => String(item.pk).startsWith('LOG#')).length,
    };
    if (values.json) printJson(status);
    else
      print(
        `embedded store ${path.join(dataDir, EMBEDDED_FILE)}: ${status.logs} logs counted, ${status.buckets} buckets, ${status.bytes} bytes`,
      );
    return 0;
  } finally {
    await session.close();
  }
}

/**
 * Copies the local aggregates into a deployed table as one batch of the table's own ledger,
 * named after the store, so that a second export (or an export killed half-way and run again)
 * counts nothing twice. The exported logs then get ledger entries in the table, so the Lambda or
 * a backfill that meets the same files later skips them. Logs the table had counted already
 * would be counted twice, so such an export is refused.
 */
async function storeExport(values: Values, table: string): Promise<number> {
  const local = await EmbeddedStore.open(path.resolve(values['data-dir'] ?? '.cleartrail'));
  const target = openTable(table, values.region);
  try {
    const outcome = await exportStore(local, target.store, table);
    note(
      outcome.status === 'exported'
        ? `exported ${outcome.logs} logs (${outcome.tallies} tallies) into table ${table}`
        : `already exported into table ${table}: nothing to do`,
    );
    return 0;
  } finally {
    local.close();
    await target.close();
  }
}

export async function exportStore(
  local: EmbeddedStore,
  target: AggregateStore,
  table: string,
): Promise<{ status: 'exported' | 'already-exported'; logs: number; tallies: number }> {
  const storeId = await local.meta('storeId');
  const items = await local.items();
  const logs = items
    .filter((item) => String(item.pk).startsWith('LOG#'))
    .map((item) => ({ id: String(item.pk).slice('LOG#'.length), location: String(item.location) }));
  const exportedBefore = await local.meta(`exported:${table}`);
  if (exportedBefore !== undefined && Number(exportedBefore) !== logs.length) {
    throw new CleartrailError(
      `this data directory was exported into table ${table} when it held ${exportedBefore} logs and holds ${logs.length} now: ` +
        `count the newer logs into the table directly ("cleartrail analyze --table ${table} ...")`,
      { retryable: false },
    );
  }
  const exportId = `export/${storeId}`;
  const states = await target.ledger.states([exportId, ...logs.map((log) => log.id)]);
  const exportState = states.get(exportId);
  const tallies: Tally[] = items
    .filter((item) => String(item.pk).startsWith('BUCKET#'))
    .flatMap((item): Tally[] => {
      const sk = String(item.sk);
      if (sk.startsWith('HOUR#')) return [hourTallyOf(item)];
      if (sk.startsWith('CLIENT#')) return [clientTallyOf(item)];
      return [];
    });
  if (exportState?.state === 'new') {
    const counted = logs.filter((log) => states.get(log.id)?.state !== 'new');
    if (counted.length > 0) {
      throw new CleartrailError(
        `table ${table} has counted ${counted.length} of these logs already (${counted[0]?.location} ...): ` +
          'exporting would count them twice',
        { retryable: false },
      );
    }
    const requests = items
      .filter((item) => String(item.pk).startsWith('LOG#'))
      .reduce((sum, item) => sum + Number(item.requests ?? 0), 0);
    const commit = await target.ledger.commit({
      logs: [{ id: exportId, location: `store export ${storeId}`, s3Records: requests, requests }],
      tallies,
      shared: [],
    });
    if (commit.status === 'conflict') return exportStore(local, target, table);
  } else if (exportState?.state === 'claimed') {
    await target.ledger.resume(exportState.batchId);
  }
  for (let start = 0; start < logs.length; start += MAX_LOGS_PER_BATCH) {
    await target.ledger.recordCountedElsewhere(
      logs.slice(start, start + MAX_LOGS_PER_BATCH).map((log) => ({ ...log, s3Records: 0, requests: 0 })),
      exportId,
    );
  }
  await local.setMeta(`exported:${table}`, String(logs.length));
  return {
    status: exportState?.state === 'new' ? 'exported' : 'already-exported',
    logs: logs.length,
    tallies: tallies.length,
  };
}
