import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local and one s3rver for the whole run (about 2 s to start), shared by every
    // worker through AWS_ENDPOINT_URL_*; tests isolate themselves with uniqueName() tables and buckets.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
