// Browser-safe parts only: the verb–noun extractor (verb-noun.ts) loads the tagger's model and
// is imported by the server directly.
export * from './analysis';
export * from './histogram';
export * from './top-k';
export { SeedSimilarity } from './seed-similarity';
