/**
 * Report shaping: pure functions from an audit's items, labels and adjudications to the numbers
 * the report page, the CLI and the downloads show. Statistics themselves live in $lib/stats.
 */
export * from './agreement';
export * from './compare';
export * from './flatten';
export * from './format';
export * from './quality';
export * from './rating';
export * from './references';
export * from './report';
export * from './reviewers';
export * from './types';
export * from './verdicts';
export * from './disagreements';
export * from './estimators';
export * from './paper-tables';
export * from './figures';
export * from './methods';
export * from './filter-report';
export * from './latent-memo';
export * from './weighted';
