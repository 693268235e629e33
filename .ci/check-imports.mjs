#!/usr/bin/env node
// The house rules of lib/: each folder imports only the folders below it, nothing in lib/ or bin/
// imports lib/lambda/, and no module takes part in an import cycle. docs/conventions.md explains
// the layers; this script is what keeps them. `--self-check` proves a forbidden import fails.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Which lib/ folders each folder may import (besides itself). Anything outside lib/ is free to import lib/, but bin/ never imports lib/lambda/. */
export const LAYERS = {
  core: [],
  data: [],
  net: ['core', 'data'],
  classify: ['core', 'net'],
  formats: ['core', 'net', 'classify'],
  store: ['core'],
  count: ['core', 'net', 'classify', 'formats', 'store'],
  s3: ['core', 'classify', 'formats'],
  report: ['core', 'net', 'classify', 'store'],
  deploy: ['core'],
  lambda: ['core', 'net', 'classify', 'formats', 'store', 'count', 's3', 'report'],
};

const SOURCE = /\.(ts|mts|cts|mjs|cjs|js)$/;

function layerOf(file) {
  const parts = file.split('/');
  return parts[0] === 'lib' ? parts[1] : undefined;
}

/** The rule an import from `from` to `to` (both repository-relative) breaks, if any. */
export function brokenRule(from, to) {
  const fromLayer = layerOf(from);
  const toLayer = layerOf(to);
  if (toLayer === undefined) {
    if (fromLayer !== undefined && !to.startsWith('package.json'))
      return `lib/ imports ${to.split('/')[0]}/, outside lib/`;
    return undefined;
  }
  if (fromLayer === undefined) {
    if (from.startsWith('bin/') && toLayer === 'lambda') return 'bin/ never imports lib/lambda/';
    return undefined;
  }
  if (fromLayer === toLayer) return undefined;
  if (!(fromLayer in LAYERS))
    return `lib/${fromLayer}/ is not a known layer: add it to LAYERS in .ci/check-imports.mjs`;
  if (!(LAYERS[fromLayer] ?? []).includes(toLayer))
    return `lib/${fromLayer}/ may import only ${LAYERS[fromLayer].map((l) => `lib/${l}/`).join(', ') || 'nothing else in lib/'}`;
  return undefined;
}

/** Every cycle of the graph, each as the list of its files (Tarjan's strongly connected components). */
export function cycles(graph) {
  let index = 0;
  const stack = [];
  const state = new Map();
  const found = [];
  const visit = (node) => {
    const entry = { index, low: index, onStack: true };
    index++;
    state.set(node, entry);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === undefined) {
        visit(next);
        entry.low = Math.min(entry.low, state.get(next).low);
      } else if (seen.onStack) entry.low = Math.min(entry.low, seen.index);
    }
    if (entry.low === entry.index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        state.get(member).onStack = false;
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

function listSources(root, folder) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(path.join(root, dir))) {
      const rel = `${dir}/${name}`;
      if (statSync(path.join(root, rel)).isDirectory()) walk(rel);
      else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(rel);
    }
  };
  walk(folder);
  return out;
}

function resolveImport(root, from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  for (const candidate of [base, `${base}.ts`, `${base}.js`, `${base}.mjs`, `${base}/index.ts`]) {
    try {
      if (statSync(path.join(root, candidate)).isFile()) return candidate;
    } catch {}
  }
  return base;
}

/** The relative imports of lib/, bin/ and handlers/, as a graph of repository-relative paths. */
export function importGraph(root) {
  const graph = new Map();
  for (const file of ['lib', 'bin', 'handlers'].flatMap((folder) => listSources(root, folder))) {
    const info = ts.preProcessFile(readFileSync(path.join(root, file), 'utf8'), true, true);
    const targets = info.importedFiles.map((f) => resolveImport(root, file, f.fileName)).filter(Boolean);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every broken rule and every cycle, as lines to print; empty when the house is in order. */
export function problems(graph) {
  const lines = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const rule = brokenRule(from, to);
      if (rule) lines.push(`${from} imports ${to}: ${rule}`);
    }
  }
  const codeOnly = new Map([...graph].map(([file, targets]) => [file, targets.filter((t) => graph.has(t))]));
  for (const cycle of cycles(codeOnly)) lines.push(`import cycle: ${cycle.join(' -> ')}`);
  return lines;
}

function main() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const graph = importGraph(root);
  if (process.argv.includes('--self-check')) {
    // A forbidden import and a cycle, added to the real graph: both must be reported.
    const tampered = new Map(graph);
    tampered.set('lib/core/errors.ts', [...(graph.get('lib/core/errors.ts') ?? []), 'lib/lambda/config.ts']);
    tampered.set('lib/store/index.ts', [...(graph.get('lib/store/index.ts') ?? []), 'lib/report/queries.ts']);
    const found = problems(tampered);
    const expected = ['lib/core/errors.ts imports lib/lambda/config.ts', 'import cycle:'];
    const missing = expected.filter((e) => !found.some((line) => line.startsWith(e)));
    if (missing.length > 0) {
      console.error(`self-check failed: the checker did not report ${missing.join('; ')}`);
      process.exit(1);
    }
    console.log(`ok: self-check: a forbidden import and a cycle are reported (${found.length} problems)`);
    return;
  }
  const found = problems(graph);
  if (found.length > 0) {
    console.error(found.join('\n'));
    process.exit(1);
  }
  console.log(`ok: ${graph.size} modules of lib/, bin/ and handlers/ follow the import rules, no cycle`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
