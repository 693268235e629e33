import { parseArgs } from 'node:util';
import { parseTimeWindow } from '../lib/core/time-window';
import { isS3Url } from '../lib/s3/s3-url';
import { version } from '../package.json';
import { type Command, OPTIONS, parseSourceOption, usageMessage, type Values } from './options';
import { note, print, usageError } from './render/output';

const USAGE = `cleartrail ${version}: which clients still talk to your S3 buckets over plain HTTP

Usage:
  cleartrail analyze   [--json] [--networks NAME=CIDR,...] [--workers N] [--batch-files N]
                       [store options] PATH...
  cleartrail analyze   [--since T] [--until T] [--profile P] [...] s3://BUCKET[/PREFIX]...
  cleartrail backfill-manifest --since T --until T [--profile P] [--output FILE] s3://BUCKET[/PREFIX]
  cleartrail report    [--json | --csv] [--bucket B] [--since T] [--until T] [--html FILE] [--source S]
                       [store options]
  cleartrail clients   --bucket B [--since T] [--until T] [--hygiene] [--json] [--source S] [store options]
  cleartrail clients   --new [--bucket B] [--since T] [--until T] [--json] [store options]
  cleartrail enforce-check --bucket B [--days 30 | --since T] [--until T] [--min-tls 1.2]
                       [--max-gap-hours 24] [--policy-file FILE] [--json] [--source S] [store options]
  cleartrail enforce   --bucket B [--policy-file FILE | --apply [--force REASON]] [--min-tls 1.2]
                       [--json] [--profile P] [--region R] [enforce-check's options when applying]
  cleartrail enforce   --bucket B --rollback FILE [--force REASON] [--json] [--profile P] [--region R]
  cleartrail coverage  [--bucket B] [--log-bucket L] [--profile P] [--region R] [--json] [store options]
  cleartrail coverage  --selectors FILE [--bucket B] [--json] [store options]
  cleartrail failures  [--json] [store options]
  cleartrail reprocess [--all-failed] [--networks ...] [store options] [LOG...]
  cleartrail store     status [--json] [--data-dir DIR]
  cleartrail store     export --table NAME [--region R] [--data-dir DIR]
  cleartrail store     recover [--older-than 30m] [--json] [store options]
  cleartrail doctor    --bucket B [--trail NAME] [--profile P] [--region R] [--json]

Store options:
  --data-dir DIR        the embedded store's folder (default ./.cleartrail), in this process:
                        commands on one DIR may run at once and take turns per commit.
                        "store export --table NAME" copies it into a deployed table, once.
  --table NAME          a deployed cleartrail table instead (default AWS credential chain)
  --region R            its region

T is an ISO time (2026-11-20, 2026-11-20T13:00Z) or a span back from now (36h, 7d, 2w).
s3://BUCKET/PREFIX: the CloudTrail files under it (AWSLogs/[o-org/]ACCOUNT/CloudTrail/REGION/...)
  and the S3 server access-log objects of the target prefix PREFIX (PREFIXYYYY-mm-DD-HH-MM-SS-ID,
  PREFIXACCOUNT/REGION/BUCKET/YYYY/MM/DD/...), whose delivery time, in their names, is in
  --since/--until; events near the edges of the window
  can sit in the neighbouring file. Credentials: the default chain or --profile; AWS_ENDPOINT_URL_S3
  and CLEARTRAIL_S3_FORCE_PATH_STYLE=true for S3-compatible servers.
PATH is a .json or .json.gz CloudTrail file, an S3 server access-log object, or a directory
  searched recursively (access-log objects by their S3 names). analyze reads
  files on --workers threads (default: one per core) and commits them in batches of up to
  --batch-files (default and most 99); progress shows on stderr when it is a terminal.
--source S: cloudtrail or access-log. By default a bucket's figures come from CloudTrail where it
  has CloudTrail records in the window, else from S3 server access logs; the output says which.
report --html FILE also writes a self-contained HTML page (charts, verdicts, clients).
clients --hygiene also lists HTTPS clients with TLS-hygiene findings (TLS < 1.2, SigV2).
clients --new lists the clients whose plain HTTP to a bucket was first seen in the window (from
  that address, or named network, with that principal), on every bucket unless --bucket is given.
enforce-check: can a bucket policy deny plain HTTP (and, with --min-tls, old TLS) without
  breaking a client seen in the window (default: the last 30 days up to now)? Prints the
  verdict, its reasons and, when ready, the policy; enforced once S3 refuses every plain-HTTP
  request (the clients still trying are listed as broken), and with --policy-file FILE (the
  bucket's policy) whether it holds the deny. Exit code 0 ready or enforced, 1 not ready or
  cannot tell (reads or writes of the bucket not logged), 2 error.
enforce: merges that deny into the bucket's policy (read with your credentials, or offline from
  --policy-file) and prints the diff; a dry run unless --apply. --apply writes it if enforce-check
  says ready (--force REASON: anyway), after saving the previous policy to a file it names;
  --rollback FILE puts that one back. Exit code 0 done or nothing to do, 1 refused, 2 error.
coverage: what the trails record of each bucket (reads, writes, management events), from
  DescribeTrails and GetEventSelectors of the trails that deliver to --log-bucket, and whether
  server access logging is on (GetBucketLogging); --selectors FILE reads the output of
  "aws cloudtrail get-event-selectors" instead. Kept in the store for report and enforce-check.
store recover: completes the batches claimed more than --older-than ago (90s, 30m, 2h, 1d)
  and never finished; exit code 1 when one cannot be completed (its logs go to "failures").
  The embedded store commits each batch whole, so it has none.
doctor: reads the trail bucket (region, versioning, encryption, notifications, one listing) and
  the trail that writes to it with your credentials, and prints the sls deploy command that fits
  and each problem with its fix. Exit code 0 deployable, 1 not, 2 error.
analyze, reprocess: exit code 3 when the store stopped answering; the files not counted are
  named, and rerunning the same command finishes the job.
Results go to stdout, progress and errors to stderr.`;

/**
 * The commands, one entry each, every one in bin/commands/ and loaded only when it runs: `--help`
 * and a usage error load no command, and `report` never loads what `analyze` reads logs with.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  analyze: async () => (await import('./commands/analyze')).analyze,
  report: async () => (await import('./commands/report')).report,
  clients: async () => (await import('./commands/clients')).clients,
  failures: async () => (await import('./commands/failures')).failures,
  reprocess: async () => (await import('./commands/reprocess')).reprocess,
  'enforce-check': async () => (await import('./commands/enforce-check')).enforceCheck,
  enforce: async () => (await import('./commands/enforce')).enforce,
  coverage: async () => (await import('./commands/coverage')).coverage,
  doctor: async () => (await import('./commands/doctor')).doctor,
  store: async () => (await import('./commands/store')).store,
  'backfill-manifest': async () => (await import('./commands/backfill-manifest')).backfillManifest,
};

/**
 * Runs one command; resolves to the process exit code (0 ok, 1 some input failed, 2 usage or
 * setup error, 3 the store stopped answering mid-run).
 */
/** Commands that call AWS themselves, in --region when it is given. */
const REGIONAL_COMMANDS: ReadonlySet<string> = new Set(['enforce', 'coverage', 'doctor']);

export async function main(argv: readonly string[]): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [name, ...operands] = positionals;
  if (values.version) {
    print(version);
    return 0;
  }
  if (values.help || !name) {
    print(USAGE);
    return values.help ? 0 : 2;
  }
  // enforce, coverage and doctor call S3 (and CloudTrail) in --region too.
  if (values.region && !values.table && !operands.some(isS3Url) && !REGIONAL_COMMANDS.has(name)) {
    return usageError('--region goes with --table, an s3:// location, enforce, coverage or doctor');
  }
  const loadCommand = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;

  try {
    // Bad option values are usage errors, found before a store is opened.
    parseTimeWindow(values.since, values.until, new Date());
    parseSourceOption(values.source);
    if (!loadCommand) return usageError(`unknown command ${JSON.stringify(name)}`);
    const command = await loadCommand();
    return await command(values, operands);
  } catch (error) {
    const usage = usageMessage(error);
    if (usage !== undefined) return usageError(usage);
    note((error as Error).message);
    return 2;
  }
}
