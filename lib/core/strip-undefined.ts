/** The object without its undefined fields: JSON output and stored items never carry `undefined`. */
export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
