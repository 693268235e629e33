/**
 * Helpers for tests that count logs into DynamoDB Local: a fresh table per test, a dump of the
 * aggregates for comparisons, and a client whose k-th call fails, for fault injection.
 */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { bundledIpRanges } from '../../lib/ip-ranges';
import type { NamedNetwork } from '../../lib/networks';
import type { CountingContext, LogSource } from '../../lib/pipeline';
import { fixedIpRanges } from '../../lib/ranges-source';
import { AggregateStore, ensureTable, type StoreOptions } from '../../lib/store';
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
): CountingContext {
  return {
    store: new AggregateStore(client, table, options),
    ranges: fixedIpRanges(bundledIpRanges()),
    networks: options.networks ?? [],
  };
}

export function bufferSource(id: string, bytes: Buffer): LogSource {
  return {
    id,
    location: `memory://${id}`,
    open: async () =>
      (async function* () {
        // Several chunks, as a network stream would deliver them.
        for (let start = 0; start < bytes.length; start += 16 * 1024) yield bytes.subarray(start, start + 16 * 1024);
      })(),
  };
}

/**
 * The aggregate items of a table (bucket hours, clients, bucket index), in key order with sets
 * sorted: two tables that counted the same logs exactly once dump equal.
 */
export async function dumpAggregates(client: DynamoDBClient, table: string): Promise<Record<string, unknown>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const dump: Record<string, unknown> = {};
  for (const item of items) {
    const pk = item.pk?.S ?? '';
    if (!pk.startsWith('BUCKET')) continue;
    const plain: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1))) {
      plain[name] = value.N ?? value.S ?? (value.NS ? [...value.NS].sort() : value.SS ? [...value.SS].sort() : value);
    }
    dump[`${pk} ${item.sk?.S}`] = plain;
  }
  return Object.fromEntries(Object.entries(dump).sort(([a], [b]) => (a < b ? -1 : 1)));
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
