/**
 * A local HTTP server that speaks the three bucket-policy calls of `cleartrail enforce`
 * (GetBucketPolicy, PutBucketPolicy, DeleteBucketPolicy) in S3's REST protocol, path-style, and
 * keeps the policies it was given. s3rver 3.7 answers `?policy` with NotImplemented (PUT, DELETE)
 * or MethodNotAllowed (GET), so the real `@aws-sdk/client-s3` reaches this one instead, through
 * `AWS_ENDPOINT_URL_S3`, as it would reach S3.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalPolicyServer {
  endpoint: string;
  /** Each bucket's policy text, exactly as put. */
  policies: Map<string, string>;
  /** `METHOD bucket` of every policy call, in order. */
  calls: string[];
  /** Runs after each GetBucketPolicy is answered: a test's way to change the policy behind the CLI's back. */
  afterGet?: (bucket: string) => void;
  stop(): Promise<void>;
}

export async function startLocalPolicyServer(): Promise<LocalPolicyServer> {
  const state: LocalPolicyServer = { endpoint: '', policies: new Map(), calls: [], stop: async () => {} };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const bucket = decodeURIComponent(url.pathname.split('/')[1] ?? '');
      const fail = (status: number, code: string, message: string) => {
        response.statusCode = status;
        response.setHeader('content-type', 'application/xml');
        response.end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><BucketName>${bucket}</BucketName><RequestId>${randomUUID()}</RequestId></Error>`,
        );
      };
      if (!url.searchParams.has('policy') || !bucket) return fail(501, 'NotImplemented', 'only ?policy is served');
      state.calls.push(`${request.method} ${bucket}`);
      if (request.method === 'GET') {
        const policy = state.policies.get(bucket);
        if (policy === undefined) fail(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist');
        else {
          response.setHeader('content-type', 'application/json');
          response.end(policy);
        }
        state.afterGet?.(bucket);
        return;
      }
      if (request.method === 'PUT') {
        const policy = Buffer.concat(chunks).toString('utf8');
        try {
          JSON.parse(policy);
        } catch {
          return fail(400, 'MalformedPolicy', 'Policies must be valid JSON');
        }
        state.policies.set(bucket, policy);
        response.statusCode = 204;
        return response.end();
      }
      if (request.method === 'DELETE') {
        state.policies.delete(bucket);
        response.statusCode = 204;
        return response.end();
      }
      fail(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
