import type { EvidenceKind } from '../../lib/core/tally';
import { parseTimeWindow } from '../../lib/core/time-window';
import type { ClientReport } from '../../lib/report/clients';
import { loadClients, loadNewHttpClients } from '../../lib/report/queries';
import { type Command, parseSourceOption, type Values, withStore } from '../options';
import { print, printJson, usageError } from '../render/output';
import { clientFindingLines, clientTable, hygieneTable, newClientTable } from '../render/tables';

/**
 * `clients --bucket B`: who sent plain HTTP to one bucket; `--hygiene` adds HTTPS clients with
 * TLS-hygiene findings. `clients --new [--bucket B]`: the clients first seen in the window.
 */
export const clients: Command = async (values) => {
  if (values.new) return newClients(values);
  const bucket = values.bucket;
  if (!bucket) return usageError('clients needs --bucket (or --new)');
  return withStore(values, async (session) => {
    const window = parseTimeWindow(values.since, values.until, new Date());
    const { source, clients: rows } = await loadClients(session.store, {
      bucket,
      window,
      includeHygiene: values.hygiene,
      source: parseSourceOption(values.source),
    });
    if (values.json) printJson({ bucket, window, source, clients: rows });
    else printClients(rows, Boolean(values.hygiene), source);
    return 0;
  });
};

/** As text: the HTTP clients and their findings; with --hygiene, HTTPS-only clients with findings too. */
function printClients(rows: readonly ClientReport[], withHygiene: boolean, source: EvidenceKind): void {
  const http = rows.filter((c) => c.count > 0);
  print(clientTable(http));
  if (source === 'access-log') print('(from S3 server access logs)');
  const findings = clientFindingLines(http);
  if (findings.length > 0)
    print(['', 'TLS-hygiene findings of these clients:', ...findings.map((line) => `  ${line}`)].join('\n'));
  if (withHygiene)
    print(['', 'HTTPS clients with TLS-hygiene findings:', hygieneTable(rows.filter((c) => c.count === 0))].join('\n'));
}

/** `clients --new`: plain-HTTP clients whose identity on a bucket was first seen in the window. */
async function newClients(values: Values): Promise<number> {
  if (values.hygiene) return usageError('clients --new lists plain-HTTP clients only; drop --hygiene');
  return withStore(values, async (session) => {
    const window = parseTimeWindow(values.since, values.until, new Date());
    const found = await loadNewHttpClients(session.store, { bucket: values.bucket, window });
    if (values.json) printJson({ ...(values.bucket ? { bucket: values.bucket } : {}), window, newClients: found });
    else print(newClientTable(found));
    return 0;
  });
}
