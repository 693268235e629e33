import path from 'node:path';

/** The hand-made S3 server access-log samples (events/access-logs). */
export const SAMPLE_ACCESS_LOGS = path.join(__dirname, '../../events/access-logs');

/** The objects, by path below SAMPLE_ACCESS_LOGS, with what reading each must see (events/access-logs/README.md). */
export const EXPECTED_ACCESS_LOG_OBJECTS = [
  {
    path: '2025-03-10-09-20-31-5C2E8A1F7B9D4E60',
    summary: { records: 11, s3Records: 11, duplicates: 1, notApiCalls: 0, ownRequests: 0 },
    requests: 10,
  },
  {
    path: '111122223333/us-east-1/acme-media/2025/03/10/2025-03-10-10-05-12-8D41B7C2E9F03A15',
    summary: { records: 10, s3Records: 10, duplicates: 3, notApiCalls: 0, ownRequests: 1 },
    requests: 6,
  },
  {
    path: '2025-03-10-11-00-44-A7F3C9E15B2D8046',
    summary: { records: 6, s3Records: 6, duplicates: 0, notApiCalls: 0, ownRequests: 0 },
    requests: 6,
  },
];

/** The hand-derived bucket figures of the samples, in the fields `report --json` promises, plus their source. */
export const EXPECTED_ACCESS_LOG_BUCKETS = [
  {
    bucket: 'acme-data',
    source: 'access-log',
    https: 1,
    http: 2,
    service: 0,
    unknown: 0,
    httpSources: { external: 2, ec2: 0, 'vpc-endpoint': 0, private: 0, aws: 0 },
  },
  {
    bucket: 'acme-media',
    source: 'access-log',
    https: 5,
    http: 7,
    service: 3,
    unknown: 1,
    httpSources: { external: 4, ec2: 1, 'vpc-endpoint': 0, private: 1, aws: 1 },
  },
  {
    bucket: 'acme-static',
    source: 'access-log',
    https: 0,
    http: 3,
    service: 0,
    unknown: 0,
    httpSources: { external: 3, ec2: 0, 'vpc-endpoint': 0, private: 0, aws: 0 },
  },
];

/** The details of acme-media that the hand derivation also fixes. */
export const EXPECTED_ACCESS_LOG_MEDIA_DETAILS = {
  reasons: {
    'cipher-suite': 5,
    'no-tls-on-client-operation': 7,
    'service-operation': 1,
    'aws-service-requester': 1,
    'service-source': 1,
    'no-tls-fields': 1,
  },
  tlsVersions: { 'TLSv1.2': 2, 'TLSv1.3': 2, TLSv1: 1 },
  findings: { legacyTls: 1, sigV2: 1, presignedHttp: 1, ec2CredentialsOutsideAws: 0 },
  daily: [{ day: '2025-03-10', https: 5, http: 7, service: 3, unknown: 1 }],
  hoursWithData: 2,
};
