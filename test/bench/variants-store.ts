import type { BenchVariantEntry } from './variants';

/**
 * Bench variants that write to DynamoDB, kept apart from `variants.ts` so that the store's
 * dependencies (AWS SDK, DynamoDB Local) load only in the processes that measure them.
 *
 * Variant (c), "the pipeline with writes to DynamoDB Local", belongs here: an entry whose
 * `prepare()` reaches DynamoDB Local (started by the runner or already running) and builds the
 * store, and whose `run(file)` counts the file through `countLog` from `lib/pipeline.ts`. The
 * runner measures every entry of this list in its own process, like (a) and (b); while the list
 * is empty the table has no (c) row.
 */
export const STORE_VARIANTS: readonly BenchVariantEntry[] = [];
