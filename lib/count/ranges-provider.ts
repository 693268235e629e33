import { gunzipSync } from 'node:zlib';
import { type IpRanges, parseIpRanges } from '../net/aws-ranges';
import type { RangesVersions } from '../store';

/** Where the analyzer gets its AWS ranges: the current version, or an earlier one by syncToken. */
export interface RangesProvider {
  current(): Promise<IpRanges>;
  /** The version with this syncToken, when it can still be had. */
  version(syncToken: string): Promise<IpRanges | undefined>;
}

/** Always the same ranges: the CLI and tests use the bundled snapshot this way. */
export function fixedIpRanges(ranges: IpRanges): RangesProvider {
  return {
    current: async () => ranges,
    version: async (syncToken) => (syncToken === ranges.syncToken ? ranges : undefined),
  };
}

/**
 * The deployed function's ranges: the newest of the bundled snapshot and the version that
 * the refresh function stored in the table. The stored copy is checked again at most every
 * `recheckMs` with a read of its syncToken alone (0.5 read units), and parsed only when it changed.
 */
export class StoredIpRanges implements RangesProvider {
  private cached: IpRanges | undefined;
  private checkedAt = 0;

  constructor(
    private readonly store: Pick<RangesVersions, 'loadIpRanges'>,
    private readonly bundled: () => IpRanges,
    private readonly recheckMs = 15 * 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async current(): Promise<IpRanges> {
    if (this.cached && this.clock() - this.checkedAt < this.recheckMs) return this.cached;
    const bundled = this.bundled();
    const stored = await this.store.loadIpRanges('current', { withData: false });
    let chosen = this.cached ?? bundled;
    if (stored && Number(stored.syncToken) > Number(chosen.syncToken)) {
      chosen = (await this.version(stored.syncToken)) ?? chosen;
    } else if (Number(bundled.syncToken) > Number(chosen.syncToken)) {
      chosen = bundled;
    }
    this.cached = chosen;
    this.checkedAt = this.clock();
    return chosen;
  }

  async version(syncToken: string): Promise<IpRanges | undefined> {
    if (this.cached?.syncToken === syncToken) return this.cached;
    const bundled = this.bundled();
    if (bundled.syncToken === syncToken) return bundled;
    const stored = await this.store.loadIpRanges(syncToken);
    if (!stored?.gzippedJson) return undefined;
    return parseIpRanges(JSON.parse(gunzipSync(stored.gzippedJson).toString('utf8')), `stored AWS ranges ${syncToken}`);
  }
}
