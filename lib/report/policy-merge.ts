import { validateBucketName } from '../core/bucket-name';
import { quoteUntrusted, SHOWN_WIDTH, untrustedText } from '../core/untrusted-text';
import {
  enforceHttpsPolicy,
  type MinTlsVersion,
  type PolicyStatement,
  SECURE_TRANSPORT_KEY,
  TLS_VERSION_KEY,
} from './bucket-policy';
import { type JsonNode, JsonSyntaxError, nodeValue, parseWithSpans } from './json-spans';

/**
 * Merges the deny statements of `enforceHttpsPolicy` into a bucket's existing policy, the step
 * `cleartrail enforce` automates. Pure: the policy text comes in, the merged text or the reason
 * it cannot be merged safely goes out.
 *
 * The rules, and why:
 * - Every existing statement is kept byte for byte: the new statements are inserted into the
 *   text, nothing is parsed and written back. What the user reviewed in their policy is what stays.
 * - Idempotent: a statement that already denies what ours would deny (Deny; `Bool` or
 *   `BoolIfExists` `aws:SecureTransport` false; `Principal` `"*"` or `{"AWS": "*"}`; `Action`
 *   `s3:*` or `*`; both the bucket and `bucket/*`) means nothing is added. For the TLS minimum,
 *   `NumericLessThan` `s3:TlsVersion` at the same version or higher.
 * - A deny on the same key that exempts someone (`NotPrincipal`, `NotAction`, `NotResource`, or
 *   another condition beside it, such as `aws:SourceVpce`) is refused: a full deny next to it
 *   would silently remove the exemption, which someone wrote on purpose. So is an `Allow` that
 *   names plain HTTP (`aws:SecureTransport` false), and a statement that already uses our `Sid`.
 * - A narrower deny with no exemption (some actions, the objects only, some principals) is kept,
 *   and the full deny added beside it: denies add up, so nothing is lost.
 * - S3 limits a bucket policy to 20 KB (S3 user guide, "Bucket policies and user policies").
 */

/** S3's limit on the size of a bucket policy, counted here in UTF-8 bytes of the whole document. */
export const BUCKET_POLICY_MAX_BYTES = 20 * 1024;

/** The policy language versions S3 accepts; a policy without `Version` is read as 2008-10-17. */
export const POLICY_VERSIONS = ['2012-10-17', '2008-10-17'] as const;

export type MergeRefusalCode =
  | 'invalid-json'
  | 'not-a-policy'
  | 'unknown-version'
  | 'other-bucket'
  | 'allows-http'
  | 'exemption'
  | 'unrecognised-condition'
  | 'conflicting-sid'
  | 'too-large';

export type PolicyMerge =
  | {
      outcome: 'merged';
      /** False when the policy already denied everything asked for: `text` is the input, unchanged. */
      changed: boolean;
      /** The policy document to put, the original text with the new statements inserted. */
      text: string;
      policy: Record<string, unknown>;
      /** The Sids of the statements added, in order. */
      added: string[];
      /** Statements that already deny part of it; kept, and worth a look. */
      notes: string[];
    }
  | { outcome: 'refused'; code: MergeRefusalCode; reason: string };

export interface MergeRequest {
  bucket: string;
  /** The current policy text; undefined or blank when the bucket has none. */
  current: string | undefined;
  minTlsVersion?: MinTlsVersion;
}

/** One deny statement the merged policy must have, and how to recognise one already there. */
interface WantedDeny {
  statement: PolicyStatement;
  /** The condition key, lower case (IAM compares condition keys case-insensitively). */
  key: string;
  operators: readonly string[];
  /** What it denies, for notes and reasons. */
  what: string;
  /** Whether condition values on that key deny all of what ours denies, part of it, or something unclear. */
  covers(values: readonly unknown[]): 'full' | 'partial' | 'unrecognised';
}

class Refusal extends Error {
  constructor(
    readonly code: MergeRefusalCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The bucket's policy with the plain-HTTP deny (and, with `minTlsVersion`, the old-TLS deny)
 * merged in, or the reason it is refused.
 *
 * @example
 * const merged = mergeEnforcement({ bucket: 'acme-data', current: await readPolicy() });
 * if (merged.outcome === 'merged' && merged.changed) await putPolicy(merged.text);
 */
export function mergeEnforcement(request: MergeRequest): PolicyMerge {
  validateBucketName(request.bucket);
  try {
    return merge(request);
  } catch (error) {
    if (error instanceof Refusal) return { outcome: 'refused', code: error.code, reason: error.message };
    throw error;
  }
}

function merge({ bucket, current, minTlsVersion }: MergeRequest): PolicyMerge {
  if (current === undefined || current.trim() === '') {
    const policy = enforceHttpsPolicy(bucket, { minTlsVersion });
    const text = JSON.stringify(policy, null, 2);
    return {
      outcome: 'merged',
      changed: true,
      text,
      policy: JSON.parse(text),
      added: policy.Statement.map((s) => s.Sid),
      notes: [],
    };
  }
  const document = readDocument(current, bucket);
  const wanted = wantedDenies(bucket, document.partition, minTlsVersion);
  const { missing, notes } = findMissing(document, wanted);
  if (missing.length === 0) {
    return { outcome: 'merged', changed: false, text: current, policy: JSON.parse(current), added: [], notes };
  }
  const statements = missing.map((w) => w.statement);
  let text = insertStatements(current, document.statementNode, statements, false);
  // A pretty-printed statement costs some 150 bytes of indentation; compact ones may still fit.
  if (byteLength(text) > BUCKET_POLICY_MAX_BYTES)
    text = insertStatements(current, document.statementNode, statements, true);
  if (byteLength(text) > BUCKET_POLICY_MAX_BYTES) {
    throw new Refusal(
      'too-large',
      `the merged policy would be ${byteLength(text)} bytes, over S3's limit of ${BUCKET_POLICY_MAX_BYTES} bytes (20 KB): make room in the policy first`,
    );
  }
  // The merge must be a fixed point: merging again finds everything and adds nothing.
  const again = findMissing(readDocument(text, bucket), wanted);
  if (again.missing.length > 0)
    throw new Error(`bug: the merged policy still lacks ${again.missing[0]?.statement.Sid}`);
  return {
    outcome: 'merged',
    changed: true,
    text,
    policy: JSON.parse(text),
    added: statements.map((s) => s.Sid),
    notes,
  };
}

interface PolicyDocument {
  text: string;
  /** The value of `Statement`: an array of statements, or one statement object. */
  statementNode: JsonNode;
  statements: Array<Record<string, unknown>>;
  partition: string;
}

function readDocument(text: string, bucket: string): PolicyDocument {
  let root: JsonNode;
  try {
    root = parseWithSpans(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError)
      throw new Refusal('invalid-json', `the policy is not valid JSON: ${error.message}`);
    throw error;
  }
  if (root.kind !== 'object') throw new Refusal('not-a-policy', 'the policy is not a JSON object');
  const version = root.members.find((m) => m.key === 'Version');
  if (version) {
    const value = nodeValue(text, version.value);
    if (typeof value !== 'string' || !(POLICY_VERSIONS as readonly string[]).includes(value)) {
      throw new Refusal(
        'unknown-version',
        `the policy's Version ${quoteUntrusted(value)} is not one of ${POLICY_VERSIONS.join(', ')}`,
      );
    }
  }
  const statementMember = root.members.find((m) => m.key === 'Statement');
  if (!statementMember) throw new Refusal('not-a-policy', 'the policy has no Statement');
  const statementNode = statementMember.value;
  const nodes =
    statementNode.kind === 'array' ? statementNode.items : statementNode.kind === 'object' ? [statementNode] : [];
  if (statementNode.kind === 'scalar' || nodes.some((n) => n.kind !== 'object')) {
    throw new Refusal('not-a-policy', "the policy's Statement is not a statement object or an array of them");
  }
  const statements = nodes.map((n) => nodeValue(text, n) as Record<string, unknown>);
  return { text, statementNode, statements, partition: partitionOf(statements, bucket) };
}

/**
 * The partition of the bucket's ARNs in the policy (`aws`, `aws-cn`, `aws-us-gov`), `aws` when none
 * names it. A resource of another bucket means the policy is not this bucket's: S3 would refuse it.
 */
function partitionOf(statements: ReadonlyArray<Record<string, unknown>>, bucket: string): string {
  let partition: string | undefined;
  for (const statement of statements) {
    for (const resource of [...asArray(statement.Resource), ...asArray(statement.NotResource)]) {
      const arn = typeof resource === 'string' ? /^arn:([^:]*):s3:::([^/]*)/.exec(resource) : null;
      if (!arn) continue;
      const [, arnPartition, arnBucket] = arn as unknown as [string, string, string];
      if (arnBucket === bucket) partition ??= arnPartition;
      else if (!/[*?]/.test(arnBucket)) {
        throw new Refusal(
          'other-bucket',
          `${labelOf(statement, statements.indexOf(statement))} names ${quoteUntrusted(resource)}, a resource of bucket ${quoteUntrusted(arnBucket)}: is this the policy of ${bucket}?`,
        );
      }
    }
  }
  return partition ?? 'aws';
}

function wantedDenies(bucket: string, partition: string, minTlsVersion: MinTlsVersion | undefined): WantedDeny[] {
  const statements = enforceHttpsPolicy(bucket, {
    minTlsVersion,
    partition: partition as 'aws' | 'aws-cn' | 'aws-us-gov',
  }).Statement;
  const [insecure, outdated] = statements as [PolicyStatement, PolicyStatement | undefined];
  const wanted: WantedDeny[] = [
    {
      statement: insecure,
      key: SECURE_TRANSPORT_KEY.toLowerCase(),
      operators: ['bool', 'boolifexists'],
      what: 'plain HTTP',
      covers: (values) =>
        values.length > 0 && values.every((v) => String(v).toLowerCase() === 'false') ? 'full' : 'unrecognised',
    },
  ];
  if (outdated && minTlsVersion) {
    const minimum = Number(minTlsVersion);
    wanted.push({
      statement: outdated,
      key: TLS_VERSION_KEY.toLowerCase(),
      operators: ['numericlessthan', 'numericlessthanifexists'],
      what: `TLS below ${minTlsVersion}`,
      covers: (values) => {
        const numbers = values.map((v) => (typeof v === 'number' || typeof v === 'string' ? Number(v) : Number.NaN));
        if (numbers.length === 0 || numbers.some((n) => Number.isNaN(n))) return 'unrecognised';
        // Several values of one operator are ORed: the statement denies below the highest.
        return Math.max(...numbers) >= minimum ? 'full' : 'partial';
      },
    });
  }
  return wanted;
}

/** The wanted statements the policy lacks, and the narrower denies it has. */
function findMissing(
  document: PolicyDocument,
  wanted: readonly WantedDeny[],
): { missing: WantedDeny[]; notes: string[] } {
  const notes: string[] = [];
  const resources = wanted[0]?.statement.Resource ?? [];
  const missing = wanted.filter((w) => {
    let found = false;
    document.statements.forEach((statement, index) => {
      const verdict = judgeStatement(statement, labelOf(statement, index), w, resources);
      if (verdict === 'full') found = true;
      if (verdict === 'partial')
        notes.push(`${labelOf(statement, index)} denies ${w.what} for part of the bucket only; it is kept`);
    });
    return !found;
  });
  for (const w of missing) {
    const index = document.statements.findIndex((s) => s.Sid === w.statement.Sid);
    if (index >= 0) {
      throw new Refusal(
        'conflicting-sid',
        `statement ${index + 1} already has the Sid ${w.statement.Sid} and does something else: rename it or remove it first`,
      );
    }
  }
  return { missing, notes };
}

/** How one existing statement relates to one wanted deny; throws the refusal when it cannot be merged safely. */
function judgeStatement(
  statement: Record<string, unknown>,
  label: string,
  wanted: WantedDeny,
  resources: readonly string[],
): 'unrelated' | 'full' | 'partial' {
  const entries = conditionEntries(statement.Condition);
  const touching = entries.filter((e) => e.key.toLowerCase() === wanted.key);
  if (touching.length === 0) return 'unrelated';
  if (statement.Effect === 'Allow') {
    if (
      wanted.key === SECURE_TRANSPORT_KEY.toLowerCase() &&
      touching.some((e) => e.values.some((v) => String(v).toLowerCase() === 'false'))
    ) {
      throw new Refusal(
        'allows-http',
        `${label} allows requests without TLS on purpose (aws:SecureTransport false); a deny would override it: remove it first or edit the policy by hand`,
      );
    }
    return 'unrelated';
  }
  if (statement.Effect !== 'Deny') return 'unrelated';
  const exemption = ['NotPrincipal', 'NotAction', 'NotResource'].find((element) => element in statement);
  if (exemption) {
    throw new Refusal(
      'exemption',
      `${label} denies ${wanted.what} with ${exemption}, an exemption someone wrote on purpose; a full deny beside it would remove it: edit the policy by hand`,
    );
  }
  const others = entries.filter((e) => !touching.includes(e));
  if (others.length > 0 || touching.length > 1) {
    const named = [...new Set(others.map((e) => shown(`${e.operator} ${e.key}`)))].join(', ') || 'the same key twice';
    throw new Refusal(
      'exemption',
      `${label} denies ${wanted.what} only under further conditions (${named}), an exemption someone wrote on purpose; a full deny beside it would remove it: edit the policy by hand`,
    );
  }
  const [entry] = touching as [ConditionEntry];
  const coverage = wanted.operators.includes(entry.operator.toLowerCase())
    ? wanted.covers(entry.values)
    : 'unrecognised';
  if (coverage === 'unrecognised') {
    throw new Refusal(
      'unrecognised-condition',
      `${label} is a Deny on ${shown(entry.key)} with ${shown(entry.operator)} ${quoteUntrusted(entry.values)}, which cleartrail does not recognise: edit the policy by hand`,
    );
  }
  const wholeScope =
    allPrincipals(statement.Principal) &&
    allActions(statement.Action) &&
    coversResources(statement.Resource, resources);
  return coverage === 'full' && wholeScope ? 'full' : 'partial';
}

interface ConditionEntry {
  operator: string;
  key: string;
  values: unknown[];
}

function conditionEntries(condition: unknown): ConditionEntry[] {
  if (!isRecord(condition)) return [];
  return Object.entries(condition).flatMap(([operator, keys]) =>
    isRecord(keys) ? Object.entries(keys).map(([key, value]) => ({ operator, key, values: asArray(value) })) : [],
  );
}

function allPrincipals(principal: unknown): boolean {
  if (principal === '*') return true;
  if (!isRecord(principal)) return false;
  const keys = Object.keys(principal);
  if (keys.length !== 1 || keys[0] !== 'AWS') return false;
  const aws = asArray(principal.AWS);
  return aws.length > 0 && aws.every((p) => p === '*');
}

function allActions(action: unknown): boolean {
  return asArray(action).some((a) => typeof a === 'string' && (a.toLowerCase() === 's3:*' || a === '*'));
}

function coversResources(resource: unknown, wanted: readonly string[]): boolean {
  const given = asArray(resource);
  return given.includes('*') || wanted.every((arn) => given.includes(arn));
}

function labelOf(statement: Record<string, unknown>, index: number): string {
  return typeof statement.Sid === 'string' && statement.Sid !== ''
    ? `statement ${quoteUntrusted(statement.Sid)}`
    : `statement ${index + 1}`;
}

/**
 * `text` with `statements` inserted after the last existing statement (or in place of an empty
 * array, or turning a single statement object into an array of it and them), indented like
 * the text around them, or on one line each when `compact` or when the text is on one line.
 */
function insertStatements(
  text: string,
  node: JsonNode,
  statements: readonly PolicyStatement[],
  compact: boolean,
): string {
  const unit = /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
  const multiline = !compact && text.includes('\n');
  const render = (statement: PolicyStatement, indent: string) =>
    multiline ? JSON.stringify(statement, null, unit).split('\n').join(`\n${indent}`) : JSON.stringify(statement);
  if (node.kind === 'array' && node.items.length > 0) {
    const last = node.items[node.items.length - 1] as JsonNode;
    const before = /[ \t\n\r]*$/.exec(text.slice(0, last.start))?.[0] ?? '';
    const lineBreak = before.includes('\n');
    const indent = lineBreak ? before.slice(before.lastIndexOf('\n') + 1) : '';
    const separator = lineBreak && !compact ? `\n${indent}` : compact ? '' : before;
    const inserted = statements
      .map((s) => `,${separator}${lineBreak && !compact ? render(s, indent) : JSON.stringify(s)}`)
      .join('');
    return text.slice(0, last.end) + inserted + text.slice(last.end);
  }
  const outer = indentOfLine(text, node.start);
  const indent = outer + unit;
  const head = node.kind === 'object' ? [text.slice(node.start, node.end)] : [];
  const body = [...head, ...statements.map((s) => render(s, indent))];
  const replacement = multiline ? `[\n${indent}${body.join(`,\n${indent}`)}\n${outer}]` : `[${body.join(',')}]`;
  return text.slice(0, node.start) + replacement + text.slice(node.end);
}

function indentOfLine(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

/** A key or operator of the policy in a reason: the policy's text is the user's, or anyone's who could edit it. */
function shown(text: string): string {
  return untrustedText(text, SHOWN_WIDTH.message);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
