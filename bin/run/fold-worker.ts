/**
 * One reading thread of `analyze`: folds the local log files it is sent and answers with their
 * tallies. It builds the source classifier once, for every file it reads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSourceClassifier } from '../../lib/classify/request-source';
import { foldLog } from '../../lib/count/pipeline';
import { formatNamed } from '../../lib/formats';
import { bundledIpRanges } from '../../lib/net/aws-ranges';
import type { NamedNetwork } from '../../lib/net/named-networks';
import type { FoldReply, FoldRequest } from './fold-pool';
import { openLogFile } from './local-files';

const { networks } = workerData as { networks: NamedNetwork[] };
const sources = createSourceClassifier(bundledIpRanges(), networks);

parentPort?.on('message', async (request: FoldRequest) => {
  let reply: FoldReply;
  try {
    const result = await foldLog(
      {
        id: request.id,
        location: request.location,
        format: formatNamed(request.format),
        open: async () => openLogFile(request.path),
      },
      { sources },
    );
    reply = { job: request.job, result };
  } catch (error) {
    reply = { job: request.job, error: serializeError(error) };
  }
  parentPort?.postMessage(reply);
});

function serializeError(error: unknown): FoldReply['error'] {
  const plain = error as { name?: string; message?: string; code?: string; object?: string; retryable?: boolean };
  return {
    name: plain.name ?? 'Error',
    message: plain.message ?? String(error),
    ...(typeof plain.code === 'string' ? { code: plain.code } : {}),
    ...(typeof plain.object === 'string' ? { object: plain.object } : {}),
  };
}
