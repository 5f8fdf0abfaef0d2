/** Audit bundles: a whole audit as JSON Lines, out of one installation and into another. */
export * from './export';
export * from './import';
export * from './provenance';
