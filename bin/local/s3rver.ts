/**
 * Starts s3rver, a small S3-compatible server, on a free loopback port for tests and
 * `npm run invoke:local`. Development infrastructure only (s3rver is a devDependency): the CLI
 * reads local files and the deployed function talks to real S3.
 *
 * Clients need `forcePathStyle: true` (a virtual-hosted bucket name would have to resolve to
 * 127.0.0.1) and `requestChecksumCalculation`/`responseChecksumValidation: 'WHEN_REQUIRED'`
 * (s3rver does not understand the aws-chunked uploads with trailing checksums that the SDK sends
 * by default since January 2025).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import S3rver from 's3rver';

/**
 * s3rver checks SigV4 signatures against its one built-in key pair, so local clients must sign
 * with these. DynamoDB Local accepts any credentials, so the same pair serves both.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3rverOptions {
  /** Where objects are stored; by default a fresh temporary directory, removed by `stop()`. */
  directory?: string;
  /** Print one line per request (default false). */
  verbose?: boolean;
}

export interface LocalS3 {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_S3` or a client's `endpoint`. */
  endpoint: string;
  directory: string;
  /** Closes the server (and removes the directory if it was a temporary one). Idempotent. */
  stop(): Promise<void>;
}

/**
 * @example
 * const s3 = await startS3rver();
 * process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
 * try { ... } finally { await s3.stop(); }
 */
export async function startS3rver(options: S3rverOptions = {}): Promise<LocalS3> {
  const temporary = options.directory === undefined;
  const directory = temporary
    ? mkdtempSync(join(tmpdir(), 'cleartrail-s3rver-'))
    : resolve(options.directory as string);
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: !options.verbose,
    // Path-style only: `bucket.127.0.0.1` means nothing, and vhost parsing would misread the Host header.
    vhostBuckets: false,
  });
  const { port } = await server.run();
  // Keep-alive sockets from SDK clients would otherwise hold close() open until they time out.
  server.httpServer?.unref();

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    stop() {
      stopping ??= (async () => {
        server.httpServer?.closeAllConnections();
        await server.close();
        if (temporary) rmSync(directory, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
