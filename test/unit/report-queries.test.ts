import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientTally, HourTally, Tally } from '../../lib/core/tally';
import {
  latestHourWithData,
  loadBucketReports,
  loadClients,
  loadReadinessInputsOfBuckets,
} from '../../lib/report/queries';
import { EmbeddedStore } from '../../lib/store/embedded';

// The report queries take the store's narrow read interface, so the embedded store (a file, no
// server) serves them here as it serves the CLI.
const hour = (bucket: string, at: string, counters: Record<string, number>): HourTally => ({
  kind: 'hour',
  source: 'cloudtrail',
  bucket,
  hour: at,
  counters,
  seen: [],
  rangesSyncTokens: [],
});
const client = (bucket: string, address: string, http: number): ClientTally => ({
  kind: 'client',
  source: 'cloudtrail',
  bucket,
  day: '2025-03-10',
  client: { clientId: address, address, class: 'external', principal: 'anonymous' },
  counters: { http, http_hour_10: http },
  seen: [],
  rangesSyncTokens: [],
});

describe('Report queries over the store interface', () => {
  let store: EmbeddedStore;

  beforeAll(async () => {
    store = await EmbeddedStore.open(mkdtempSync(path.join(tmpdir(), 'cleartrail-queries-')));
    const tallies: Tally[] = [
      hour('zeta', '2025-03-10T10', { http: 1, https: 3 }),
      hour('alpha', '2025-03-10T10', { http: 4 }),
      hour('alpha', '2025-03-11T08', { https: 2 }),
      hour('empty', '2025-03-10T10', {}),
      client('alpha', '198.51.100.1', 1),
      client('alpha', '198.51.100.2', 3),
    ];
    const commit = await store.ledger.commit({
      logs: [{ id: 'one', location: 'memory://one', s3Records: 10, requests: 10 }],
      tallies,
      shared: [],
    });
    expect(commit.status).toBe('committed');
  });
  afterAll(() => store.close());

  it('reports every bucket with requests, sorted by name, and a named bucket even when empty', async () => {
    const all = await loadBucketReports(store, { window: {} });
    const named = await loadBucketReports(store, { bucket: 'nowhere', window: {} });

    expect(all.map((report) => [report.bucket, report.http, report.https])).toEqual([
      ['alpha', 4, 2],
      ['zeta', 1, 3],
    ]);
    expect(named.map((report) => [report.bucket, report.total])).toEqual([['nowhere', 0]]);
  });

  it('cuts reports to a window of hours', async () => {
    const reports = await loadBucketReports(store, { window: { fromHour: '2025-03-11T00' } });

    expect(reports.map((report) => [report.bucket, report.http, report.https])).toEqual([['alpha', 0, 2]]);
  });

  it('lists the clients of a bucket, most HTTP first, and finds the latest hour with data', async () => {
    const { clients } = await loadClients(store, { bucket: 'alpha', window: {} });
    const latest = await latestHourWithData(store, 'alpha');
    const readiness = await loadReadinessInputsOfBuckets(store, { window: {} });

    expect(clients.map((found) => [found.address, found.count])).toEqual([
      ['198.51.100.2', 3],
      ['198.51.100.1', 1],
    ]);
    expect(latest).toBe('2025-03-11T08');
    expect(readiness.map((inputs) => [inputs.bucket, inputs.hourItemsHours])).toEqual([
      ['alpha', ['2025-03-10T10', '2025-03-11T08']],
      ['zeta', ['2025-03-10T10']],
    ]);
  });
});
