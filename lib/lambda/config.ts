import { ConfigurationError } from '../core/errors';
import { DEFAULT_READ_LIMITS, type ReadLimits } from '../formats/cloudtrail-reader';
import { InvalidNetworksError, type NamedNetwork, parseNamedNetworks } from '../net/named-networks';

/** The deployed function's settings, read and checked once at cold start. */
export interface HandlerConfig {
  tableName: string;
  /** The CloudTrail bucket the function was deployed for; events for other buckets are refused. */
  logBucket: string;
  logPrefix: string;
  /** Where S3 server access logs land, when the deployment reads them too. */
  accessLogs?: AccessLogLocation;
  networks: NamedNetwork[];
  limits: ReadLimits;
  /** Path-style S3 addressing, for S3-compatible endpoints such as s3rver in local runs. */
  s3ForcePathStyle: boolean;
  /** The SNS topic that new plain-HTTP clients are announced on; none when alerts are off. */
  alertTopicArn?: string;
}

/** The target bucket and prefix of S3 server access logging. */
export interface AccessLogLocation {
  bucket: string;
  prefix: string;
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MIB = 1024 * 1024;
/** A standard topic: a FIFO one (`.fifo`) would need a message group the alert does not have. */
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/**
 * Reads the handler's environment. Every error names the variable and the bad value, so a
 * misconfigured deployment fails at its first invocation with a message that says what to fix.
 */
export function loadHandlerConfig(env: NodeJS.ProcessEnv): HandlerConfig {
  const tableName = required(env, 'CLEARTRAIL_TABLE');
  if (!TABLE_NAME.test(tableName)) throw invalid('CLEARTRAIL_TABLE', tableName, 'is not a DynamoDB table name');
  const logBucket = required(env, 'CLEARTRAIL_LOG_BUCKET');
  if (!BUCKET_NAME.test(logBucket)) throw invalid('CLEARTRAIL_LOG_BUCKET', logBucket, 'is not an S3 bucket name');
  const logPrefix = env.CLEARTRAIL_LOG_PREFIX ?? 'AWSLogs/';
  if (logPrefix.length > 0 && !logPrefix.endsWith('/')) {
    throw invalid('CLEARTRAIL_LOG_PREFIX', logPrefix, 'must be empty or end with "/"');
  }
  const accessLogs = accessLogLocation(env);
  const alertTopicArn = env.CLEARTRAIL_ALERT_TOPIC_ARN?.trim() || undefined;
  if (alertTopicArn !== undefined && !SNS_TOPIC_ARN.test(alertTopicArn)) {
    throw invalid('CLEARTRAIL_ALERT_TOPIC_ARN', alertTopicArn, 'is not the ARN of a standard SNS topic');
  }
  return {
    tableName,
    logBucket,
    logPrefix,
    ...(accessLogs ? { accessLogs } : {}),
    networks: namedNetworks(env, 'CLEARTRAIL_NETWORKS'),
    s3ForcePathStyle: booleanFlag(env, 'CLEARTRAIL_S3_FORCE_PATH_STYLE'),
    ...(alertTopicArn !== undefined ? { alertTopicArn } : {}),
    limits: {
      maxDecompressedBytes:
        positiveInteger(env, 'CLEARTRAIL_MAX_DECOMPRESSED_MB', DEFAULT_READ_LIMITS.maxDecompressedBytes / MIB) * MIB,
      maxRecordBytes: DEFAULT_READ_LIMITS.maxRecordBytes,
    },
  };
}

/**
 * CLEARTRAIL_ACCESS_LOG_BUCKET (empty: no access logs) and CLEARTRAIL_ACCESS_LOG_PREFIX, the
 * target prefix of access logging, which S3 puts before every object name (`logs/` or `logs-`).
 */
function accessLogLocation(env: NodeJS.ProcessEnv): AccessLogLocation | undefined {
  const bucket = env.CLEARTRAIL_ACCESS_LOG_BUCKET?.trim() ?? '';
  const prefix = env.CLEARTRAIL_ACCESS_LOG_PREFIX ?? '';
  if (bucket === '') {
    if (prefix !== '')
      throw invalid('CLEARTRAIL_ACCESS_LOG_PREFIX', prefix, 'is set without CLEARTRAIL_ACCESS_LOG_BUCKET');
    return undefined;
  }
  if (!BUCKET_NAME.test(bucket)) throw invalid('CLEARTRAIL_ACCESS_LOG_BUCKET', bucket, 'is not an S3 bucket name');
  // An object key is at most 1024 bytes and S3 notification filters refuse control characters.
  if (prefix.length > 512 || [...prefix].some((character) => character < ' ')) {
    throw invalid('CLEARTRAIL_ACCESS_LOG_PREFIX', prefix, 'is not a usable key prefix');
  }
  return { bucket, prefix };
}

function namedNetworks(env: NodeJS.ProcessEnv, name: string): NamedNetwork[] {
  try {
    return parseNamedNetworks(env[name] ?? '');
  } catch (error) {
    if (error instanceof InvalidNetworksError) throw new ConfigurationError(`${name}: ${error.message}`);
    throw error;
  }
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigurationError(`${name} is not set`);
  return value.trim();
}

function booleanFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw invalid(name, raw, 'must be "true" or "false"');
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw invalid(name, raw, 'must be a positive whole number');
  return value;
}

function invalid(name: string, value: string, problem: string): ConfigurationError {
  return new ConfigurationError(`${name}=${JSON.stringify(value)} ${problem}`);
}
