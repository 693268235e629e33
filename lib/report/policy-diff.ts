/**
 * A line diff of a policy before and after the merge, for a person to review before `--apply`.
 * The merge only inserts text, so the lines that differ form one block between a common head
 * and a common tail: that block, with a few lines of context, is the whole diff. Pure.
 */

/** Lines of unchanged context shown around the change. */
export const DIFF_CONTEXT_LINES = 3;

/**
 * `before` (undefined: no policy) against `after`, as lines prefixed `  `, `- ` and `+ `; an
 * elided run of unchanged lines is one `  …` line.
 *
 * @example policyDiff('[\n1\n]', '[\n1,\n2\n]') // => ['  [', '- 1', '+ 1,', '+ 2', '  ]']
 */
export function policyDiff(before: string | undefined, after: string): string[] {
  const lines = (text: string) => text.replace(/\r?\n$/, '').split('\n');
  const old = before === undefined ? [] : lines(before);
  const next = lines(after);
  let head = 0;
  while (head < old.length && head < next.length && old[head] === next[head]) head++;
  let tail = 0;
  while (
    tail < old.length - head &&
    tail < next.length - head &&
    old[old.length - 1 - tail] === next[next.length - 1 - tail]
  )
    tail++;
  const diff: string[] = [];
  if (head > DIFF_CONTEXT_LINES) diff.push('  …');
  diff.push(...old.slice(Math.max(0, head - DIFF_CONTEXT_LINES), head).map((line) => `  ${line}`));
  diff.push(...old.slice(head, old.length - tail).map((line) => `- ${line}`));
  diff.push(...next.slice(head, next.length - tail).map((line) => `+ ${line}`));
  diff.push(...old.slice(old.length - tail, old.length - tail + DIFF_CONTEXT_LINES).map((line) => `  ${line}`));
  if (tail > DIFF_CONTEXT_LINES) diff.push('  …');
  return diff;
}
