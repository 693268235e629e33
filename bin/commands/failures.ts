import { type Command, withStore } from '../options';
import { print, printJson } from '../render/output';

/** `failures`: the log files that could not be counted, with why; `reprocess` counts them once fixed. */
export const failures: Command = async (values) =>
  withStore(values, async (session) => {
    const rows = await session.store.listFailures();
    if (values.json) printJson({ failures: rows });
    else if (rows.length === 0) print('No failed log files.');
    else for (const row of rows) print(`${row.failedAt}  ${row.location}  [${row.code}] ${row.message}`);
    return 0;
  });
