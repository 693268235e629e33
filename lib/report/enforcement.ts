import { SHOWN_WIDTH, untrustedText } from '../core/untrusted-text';
import { checkPolicyTransport, type PolicyTransportCheck } from './bucket-policy';
import type { BucketReport } from './bucket-report';
import type { ClientReport } from './clients';
import { assessReadiness, LISTED_CLIENTS, type ReadinessInput, type ReadinessResult } from './readiness';

/**
 * "Is plain HTTP already off for this bucket?" answered from the logs: S3 records what it
 * answered, and a SecureTransport deny answers `AccessDenied`. Pure, like readiness.ts: the
 * report and clients come from lib/report/queries.ts, or from a test.
 */

/** A client S3 refused plain HTTP to after enforcement: a client enforcement broke, someone to call. */
export type RefusedClient = Pick<
  ClientReport,
  'address' | 'class' | 'network' | 'principal' | 'instanceId' | 'userAgent' | 'vpcEndpointId' | 'httpDenied'
> & { firstDeniedHour: string; lastDeniedHour: string };

export type Enforcement =
  | {
      /** Every plain-HTTP request of the window from the first refusal on was refused. */
      state: 'enforced';
      /** ISO time of the first refusal in the window. */
      since: string;
      /** ISO time of the latest refusal. */
      lastRefusedSeen: string;
      /** Plain-HTTP requests refused in the window. */
      refused: number;
      clientCount: number;
      /** The clients refused, most refusals first; at most {@link LISTED_CLIENTS}. */
      clients: RefusedClient[];
    }
  | {
      /** Some plain HTTP was refused, but some was served after the first refusal. */
      state: 'partial';
      firstRefusedSeen: string;
      lastServedSeen: string;
      refused: number;
      served: number;
    }
  /** No plain-HTTP request of the window was refused. */
  | { state: 'none' };

/**
 * What the window shows of enforcement. "Since the first refusal" is exact to the second: the
 * bucket-hours keep the times of the first and last refused and served request of each commit.
 * An `AccessDenied` has other causes than a SecureTransport deny (a client without permission),
 * which is why `assessEnforceCheck` compares with the bucket policy when it is known.
 */
export function enforcementOf(
  report: Pick<BucketReport, 'http' | 'httpDenied' | 'firstDeniedSeen' | 'lastDeniedSeen' | 'lastServedSeen'>,
  clients: readonly ClientReport[],
): Enforcement {
  if (report.httpDenied <= 0 || report.firstDeniedSeen === undefined) return { state: 'none' };
  const servedAfterRefusal = report.lastServedSeen !== undefined && report.lastServedSeen > report.firstDeniedSeen;
  if (servedAfterRefusal) {
    return {
      state: 'partial',
      firstRefusedSeen: report.firstDeniedSeen,
      lastServedSeen: report.lastServedSeen as string,
      refused: report.httpDenied,
      served: report.http - report.httpDenied,
    };
  }
  const refusedClients = clients
    .filter((client) => client.httpDenied > 0)
    .sort((a, b) => b.httpDenied - a.httpDenied || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return {
    state: 'enforced',
    since: report.firstDeniedSeen,
    lastRefusedSeen: report.lastDeniedSeen ?? report.firstDeniedSeen,
    refused: report.httpDenied,
    clientCount: refusedClients.length,
    clients: refusedClients.slice(0, LISTED_CLIENTS).map(refusedClient),
  };
}

/** The bucket policy check, set against what the logs show. */
export interface PolicyAgreement extends PolicyTransportCheck {
  /** False when the policy and the logs tell different stories; `disagreement` says how. */
  agrees: boolean;
  disagreement?: 'deny-but-served' | 'refused-without-deny';
}

export type EnforceCheckVerdict = 'enforced' | ReadinessResult['verdict'];

export interface EnforceCheckInput extends ReadinessInput {
  /** The bucket's policy document, parsed, when it is known (`--policy-file`); undefined when not. */
  policy?: unknown;
}

export interface EnforceCheckResult extends Omit<ReadinessResult, 'verdict'> {
  /**
   * `enforced` when the logs show plain HTTP refused since a point in the window and none served
   * after it; else the readiness verdict: `ready` (a deny would break no one), `not-ready` or
   * `cannot-tell` (reads or writes of the bucket not logged).
   */
  verdict: EnforceCheckVerdict;
  enforcement: Enforcement;
  /** Only when the policy was given. */
  policyCheck?: PolicyAgreement;
}

/**
 * The `enforce-check` verdict: enforced, ready, not ready or cannot tell. When enforced, readiness reasons no
 * longer apply (the clients they would name are refused already: they are the broken clients);
 * its warnings still do.
 *
 * @example
 * const result = assessEnforceCheck({ bucket, window, report, clients, hourItemsHours, policy });
 * if (result.verdict === 'ready') apply(enforceHttpsPolicy(bucket));
 */
export function assessEnforceCheck(input: EnforceCheckInput): EnforceCheckResult {
  const readiness = assessReadiness(input);
  const enforcement = enforcementOf(input.report, input.clients);
  const enforced = enforcement.state === 'enforced';
  const result: EnforceCheckResult = {
    ...readiness,
    verdict: enforced ? 'enforced' : readiness.verdict,
    reasons: enforced ? [] : readiness.reasons,
    enforcement,
  };
  if (input.policy !== undefined) {
    result.policyCheck = policyAgreement(checkPolicyTransport(input.policy, input.bucket), enforcement, input.report);
  }
  return result;
}

function policyAgreement(
  check: PolicyTransportCheck,
  enforcement: Enforcement,
  report: Pick<BucketReport, 'lastServedSeen' | 'firstDeniedSeen'>,
): PolicyAgreement {
  if (check.deniesPlainHttp && enforcement.state !== 'enforced' && report.lastServedSeen !== undefined) {
    return { ...check, agrees: false, disagreement: 'deny-but-served' };
  }
  if (!check.deniesPlainHttp && enforcement.state === 'enforced') {
    return { ...check, agrees: false, disagreement: 'refused-without-deny' };
  }
  return { ...check, agrees: true };
}

/** One sentence for the verdict line, the report and the HTML page: "enforced since T; N refused from K clients". */
export function describeEnforcement(enforcement: Enforcement): string {
  switch (enforcement.state) {
    case 'enforced':
      return `enforced since ${shortTime(enforcement.since)}; ${enforcement.refused} refused from ${enforcement.clientCount} ${enforcement.clientCount === 1 ? 'client' : 'clients'}`;
    case 'partial':
      return `not enforced: ${enforcement.refused} plain-HTTP ${enforcement.refused === 1 ? 'request' : 'requests'} refused since ${shortTime(enforcement.firstRefusedSeen)}, but plain HTTP was served after that (last ${shortTime(enforcement.lastServedSeen)})`;
    case 'none':
      return 'not enforced: no plain-HTTP request was refused';
  }
}

/** One sentence on the policy and the logs, when the policy was given. */
export function describePolicyAgreement(
  agreement: PolicyAgreement,
  report: Pick<BucketReport, 'lastServedSeen'>,
): string {
  const found = agreement.deniesPlainHttp
    ? `the bucket policy denies plain HTTP (${untrustedText(agreement.statement ?? '', SHOWN_WIDTH.terminal)})`
    : 'the bucket policy has no SecureTransport deny covering the bucket and its objects';
  switch (agreement.disagreement) {
    case 'deny-but-served':
      return `${found}, but the logs show plain HTTP served (last ${shortTime(report.lastServedSeen ?? '')}): the policy may be newer than the logs analyzed, or it was added and removed`;
    case 'refused-without-deny':
      return `${found}, but the logs show every plain-HTTP request refused: the refusals come from elsewhere (an SCP, a VPC endpoint or identity policy, missing permissions), or the deny was removed`;
    default:
      return `${found}; the logs agree`;
  }
}

function refusedClient(client: ClientReport): RefusedClient {
  return Object.fromEntries(
    Object.entries({
      address: client.address,
      class: client.class,
      network: client.network,
      principal: client.principal,
      instanceId: client.instanceId,
      userAgent: client.userAgent,
      vpcEndpointId: client.vpcEndpointId,
      httpDenied: client.httpDenied,
      firstDeniedHour: client.firstDeniedHour,
      lastDeniedHour: client.lastDeniedHour,
    }).filter(([, value]) => value !== undefined),
  ) as RefusedClient;
}

/** `2026-11-22T00:00:00.000Z` as `2026-11-22T00:00:00Z`. */
function shortTime(iso: string): string {
  return iso.replace('.000Z', 'Z');
}
