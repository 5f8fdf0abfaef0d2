export * from './config';
export * from './presets';
export * from './instruction-rules';
export * from './instance-rules';
export * from './instruction-pool';
export * from './run-filters';
export { pyStrip, collapseWhitespace, pyCapitalize } from './python-text';
