import { cloudTrailFormat } from './cloudtrail';
import type { LogFormat } from './format';

export type { FormatSummary, LogFormat } from './format';

/**
 * The format of a log object, by its name (es-loader routes the same way): today every log is
 * a CloudTrail delivery file.
 */
export function formatForName(_fileName: string): LogFormat {
  return cloudTrailFormat;
}

/** A log's stable id: from its name when its format names logs uniquely, else `fallback()`. */
export async function logIdFor(
  format: LogFormat,
  fileName: string,
  fallback: () => string | Promise<string>,
): Promise<string> {
  return format.logIdFromName(fileName) ?? (await fallback());
}
