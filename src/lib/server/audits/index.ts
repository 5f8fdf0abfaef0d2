/** Audits: sampling, routing, reviewing, progress. Routes and the CLI call these. */
export * from './errors';
export * from './create';
export * from './routing';
export * from './review';
export * from './audits';
export * from './page';
export * from './form';
export * from './suggestions';
