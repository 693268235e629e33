import { readFile, stat } from 'node:fs/promises';
import { NO_BUCKET } from '../../lib/classify/bucket-target';
import { validateBucketName } from '../../lib/core/bucket-name';
import { parseSelectorsDocument, type TrailReading, trailNameOf } from '../../lib/core/event-selectors';
import { loadCoverage } from '../../lib/report/queries';
import type { CliStore } from '../../lib/store';
import { type Command, s3ClientFor, UsageError, type Values, withStore } from '../options';
import { note, print, printJson } from '../render/output';
import { coverageText } from '../render/tables';
import { readLiveCoverage } from '../run/read-coverage';

/**
 * `coverage`: reads what the trails record (their event selectors) and whether server access
 * logging is on, keeps the readings in the store, and prints each bucket's coverage. With
 * `--selectors FILE` it reads the output of `aws cloudtrail get-event-selectors` instead of AWS.
 */
export const coverage: Command = async (values) => {
  if (values.bucket) validateBucketName(values.bucket);
  if (values['log-bucket']) validateBucketName(values['log-bucket']);
  // The file is read before the store opens: a bad document costs nothing.
  const fromFile = values.selectors ? await readSelectorsFile(values.selectors) : undefined;
  return withStore(values, async (session) => {
    const buckets = values.bucket
      ? [values.bucket]
      : (await session.store.listBuckets()).filter((bucket) => bucket !== NO_BUCKET);
    if (fromFile) {
      for (const reading of fromFile) await save(session.store, reading);
    } else {
      await readFromAws(session.store, values, buckets);
    }
    const { coverage: coverages } = await loadCoverage(session.store, buckets);
    const shown = buckets.map((bucket) => coverages.get(bucket)).filter((c) => c !== undefined);
    if (values.json) printJson({ buckets: shown });
    else print(coverageText(shown));
    return 0;
  });
};

async function readFromAws(store: CliStore, values: Values, buckets: readonly string[]): Promise<void> {
  if (!values['log-bucket']) {
    note(
      'reading every trail of the account: pass --log-bucket with the bucket cleartrail analyses to count only the trails that deliver there',
    );
  }
  const live = await readLiveCoverage({
    profile: values.profile,
    region: values.region,
    logBucket: values['log-bucket'],
    buckets,
    s3: await s3ClientFor(values),
    now: () => new Date(),
  });
  for (const line of live.notes) note(line);
  if (live.trails.length === 0) {
    note(
      values['log-bucket']
        ? `no trail delivers to ${values['log-bucket']}: CloudTrail records none of these buckets' requests for cleartrail`
        : 'no trail found',
    );
  }
  for (const reading of live.trails) await save(store, reading);
  for (const reading of live.accessLogs) await store.saveAccessLogReading(reading);
}

async function save(store: CliStore, reading: TrailReading): Promise<void> {
  if (!(await store.saveTrailReading(reading))) {
    note(`trail ${reading.name}: the store holds a reading as new or newer than ${reading.readAt}, kept`);
  }
}

/**
 * The trails of a `--selectors` file: one `get-event-selectors` document or a list of them. A
 * file's readings are as old as the file: its modification time is their `readAt`.
 */
async function readSelectorsFile(file: string): Promise<TrailReading[]> {
  let text: string;
  let modified: Date;
  try {
    [text, modified] = await Promise.all([readFile(file, 'utf8'), stat(file).then((s) => s.mtime)]);
  } catch (error) {
    throw new UsageError(
      `--selectors ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--selectors ${file}: not JSON (${(error as Error).message})`);
  }
  const documents = Array.isArray(parsed) ? parsed : [parsed];
  if (documents.length === 0) throw new UsageError(`--selectors ${file}: an empty list, no trail in it`);
  return documents.map((document, i) => {
    const selectors = parseSelectorsDocument(document, documents.length > 1 ? `${file}[${i}]` : file);
    return { ...selectors, name: trailNameOf(selectors.trailArn), readAt: modified.toISOString() };
  });
}
