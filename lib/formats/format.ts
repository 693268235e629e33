import type { S3Request } from '../classify/request';
import type { SourceClassifier } from '../classify/request-source';
import type { EvidenceKind } from '../core/tally';
import type { ReadLimits } from './cloudtrail-reader';

/** What a reader saw in one log object, besides the requests it yielded. */
export interface FormatSummary {
  /** Entries of the log, whatever they concern. */
  records: number;
  /** Entries of the log that concern S3 (CloudTrail S3 records, access-log lines). */
  s3Records: number;
  /** Entries counted once already in this log (a repeated eventID or request id). */
  duplicates: number;
  /** Entries that are not client requests (AwsServiceEvent, NetworkActivity, ...). */
  notApiCalls: number;
  /** cleartrail's own reads of the log bucket. */
  ownRequests: number;
  compressedBytes: number;
  decompressedBytes: number;
}

export interface FormatOptions {
  sources: SourceClassifier;
  limits?: ReadLimits;
}

/**
 * One input format: how to name a log object and how to turn its bytes into normalised
 * requests. The pipeline takes a format as a parameter, so a new format is one module that
 * implements this and nothing else changes (es-loader keeps one module per format, too).
 */
export interface LogFormat {
  /** Also the evidence source of every tally counted from this format. */
  readonly name: EvidenceKind;
  /**
   * A stable id from the object's file name, when the format names every log uniquely; the same
   * log then counts once whether the Lambda reads it from S3 or the CLI from a downloaded copy.
   */
  logIdFromName(fileName: string): string | undefined;
  /**
   * Streams the requests of one log, a batch at a time. A log that turns out to be unusable
   * throws a PermanentLogError naming `location`; the return value is the summary.
   */
  requests(
    body: AsyncIterable<Uint8Array>,
    location: string,
    options: FormatOptions,
  ): AsyncGenerator<S3Request[], FormatSummary, void>;
}

export interface LogIdentity {
  /** Stable id of the log's content: the same log read from anywhere has the same id. */
  id: string;
  /** Where it was read from, for the operator: `s3://bucket/key` or a file name. */
  location: string;
}

/** A log to count: its identity, its format, and how to open its bytes (only called when needed). */
export interface LogInput extends LogIdentity {
  format: LogFormat;
  open(): Promise<AsyncIterable<Uint8Array>>;
}
