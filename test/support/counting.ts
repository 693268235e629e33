/**
 * Helpers for tests that count logs into DynamoDB Local: a fresh table per test, a dump of the
 * aggregates for comparisons, and a client whose k-th call fails, for fault injection.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../bin/local/table';
import type { CountingContext } from '../../lib/count/pipeline';
import { fixedIpRanges } from '../../lib/count/ranges-provider';
import { cloudTrailFormat } from '../../lib/formats/cloudtrail';
import type { LogInput } from '../../lib/formats/format';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import type { NamedNetwork } from '../../lib/net/named-networks';
import { AggregateStore, type StoreOptions, type TallyQueries } from '../../lib/store';
import { testDynamoDbClient, uniqueName } from './aws';

export async function freshTable(client: DynamoDBClient = testDynamoDbClient()): Promise<string> {
  const table = uniqueName('aggregates');
  await ensureTable(client, table);
  return table;
}

export function countingContext(
  client: DynamoDBClient,
  table: string,
  options: StoreOptions & { networks?: NamedNetwork[] } = {},
): CountingContext<AggregateStore> {
  return {
    store: new AggregateStore(client, table, options),
    ranges: fixedIpRanges(bundledIpRanges()),
    networks: options.networks ?? [],
  };
}

export function bufferSource(id: string, bytes: Buffer): LogInput {
  return {
    id,
    location: `memory://${id}`,
    format: cloudTrailFormat,
    open: async () =>
      (async function* () {
        // Several chunks, as a network stream would deliver them.
        for (let start = 0; start < bytes.length; start += 16 * 1024) yield bytes.subarray(start, start + 16 * 1024);
      })(),
  };
}

/**
 * Everything a table counted, as the reports read it: each bucket's hour and client tallies, with
 * an hour's `seen` reduced to its extremes (what reports use; a batch stores its first and last,
 * single logs each their own). Two tables that counted the same logs exactly once dump equal.
 */
export async function dumpAggregates(client: DynamoDBClient, table: string): Promise<Record<string, unknown>> {
  return dumpStore(new AggregateStore(client, table));
}

/** `dumpAggregates` of any store. */
export async function dumpStore(store: TallyQueries): Promise<Record<string, unknown>> {
  const dump: Record<string, unknown> = {};
  for (const bucket of await store.listBuckets()) {
    for (const tally of await store.hourTallies(bucket, {})) {
      // A time set holds the extremes of each commit: only its own extremes are exact whatever
      // the commits were.
      dump[`${bucket} ${tally.hour}`] = {
        ...tally,
        seen: extremesOf(tally.seen),
        ...(tally.deniedSeen ? { deniedSeen: extremesOf(tally.deniedSeen) } : {}),
        ...(tally.servedSeen ? { servedSeen: extremesOf(tally.servedSeen) } : {}),
      };
    }
    for (const tally of await store.clientTallies(bucket, {})) {
      dump[`${bucket} ${tally.day} ${tally.client.address} ${tally.client.clientId}`] = tally;
    }
  }
  return Object.fromEntries(Object.entries(dump).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function extremesOf(times: readonly number[]): number[] {
  return times.length > 0 ? [Math.min(...times), Math.max(...times)] : [];
}

/** The counters of one bucket in one UTC hour, as `report` reads them (empty when there is none). */
export async function hourCounters(
  client: DynamoDBClient,
  table: string,
  bucket: string,
  hour: string,
): Promise<Record<string, number>> {
  const tallies = await new AggregateStore(client, table).hourTallies(bucket, { fromHour: hour, toHour: hour });
  return tallies[0]?.counters ?? {};
}

export class InjectedFault extends Error {
  constructor(call: number, when: string) {
    super(`injected fault ${when} DynamoDB call ${call}`);
    this.name = 'InjectedFault';
  }
}

/**
 * Counts the client's calls and makes call `failAt` fail: `before` it is sent, or `after` it
 * succeeded (the response is lost, as when a Lambda times out right after a write). The
 * middleware sits in the initialize step, outside the SDK's own retries, so one call is one
 * logical command.
 */
export function injectFault(
  client: DynamoDBClient,
  plan: { failAt?: number; when?: 'before' | 'after'; error?: () => Error },
): { calls: () => number } {
  let calls = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      const call = ++calls;
      if (call === plan.failAt && plan.when !== 'after') throw plan.error?.() ?? new InjectedFault(call, 'before');
      const result = await next(args);
      if (call === plan.failAt && plan.when === 'after') throw plan.error?.() ?? new InjectedFault(call, 'after');
      return result;
    },
    { step: 'initialize', name: 'injectFault' },
  );
  return { calls: () => calls };
}
