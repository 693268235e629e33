import { describe, expect, it } from 'vitest';
import { mapLimited } from '../../lib/core/concurrency';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('Function: mapLimited', () => {
  it('keeps at most the limit running and gives the results in item order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapLimited([5, 1, 4, 2, 3], 2, async (value) => {
      running++;
      peak = Math.max(peak, running);
      for (let wait = 0; wait < value; wait++) await tick();
      running--;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('starts nothing after a failure and rejects only when the started items have settled', async () => {
    const settled: number[] = [];
    const started: number[] = [];
    const outcome = mapLimited([0, 1, 2, 3, 4, 5], 3, async (value) => {
      started.push(value);
      if (value === 1) throw new Error('item 1 failed');
      for (let wait = 0; wait < 5; wait++) await tick();
      settled.push(value);
      return value;
    });
    await expect(outcome).rejects.toThrow('item 1 failed');
    expect(started).toEqual([0, 1, 2]);
    expect(settled.sort()).toEqual([0, 2]);
  });
});
