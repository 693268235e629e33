import type { EvidenceKind } from '../core/tally';
import { accessLogFormat, isAccessLogName, looksLikeAccessLog } from './access-log';
import { cloudTrailFormat } from './cloudtrail';
import type { LogFormat } from './format';

export type { FormatSummary, LogFormat } from './format';

/**
 * The format of a log object, by its name (es-loader routes the same way): S3 names access-log
 * objects `<prefix>YYYY-mm-DD-HH-MM-SS-<unique>`; anything else is read as CloudTrail.
 */
export function formatForName(fileName: string): LogFormat {
  return isAccessLogName(fileName) ? accessLogFormat : cloudTrailFormat;
}

/** The format of a name that says nothing, from its first bytes: an access-log line, or else CloudTrail. */
export function formatForContent(head: Buffer): LogFormat {
  return looksLikeAccessLog(head) ? accessLogFormat : cloudTrailFormat;
}

/** A format by its name, as passed to a worker thread. */
export function formatNamed(name: EvidenceKind): LogFormat {
  return name === accessLogFormat.name ? accessLogFormat : cloudTrailFormat;
}

/** A log's stable id: from its name when its format names logs uniquely, else `fallback()`. */
export async function logIdFor(
  format: LogFormat,
  fileName: string,
  fallback: () => string | Promise<string>,
): Promise<string> {
  return format.logIdFromName(fileName) ?? (await fallback());
}
