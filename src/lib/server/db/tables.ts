// Every table of the app, for the typed Drizzle client. A new schema file under ./schema
// (picked up by drizzle-kit through drizzle.config.ts) gets a line here too.
export * from './schema/accounts';
export * from './schema/datasets';
export * from './schema/audits';
export * from './schema/generation';
export * from './schema/filters';
export * from './schema/analyses';
export * from './schema/conversations';
export * from './schema/judge';
