/**
 * A local HTTP server that speaks the one SNS call cleartrail makes, Publish, in SNS's Query
 * protocol (form-encoded request, XML answer), and records what it was sent. The real
 * `@aws-sdk/client-sns` reaches it through `AWS_ENDPOINT_URL_SNS`, as it would reach SNS.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PublishedMessage {
  topicArn: string;
  subject?: string;
  message: string;
}

export interface LocalSnsServer {
  endpoint: string;
  /** Successful Publish calls, in order. */
  published: PublishedMessage[];
  /** Publish calls answered with an error (the SDK retries, so one send may make several). */
  failedCalls: number;
  /** While set, every call is answered 500 InternalError. */
  failing: boolean;
  stop(): Promise<void>;
}

export async function startLocalSnsServer(): Promise<LocalSnsServer> {
  const state: LocalSnsServer = {
    endpoint: '',
    published: [],
    failedCalls: 0,
    failing: false,
    stop: async () => {},
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const requestId = randomUUID();
      response.setHeader('content-type', 'text/xml');
      if (form.get('Action') !== 'Publish') {
        response.statusCode = 400;
        response.end(errorXml('Sender', 'InvalidAction', `unsupported action ${form.get('Action')}`, requestId));
        return;
      }
      if (state.failing) {
        state.failedCalls++;
        response.statusCode = 500;
        response.end(errorXml('Receiver', 'InternalError', 'injected failure', requestId));
        return;
      }
      const topicArn = form.get('TopicArn');
      const message = form.get('Message');
      if (!topicArn || message === null) {
        response.statusCode = 400;
        response.end(errorXml('Sender', 'InvalidParameter', 'TopicArn and Message are required', requestId));
        return;
      }
      state.published.push({
        topicArn,
        message,
        ...(form.has('Subject') ? { subject: form.get('Subject') as string } : {}),
      });
      response.end(
        `<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

function errorXml(type: string, code: string, message: string, requestId: string): string {
  return `<ErrorResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
