import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { openLogFile } from '../../bin/run/local-files';
import { type CloudTrailRecord, S3_EVENT_SOURCE } from '../../lib/classify/cloudtrail-record';
import { createSourceClassifier } from '../../lib/classify/request-source';
import { classifyVerdict, type Verdict } from '../../lib/classify/verdict';
import { foldLog } from '../../lib/count/pipeline';
import { cloudTrailFormat } from '../../lib/formats/cloudtrail';
import { readS3RecordBatches } from '../../lib/formats/cloudtrail-reader';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import { STORE_VARIANTS } from './variants-store';

/** What one variant reports about one file; the runner checks that all variants agree. */
export interface VariantOutcome {
  /** Elements of `Records`. */
  records: number;
  s3Records: number;
  /** Bytes of JSON the variant decompressed. */
  jsonBytes: number;
  /** Free text for the table's notes (e.g. items written). */
  detail?: string;
}

/** A prepared variant: `run` is what the bench times, once per process. */
export interface BenchVariant {
  run(file: string): Promise<VariantOutcome>;
}

/**
 * One row of the bench. `prepare` does, untimed, what a Lambda does once per cold start
 * (build clients, load the IP ranges, start or reach DynamoDB Local); it runs in the child
 * process that then times `run`.
 */
export interface BenchVariantEntry {
  /** Short id used on the command line and in the table: `a`, `b`, `c`. */
  id: string;
  name: string;
  prepare(): Promise<BenchVariant>;
}

/**
 * (a) What tools that "just parse the file" do: the whole object in memory, decompressed in
 * one call, parsed in one call, then a loop. The loop filters S3 records and classifies each,
 * so that it does the same per-record work as the pipeline's verdict step.
 */
export const BASELINE: BenchVariantEntry = {
  id: 'a',
  name: 'baseline: gunzipSync + JSON.parse + loop',
  prepare: async () => ({
    async run(file) {
      const json = gunzipSync(readFileSync(file));
      const log = JSON.parse(json.toString('utf8')) as { Records: CloudTrailRecord[] };
      const verdicts: Record<Verdict, number> = { https: 0, http: 0, service: 0, unknown: 0 };
      let s3Records = 0;
      for (const record of log.Records) {
        if (record.eventSource !== S3_EVENT_SOURCE) continue;
        s3Records++;
        verdicts[classifyVerdict(record).verdict]++;
      }
      return { records: log.Records.length, s3Records, jsonBytes: json.length, detail: verdictDetail(verdicts) };
    },
  }),
};

/**
 * (b) cleartrail from compressed bytes to tallies, without the store: `foldLog` with the
 * CloudTrail format (reader, verdict, source, de-duplication, per-bucket, per-hour and per-client
 * counters), as `lib/count/pipeline.ts` does before it commits.
 */
export const PIPELINE: BenchVariantEntry = {
  id: 'b',
  name: 'cleartrail: foldLog (CloudTrail reader + fold)',
  prepare: async () => {
    const ranges = bundledIpRanges();
    return {
      async run(file) {
        // One classifier per file, as a batch of one builds it: its caches must not carry over between runs.
        const folded = await foldLog(
          { id: file, location: file, format: cloudTrailFormat, open: async () => openLogFile(file) },
          { sources: createSourceClassifier(ranges, []) },
        );
        return {
          records: folded.read.records,
          s3Records: folded.read.s3Records,
          jsonBytes: folded.read.decompressedBytes,
          detail: `${folded.summary.requests.toLocaleString('en-US')} requests folded into ${folded.tallies.length.toLocaleString('en-US')} tallies`,
        };
      },
    };
  },
};

/**
 * (r) The reader with exactly the per-record work of (a): classifyVerdict, plus a per-bucket
 * count. Against (a) it measures streaming versus a whole-file parse alone; the gap between
 * (r) and (b) is what the fold costs.
 */
export const READER: BenchVariantEntry = {
  id: 'r',
  name: 'reader: readS3RecordBatches + classifyVerdict + per-bucket fold',
  prepare: async () => ({
    async run(file) {
      const buckets = new Map<string, Record<Verdict, number>>();
      const verdicts: Record<Verdict, number> = { https: 0, http: 0, service: 0, unknown: 0 };
      const reader = readS3RecordBatches(openLogFile(file), file);
      let step = await reader.next();
      while (!step.done) {
        for (const record of step.value) {
          const { verdict } = classifyVerdict(record);
          verdicts[verdict]++;
          const name = String(record.requestParameters?.bucketName ?? '(none)');
          let counts = buckets.get(name);
          if (counts === undefined) {
            counts = { https: 0, http: 0, service: 0, unknown: 0 };
            buckets.set(name, counts);
          }
          counts[verdict]++;
        }
        step = await reader.next();
      }
      return {
        records: step.value.records,
        s3Records: step.value.s3Records,
        jsonBytes: step.value.decompressedBytes,
        detail: `${verdictDetail(verdicts)} in ${buckets.size} buckets`,
      };
    },
  }),
};

/** Every variant the runner knows, in table order. */
export const BENCH_VARIANTS: readonly BenchVariantEntry[] = [BASELINE, PIPELINE, READER, ...STORE_VARIANTS];

function verdictDetail(verdicts: Record<Verdict, number>): string {
  return Object.entries(verdicts)
    .map(([verdict, n]) => `${verdict} ${n.toLocaleString('en-US')}`)
    .join(', ');
}
