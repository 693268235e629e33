import { describe, expect, it } from 'vitest';
import { doctorText } from '../../bin/commands/doctor';
import { type BucketFacts, planDeployment } from '../../lib/deploy/plan';

describe('doctorText: what doctor prints', () => {
  it('shows trail and notification text from the account through the untrusted-text rule', () => {
    const facts: BucketFacts = {
      bucket: 'trail-bucket',
      region: 'us-east-1',
      versioning: 'Enabled',
      encryption: 'none',
      notifications: {
        entries: [
          {
            id: 'siem\x1b[2J',
            destination: 'arn:aws:sqs:us-east-1:111122223333:q\u202e',
            events: ['s3:ObjectCreated:*'],
            prefix: '',
            suffix: '',
          },
        ],
        eventBridge: false,
      },
      listing: { prefix: '', keys: ['AWSLogs/111122223333/CloudTrail/us-east-1/2026/12/04/x.json.gz'] },
      trails: [{ name: 'main\x07', bucket: 'trail-bucket', isOrganizationTrail: false }],
    };

    const text = doctorText(facts, planDeployment(facts));

    for (const raw of ['\x07', '\x1b', '\u202e']) expect(text).not.toContain(raw);
    expect(text).toContain('main\\x07');
    expect(text).toContain('siem\\x1b[2J');
    expect(text).toContain('q\\u202e');
    expect(text).toContain('--param=trigger=eventbridge');
  });
});
