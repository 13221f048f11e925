// Public surface of the protocol package: envelope, messages, config, codec, subjects, errors, the metric table.
export * from './version.ts';
export * from './errors.ts';
export * from './envelope.ts';
export * from './domain.ts';
export * from './config.ts';
export * from './messages.ts';
export * from './codec.ts';
export * from './subjects.ts';
export * from './config-errors.ts';
export * from './requests.ts';
export { METRIC_TABLE, METRIC_NAMES, MetricFacts, TaskKind, metricFacts, lowerIsBetter, perfectScore, isRegressionMetric, scoresProbabilities, taskKindOf, metricFitsTask, metricsFor } from './metric-table.ts';
export * from './llm.ts';
export * from './score-format.ts';
