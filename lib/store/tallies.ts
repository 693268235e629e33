import type { ClientTally, HourTally } from '../core/tally';
import type { TimeWindow } from '../core/time-window';
import { clientTallyOf, hourTallyOf, keys } from './layout';
import type { Table } from './table';

/** Reads the stored tallies back as domain values: one Query per bucket and kind. */
export class TallyReader {
  constructor(private readonly table: Table) {}

  /** Buckets that have tallies, sorted by name. */
  async buckets(): Promise<string[]> {
    const items = await this.table.query('bucket index', { pk: keys.bucketIndexPartition });
    return items.map((item) => String(item.sk));
  }

  /** The hour tallies of a bucket in a window of UTC hours, oldest first. */
  async hours(bucket: string, window: TimeWindow): Promise<HourTally[]> {
    const items = await this.table.query(`hours of ${bucket}`, {
      pk: keys.bucketPartition(bucket),
      between: keys.sortKeyRange('hour', window),
    });
    return items.map(hourTallyOf);
  }

  /** The client tallies of a bucket in a window of UTC hours, oldest first. */
  async clients(bucket: string, window: TimeWindow): Promise<ClientTally[]> {
    const items = await this.table.query(`clients of ${bucket}`, {
      pk: keys.bucketPartition(bucket),
      between: keys.sortKeyRange('client', window),
    });
    return items.map(clientTallyOf);
  }
}
