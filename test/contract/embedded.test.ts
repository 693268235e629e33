import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { EmbeddedStore } from '../../lib/store/embedded';
import { describeStoreContract } from './store.contract';

const opened: EmbeddedStore[] = [];
afterAll(() => {
  for (const store of opened) store.close();
});

describeStoreContract({
  name: 'embedded store',
  fresh: async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cleartrail-embedded-'));
    return {
      open: async () => {
        const store = await EmbeddedStore.open(dataDir);
        opened.push(store);
        return store;
      },
      childArgs: ['embedded', '-', dataDir],
    };
  },
});
