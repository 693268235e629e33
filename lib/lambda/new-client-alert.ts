/**
 * The alert that a new plain-HTTP client appeared: its words (pure), and the one place that
 * sends the alerts the store holds (lease, publish, mark sent). The topic itself is behind
 * {@link AlertTopic}, so the Lambda passes SNS and tests pass SNS pointed at a local server.
 */
import { randomUUID } from 'node:crypto';
import type { NewHttpClient } from '../core/http-identity';
import { SHOWN_WIDTH, untrustedText, withoutRawControls } from '../core/untrusted-text';
import type { AggregateStore } from '../store';
import type { Log, MetricSink } from './telemetry';

export interface AlertMessage {
  /** Short, ASCII, one line: SNS refuses anything else, and email shows it as the subject. */
  subject: string;
  body: string;
}

/** Where alerts go: an SNS topic in the deployment (`lib/lambda/alert-topic.ts`). */
export interface AlertTopic {
  publish(message: AlertMessage): Promise<void>;
}

/** Clients described one by one; more only get counted, keeping the message far under SNS's 256 KB. */
const MAX_LISTED = 50;
const MAX_SUBJECT = 99;
/** Publishing takes well under a second; an invocation that dies holding a lease delays its alerts by this much. */
const LEASE_SECONDS = 120;

/**
 * One message for the new clients of an invocation: per client the bucket, where and who it is,
 * when it was first seen and doing what, and the commands to run next. No request record. Every
 * value from the logs is shown by the rule of lib/core/untrusted-text.ts (escaped, cut at
 * `SHOWN_WIDTH.alert`), and a bucket that is no valid bucket name is quoted in the commands, so
 * that copying them runs nothing it names.
 *
 * @param options.table the deployed table (and `region` its region), so the commands work as printed.
 */
export function newClientAlertMessage(
  clients: readonly NewHttpClient[],
  options: { table: string; region?: string },
): AlertMessage {
  const store = `--table ${options.table}${options.region ? ` --region ${options.region}` : ''}`;
  const byTime = [...clients].sort((a, b) => a.firstSeen - b.firstSeen || compare(a.bucket, b.bucket));
  // Clients that got through first: they are the risk; refused ones show enforcement working.
  const sorted = [
    ...byTime.filter((client) => client.outcome !== 'refused'),
    ...byTime.filter((client) => client.outcome === 'refused'),
  ];
  const refused = sorted.length - byTime.filter((client) => client.outcome !== 'refused').length;
  const buckets = [...new Set(sorted.map((client) => client.bucket))].sort(compare);
  const what = sorted.length === 1 ? 'a new plain-HTTP client' : `${sorted.length} new plain-HTTP clients`;
  const where = buckets.length === 1 ? `on ${shown(buckets[0] ?? '')}` : `on ${buckets.length} buckets`;
  const subject = asciiLine(`cleartrail: ${what} ${where}${refusedNote(refused, sorted.length)}`).slice(0, MAX_SUBJECT);

  const lines = [
    `cleartrail saw ${what} ${where}: ${sorted.length === 1 ? 'a client that' : 'clients that'} never spoke plain HTTP to that bucket before.`,
    refused === sorted.length
      ? `S3 refused ${sorted.length === 1 ? 'it' : 'them all'}: enforcement is working, and ${sorted.length === 1 ? 'this client is' : 'these clients are'} broken.`
      : 'A bucket policy denying aws:SecureTransport = false would answer them 403.',
    ...(refused > 0 && refused < sorted.length
      ? [
          `${refused} of them ${refused === 1 ? 'was' : 'were'} refused by S3 (listed last): enforcement is working there.`,
        ]
      : []),
    '',
  ];
  for (const client of sorted.slice(0, MAX_LISTED)) {
    const bucket = bucketArgument(client.bucket);
    lines.push(
      `bucket:      ${shown(client.bucket)}`,
      `address:     ${shown(client.address)} (${shown(client.class)}${client.network ? `, network ${shown(client.network)}` : ''})`,
      ...(client.instanceId ? [`instance:    ${shown(client.instanceId)}`] : []),
      `principal:   ${shown(client.principal)}`,
      `user agent:  ${shown(client.userAgent ?? '-')}`,
      `first seen:  ${new Date(client.firstSeen * 1000).toISOString().replace('.000Z', 'Z')}${client.operation ? `, ${shown(client.operation)}` : ''}`,
      ...(client.outcome ? [outcomeLine(client.outcome)] : []),
      'next:',
      `  npx cleartrail clients ${store} --bucket ${bucket} --since ${hourOf(client.firstSeen)}`,
      `  npx cleartrail enforce-check ${store} --bucket ${bucket}`,
      '',
    );
  }
  if (sorted.length > MAX_LISTED) {
    lines.push(
      `... and ${sorted.length - MAX_LISTED} more. All of them:`,
      `  npx cleartrail clients --new ${store} --since ${hourOf(sorted[0]?.firstSeen ?? 0)}`,
      '',
    );
  }
  // The last guard: a raw control or bidi character in a field not shown by the rule is escaped still.
  return { subject, body: withoutRawControls(lines.join('\n')) };
}

export interface AlertSending {
  store: AggregateStore;
  topic: AlertTopic;
  table: string;
  region?: string;
  log: Log;
  metrics: MetricSink;
}

/**
 * Sends every unsent alert in one message: those of this invocation's batches, and those an
 * earlier invocation could not send. Never throws: the counts are committed by now, and a failed
 * send is logged, measured (`NewHttpClientAlertsFailed`) and left for the next invocation; the
 * `NewHttpClients` alarm fires regardless. Crashing between publish and mark sends that message
 * again: at most a duplicate, never a miss.
 */
export async function sendNewClientAlerts(sending: AlertSending): Promise<{ sent: number }> {
  const holder = randomUUID();
  let unsent: NewHttpClient[] = [];
  let leased: NewHttpClient[] = [];
  try {
    unsent = await sending.store.alerts.unsent();
    if (unsent.length === 0) return { sent: 0 };
    leased = await sending.store.alerts.lease(unsent, holder, LEASE_SECONDS);
    if (leased.length === 0) return { sent: 0 };
    await sending.topic.publish(newClientAlertMessage(leased, { table: sending.table, region: sending.region }));
  } catch (error) {
    sending.log.error('new-client alert not sent; the next invocation sends it', {
      clients: leased.length,
      buckets: [...new Set(leased.map((client) => client.bucket))],
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    sending.metrics.addMetric('NewHttpClientAlertsFailed', 'Count', 1);
    // All it tried, as a lease may have been taken when its answer was lost; releasing only
    // touches leases this holder has. Without the release an alert waits for its lease to expire.
    await sending.store.alerts.release(unsent, holder).catch(() => undefined);
    return { sent: 0 };
  }
  try {
    await sending.store.alerts.markSent(leased, holder);
  } catch (error) {
    sending.log.warn('new-client alert sent but not marked; it may be sent once more', {
      clients: leased.length,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
  sending.log.info('new-client alert sent', { clients: leased.length });
  sending.metrics.addMetric('NewHttpClientAlertsSent', 'Count', 1);
  return { sent: leased.length };
}

function outcomeLine(outcome: 'served' | 'refused'): string {
  return outcome === 'refused'
    ? 'outcome:     refused, enforcement is working; this client is broken'
    : 'outcome:     served over plain HTTP';
}

/** The subject's note of refused clients, when some are. */
function refusedNote(refused: number, all: number): string {
  if (refused === 0) return '';
  return refused === all ? ' (refused: enforcement working)' : ` (${refused} refused)`;
}

/** The start of the UTC hour of an epoch second, as `--since` reads it. */
function hourOf(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 13)}:00Z`;
}

function asciiLine(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

function shown(value: string): string {
  return untrustedText(value, SHOWN_WIDTH.alert);
}

/** What a shell reads as one plain word; every valid bucket name is one. */
const PLAIN_WORD = /^[a-z0-9][a-z0-9.-]*$/;

/**
 * A bucket as a command-line argument: as it is when a shell reads it as one plain word, else
 * shown by the rule and single-quoted. A bucket name comes from the logs (a website bucket's is the
 * Host header the client sent): `$(...)` in it must not run when someone pastes the command.
 */
function bucketArgument(bucket: string): string {
  return PLAIN_WORD.test(bucket) ? bucket : `'${shown(bucket).replace(/'/g, `'\\''`)}'`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
