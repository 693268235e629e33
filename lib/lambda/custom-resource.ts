import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';

/**
 * The answer CloudFormation waits for. A custom resource that never answers holds the stack
 * for an hour, so the handler answers FAILED on any error rather than throwing.
 *
 * The physical id names what the resource manages. When it changes on an update, CloudFormation
 * deletes the old one after the update, with the old properties.
 */
export function customResourceResponse(
  event: CloudFormationCustomResourceEvent,
  outcome: { status: 'SUCCESS'; physicalResourceId: string } | { status: 'FAILED'; reason: string },
): CloudFormationCustomResourceResponse {
  const base = {
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
  // A failed Create has no physical id yet; one derived from the request keeps the Delete that
  // follows from pointing at a real one.
  const previous =
    'PhysicalResourceId' in event ? event.PhysicalResourceId : `${event.LogicalResourceId}-${event.RequestId}`;
  if (outcome.status === 'SUCCESS') {
    return { ...base, Status: 'SUCCESS', PhysicalResourceId: outcome.physicalResourceId };
  }
  // CloudFormation shows at most 4 KB of the reason.
  return { ...base, Status: 'FAILED', PhysicalResourceId: previous, Reason: outcome.reason.slice(0, 3500) };
}

/** PUTs the answer to the pre-signed ResponseURL. The body must go without a Content-Type. */
export async function sendCustomResourceResponse(
  responseUrl: string,
  response: CloudFormationCustomResourceResponse,
): Promise<void> {
  const body = JSON.stringify(response);
  const answer = await fetch(responseUrl, {
    method: 'PUT',
    body,
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    signal: AbortSignal.timeout(10_000),
  });
  if (!answer.ok) throw new Error(`CloudFormation response URL answered HTTP ${answer.status}`);
}

/**
 * `work`, or a rejection once `milliseconds` have passed: Lambda stops a function at its timeout
 * without a word, and CloudFormation would then wait for the answer until the ServiceTimeout.
 * The work itself goes on until then; only its answer is no longer awaited.
 */
export async function withinDeadline<T>(work: Promise<T>, milliseconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${Math.round(milliseconds / 1000)} s`)),
      milliseconds,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
