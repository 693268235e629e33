import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatForContent, formatForName, logIdFor } from '../../lib/formats';
import { isAccessLogName } from '../../lib/formats/access-log';
import type { LogInput } from '../../lib/formats/format';

/**
 * Expands the paths given to `analyze` into log files: `.json` and `.json.gz` files and S3
 * access-log objects (by their names), directories recursively, leaving out digest and Insights
 * files, in a stable order. A file named on its own is taken whatever its name.
 */
export async function findLogFiles(paths: readonly string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  for (const given of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(given);
    } catch {
      missing.push(given);
      continue;
    }
    if (info.isDirectory()) files.push(...(await walk(given)));
    else files.push(given);
  }
  return { files: [...new Set(files)], missing };
}

async function walk(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'CloudTrail-Digest' || entry.name === 'CloudTrail-Insight' || entry.name === 'node_modules')
        continue;
      found.push(...(await walk(full)));
    } else if (entry.isFile() && isLogFileName(entry.name)) {
      found.push(full);
    }
  }
  return found;
}

function isLogFileName(name: string): boolean {
  if (isAccessLogName(name)) return true;
  return /\.json(\.gz)?$/.test(name) && !name.includes('CloudTrail-Digest') && !name.includes('CloudTrail-Insight');
}

/**
 * A local file as a log source. Its format comes from its name (`.json`, `.json.gz`, an S3
 * access-log name), else from its first line. A file whose format names logs uniquely is
 * identified by its name, so the Lambda and the CLI agree on it; any other file by a hash of its
 * bytes, so that renaming it or analysing it twice does not count it twice.
 */
export async function localLogInput(file: string): Promise<LogInput> {
  const name = path.basename(file);
  const format = isLogFileName(name) ? formatForName(name) : formatForContent(await fileHead(file));
  const id = await logIdFor(format, name, async () => `sha256:${await hashFile(file)}`);
  return { id, location: file, format, open: async () => openLogFile(file) };
}

/**
 * A log file's bytes, read 1 MiB at a time: with 64 KiB reads (the default) gunzip fell behind
 * the reader and the pipeline waited for data.
 */
export function openLogFile(file: string): AsyncIterable<Uint8Array> {
  return createReadStream(file, { highWaterMark: LOG_FILE_READ_BYTES });
}

const LOG_FILE_READ_BYTES = 1024 * 1024;

/** Enough of a file to hold its first access-log line (a few hundred bytes, a long user agent more). */
const HEAD_BYTES = 64 * 1024;

async function fileHead(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
