/** The logging and metrics calls cleartrail makes; Powertools' Logger and Metrics provide them. */
export interface Log {
  info(message: string, ...extra: Array<Record<string, unknown>>): void;
  warn(message: string, ...extra: Array<Record<string, unknown>>): void;
  error(message: string, ...extra: Array<Record<string, unknown>>): void;
}

export interface MetricSink {
  addMetric(name: string, unit: 'Count', value: number): void;
}
