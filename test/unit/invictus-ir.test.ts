import { createReadStream, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRequest } from '../../lib/classify/request';
import { createSourceClassifier } from '../../lib/classify/request-source';
import { LogFold } from '../../lib/count/fold';
import { CloudTrailRequests } from '../../lib/formats/cloudtrail';
import { readS3Records } from '../../lib/formats/cloudtrail-reader';
import { bundledIpRanges } from '../../lib/net/aws-ranges';

const FIXTURES = path.join(__dirname, '../fixtures/invictus-ir');

describe('Real CloudTrail files (invictus-ir, 55 files)', () => {
  it('finds no plain-HTTP request, and calls the four AWS Internal records without TLS evidence service', async () => {
    // Prepare
    const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.json'));
    const verdicts: Record<string, number> = {};
    const withoutTls: Array<{ verdict: string; bucket: string; source: string; operation: string }> = [];
    let s3Records = 0;
    let hourItems = 0;

    // Act
    for (const name of files) {
      const sources = createSourceClassifier(bundledIpRanges(), []);
      const requests = new CloudTrailRequests(name, sources);
      const fold = new LogFold(sources.rangesSyncToken);
      for await (const record of readS3Records(createReadStream(path.join(FIXTURES, name)), name)) {
        s3Records++;
        const accepted = requests.accept(record);
        if (accepted) fold.add(accepted);
        const request = describeRequest(record, sources);
        if (typeof request === 'string') throw new Error(request);
        verdicts[request.verdict] = (verdicts[request.verdict] ?? 0) + 1;
        if (request.reason !== 'tls-details' && request.reason !== 'cipher-suite') {
          withoutTls.push({
            verdict: request.verdict,
            bucket: request.bucket,
            source: request.source.address,
            operation: request.operation,
          });
        }
      }
      hourItems += fold.finish(requests.summary).tallies.filter((tally) => tally.kind === 'hour').length;
    }

    // Assess: the data set's own statistics (shared/data/README): 271 S3 records, 267 with TLS evidence.
    expect(files).toHaveLength(55);
    expect(s3Records).toBe(271);
    expect(verdicts).toEqual({ https: 267, service: 4 });
    expect(withoutTls).toEqual(
      Array.from({ length: 4 }, () => ({
        verdict: 'service',
        bucket: '(none)',
        source: 'AWS Internal',
        operation: 'GetStorageLensDashboardDataInternal',
      })),
    );
    expect(hourItems).toBeGreaterThan(0);
  });
});
