import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { InvalidTriggerError, TransientError } from '../core/errors';
import { parseIpRanges } from '../net/aws-ranges';
import type { AggregateStore } from '../store';

/** The only address ranges are fetched from: a message cannot point the function anywhere else. */
export const IP_RANGES_URL = 'https://ip-ranges.amazonaws.com/ip-ranges.json';

export interface RangesUpdateNotice {
  /** MD5 of the file as announced on the AmazonIpSpaceChanged topic; absent for scheduled runs. */
  md5?: string;
  syncToken?: string;
}

/**
 * Reads an invocation of the refresh function: an SNS notification from the
 * `AmazonIpSpaceChanged` topic (`{"create-time", "synctoken", "md5", "url"}`), or a scheduled
 * EventBridge event, the daily safety net for a missed notification.
 */
export function parseRangesTrigger(event: unknown): RangesUpdateNotice {
  const record = (event as { Records?: Array<{ Sns?: { Message?: unknown } }> })?.Records?.[0];
  if (record?.Sns) {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(String(record.Sns.Message)) as Record<string, unknown>;
    } catch {
      throw new InvalidTriggerError('Records[0].Sns.Message: not valid JSON');
    }
    if (message.url !== undefined && message.url !== IP_RANGES_URL) {
      throw new InvalidTriggerError(
        `Records[0].Sns.Message.url ${JSON.stringify(message.url)} is not ${IP_RANGES_URL}`,
      );
    }
    const md5 = typeof message.md5 === 'string' && /^[0-9a-f]{32}$/.test(message.md5) ? message.md5 : undefined;
    const syncToken = typeof message.synctoken === 'string' ? message.synctoken : undefined;
    return { ...(md5 ? { md5 } : {}), ...(syncToken ? { syncToken } : {}) };
  }
  if ((event as { source?: unknown })?.source === 'aws.events') return {};
  throw new InvalidTriggerError('expected an AmazonIpSpaceChanged SNS notification or a scheduled event');
}

export type FetchBytes = (url: string) => Promise<Uint8Array>;

/** `fetch` with a deadline: a hung download must not hold the function until its timeout. */
export function httpGetBytes(timeoutMs: number): FetchBytes {
  return async (url) => {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new TransientError(`GET ${url}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
}

/**
 * Downloads ip-ranges.json, checks it (announced MD5, then the full shape), and stores it for
 * the analyzer. A file that fails a check is not stored: the analyzer keeps its last good version.
 */
export async function refreshIpRanges(
  notice: RangesUpdateNotice,
  dependencies: { store: AggregateStore; fetchBytes: FetchBytes; url?: string },
): Promise<{ syncToken: string; createDate: string; becameCurrent: boolean; bytes: number }> {
  const url = dependencies.url ?? IP_RANGES_URL;
  const bytes = await dependencies.fetchBytes(url);
  if (notice.md5) {
    const md5 = createHash('md5').update(bytes).digest('hex');
    // A mismatch is most often a CDN edge that has not caught up yet: worth a retry.
    if (md5 !== notice.md5) throw new TransientError(`${url}: MD5 ${md5} differs from the announced ${notice.md5}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new TransientError(`${url}: the download is not valid JSON`);
  }
  const ranges = parseIpRanges(json, url);
  const becameCurrent = await dependencies.store.saveIpRanges({
    syncToken: ranges.syncToken,
    createDate: ranges.createDate,
    gzippedJson: gzipSync(bytes, { level: 9 }),
  });
  return { syncToken: ranges.syncToken, createDate: ranges.createDate, becameCurrent, bytes: bytes.length };
}
