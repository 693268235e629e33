/**
 * Holds the embedded store's lock of a data directory the way a committing command does, for a
 * test of those who wait: `hold MS` releases it after MS; `crash` writes an item inside an open
 * transaction, says `inside`, and hangs there until the test SIGKILLs it.
 *
 * node --import tsx test/support/hold-store-lock.ts <data dir> hold <ms> | crash
 */
import path from 'node:path';
import { Database } from 'node-sqlite3-wasm';
import { EMBEDDED_FILE, EmbeddedStore } from '../../lib/store/embedded';
import { FileLock } from '../../lib/store/file-lock';

const [dataDir, mode, ms] = process.argv.slice(2);

async function main(): Promise<void> {
  if (!dataDir || (mode !== 'hold' && mode !== 'crash')) {
    process.stderr.write('usage: hold-store-lock.ts <data dir> hold <ms> | crash\n');
    process.exit(2);
  }
  (await EmbeddedStore.open(dataDir)).close();
  const lock = new FileLock(path.join(dataDir, 'store.lock'), { command: 'hold-lock' });
  const db = new Database(path.join(dataDir, EMBEDDED_FILE));
  await lock.run(() => {
    if (mode === 'crash') {
      db.exec('BEGIN IMMEDIATE');
      db.run('INSERT INTO items (pk, sk, item) VALUES (?, ?, ?)', [
        'BUCKETS',
        'half-written',
        JSON.stringify({ pk: 'BUCKETS', sk: 'half-written' }),
      ]);
    }
    process.stdout.write(mode === 'crash' ? 'inside\n' : 'holding\n');
    // Synchronous, as a commit is: nothing else runs in this process meanwhile.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, mode === 'crash' ? undefined : Number(ms));
  });
  db.close();
}

void main();
