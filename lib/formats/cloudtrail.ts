import type { CloudTrailRecord } from '../classify/cloudtrail-record';
import { describeRequest, isClientApiCall, isOwnRequest, type S3Request } from '../classify/request';
import type { SourceClassifier } from '../classify/request-source';
import { MalformedLogError } from '../core/errors';
import { readS3RecordBatches } from './cloudtrail-reader';
import { EventIdSet } from './event-id-set';
import type { FormatSummary, LogFormat } from './format';

const CLOUDTRAIL_FILE_NAME = /^(\d{12}_CloudTrail_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Za-z0-9]{16})\.json(\.gz)?$/;

/**
 * CloudTrail names every delivery file uniquely (account, region, time and 16 random
 * characters), so the name alone identifies the content wherever it is read from.
 * Returns undefined for other names; callers then fall back to the location or a content hash.
 */
export function cloudTrailLogId(fileName: string): string | undefined {
  return CLOUDTRAIL_FILE_NAME.exec(fileName)?.[1];
}

/**
 * Turns the S3 records of one CloudTrail file into requests: only client API calls, not
 * cleartrail's own reads, and a duplicate eventID inside the file once.
 */
export class CloudTrailRequests {
  private readonly eventIds = new EventIdSet();
  private position = 0;
  readonly summary = { s3Records: 0, duplicates: 0, notApiCalls: 0, ownRequests: 0 };

  constructor(
    private readonly location: string,
    private readonly sources: SourceClassifier,
  ) {}

  /** The request a record stands for, or undefined when it is not one to count. */
  accept(record: CloudTrailRecord): S3Request | undefined {
    const position = this.position++;
    this.summary.s3Records++;
    if (!isClientApiCall(record)) {
      this.summary.notApiCalls++;
      return undefined;
    }
    if (isOwnRequest(record)) {
      this.summary.ownRequests++;
      return undefined;
    }
    const eventId = record.eventID;
    if (typeof eventId === 'string' && eventId.length > 0 && !this.eventIds.add(eventId)) {
      this.summary.duplicates++;
      return undefined;
    }
    const request = describeRequest(record, this.sources);
    if (typeof request === 'string') {
      throw new MalformedLogError(this.location, 'bad-record', `S3 record ${position}: ${request}`);
    }
    return request;
  }
}

const DELIVERY_TIME = /_CloudTrail_[a-z0-9-]+_(\d{4})(\d{2})(\d{2})T(\d{2})\d{2}Z_[A-Za-z0-9]{16}\.json(\.gz)?$/;

/**
 * The UTC hour (`YYYY-MM-DDTHH`) in which CloudTrail delivered a file, from its name; undefined
 * for other names. It is the delivery time, not the time of the events inside, which may be older.
 */
export function cloudTrailDeliveryHour(key: string): string | undefined {
  const match = DELIVERY_TIME.exec(key);
  return match ? `${match[1]}-${match[2]}-${match[3]}T${match[4]}` : undefined;
}

/** CloudTrail delivery files: gzipped `{"Records":[...]}`, one S3 data or management event per record. */
export const cloudTrailFormat: LogFormat = {
  name: 'cloudtrail',
  logIdFromName: cloudTrailLogId,
  async *requests(body, location, options) {
    const requests = new CloudTrailRequests(location, options.sources);
    const batches = readS3RecordBatches(body, location, options.limits);
    try {
      let step = await batches.next();
      while (!step.done) {
        const batch: S3Request[] = [];
        for (const record of step.value) {
          const request = requests.accept(record);
          if (request !== undefined) batch.push(request);
        }
        if (batch.length > 0) yield batch;
        step = await batches.next();
      }
      const summary: FormatSummary = {
        ...requests.summary,
        records: step.value.records,
        compressedBytes: step.value.compressedBytes,
        decompressedBytes: step.value.decompressedBytes,
      };
      return summary;
    } finally {
      // Closes the object stream when the consumer stopped early on a bad record.
      await batches.return(undefined as never);
    }
  },
};
