/**
 * S3's rule for the entries of one bucket's notification configuration (pure): which two it
 * refuses side by side. The custom resource (lib/lambda/bucket-notification.ts) and
 * `cleartrail doctor` (lib/deploy/plan.ts) both decide by it.
 */

/** One entry of a bucket's notification configuration, whatever its destination. */
export interface NotificationEntry {
  id: string;
  destination: string;
  events: string[];
  prefix: string;
  suffix: string;
}

/**
 * Whether S3 would refuse two entries side by side: it accepts no two entries that could both
 * fire for one object and one event. They overlap when an event type of one covers an event
 * type of the other (`s3:ObjectCreated:*` covers `s3:ObjectCreated:Put`), their prefixes overlap
 * (one starts with the other; no prefix is the empty one, which every prefix starts with) and
 * their suffixes overlap (one ends with the other). Entries for different events, or with
 * disjoint prefixes, or disjoint suffixes, coexist.
 *
 * @example
 * entriesOverlap(
 *   { id: 'siem', destination: 'arn:...:siem', events: ['s3:ObjectCreated:Put'], prefix: 'AWSLogs/', suffix: '' },
 *   { id: 'ours', destination: 'arn:...:ours', events: ['s3:ObjectCreated:*'], prefix: 'AWSLogs/', suffix: '.json.gz' },
 * ); // true: Put is an ObjectCreated event, the prefixes are equal, every suffix ends with ""
 */
export function entriesOverlap(a: NotificationEntry, b: NotificationEntry): boolean {
  const eventsOverlap = a.events.some((one) => b.events.some((other) => eventTypesOverlap(one, other)));
  const prefixesOverlap = a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
  const suffixesOverlap = a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
  return eventsOverlap && prefixesOverlap && suffixesOverlap;
}

/** `s3:ObjectCreated:*` covers every `s3:ObjectCreated:...`; otherwise only the same name matches. */
function eventTypesOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const family = (event: string) => (event.endsWith(':*') ? event.slice(0, -1) : undefined);
  const familyOfA = family(a);
  const familyOfB = family(b);
  return (familyOfA !== undefined && b.startsWith(familyOfA)) || (familyOfB !== undefined && a.startsWith(familyOfB));
}
