import path from 'node:path';

/** The hand-made sample logs (events/logs). */
export const SAMPLE_LOGS = path.join(__dirname, '../../events/logs');

/** The hand-derived expectations of events/README.md ("Expected counts"). */
export const EXPECTED_BUCKETS = [
  {
    bucket: '(none)',
    https: 1,
    http: 0,
    service: 0,
    unknown: 0,
    httpSources: { external: 0, ec2: 0, 'vpc-endpoint': 0, private: 0, aws: 0 },
  },
  {
    bucket: 'acme-archive',
    https: 3,
    http: 0,
    service: 0,
    unknown: 0,
    httpSources: { external: 0, ec2: 0, 'vpc-endpoint': 0, private: 0, aws: 0 },
  },
  {
    bucket: 'acme-data',
    https: 5,
    http: 10,
    service: 2,
    unknown: 1,
    httpSources: { external: 6, ec2: 3, 'vpc-endpoint': 0, private: 0, aws: 1 },
  },
  {
    bucket: 'acme-logs',
    https: 2,
    http: 2,
    service: 2,
    unknown: 0,
    httpSources: { external: 0, ec2: 0, 'vpc-endpoint': 1, private: 1, aws: 0 },
  },
  {
    bucket: 'acme-website',
    https: 0,
    http: 3,
    service: 0,
    unknown: 0,
    httpSources: { external: 3, ec2: 0, 'vpc-endpoint': 0, private: 0, aws: 0 },
  },
];

type ContractField = 'bucket' | 'https' | 'http' | 'service' | 'unknown' | 'httpSources';

/** The fields of a bucket report that the JSON contract of `report` and `analyze` promises. */
export function contract(
  buckets: ReadonlyArray<Partial<Record<ContractField, unknown>>>,
): Array<Record<string, unknown>> {
  return buckets.map(({ bucket, https, http, service, unknown, httpSources }) => ({
    bucket,
    https,
    http,
    service,
    unknown,
    httpSources,
  }));
}
