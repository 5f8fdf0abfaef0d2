/**
 * The model as judge, pure: calibration against the human audit, the MT-Bench swap rule for
 * pairwise verdicts, and the Batch API's file formats and submission state machine. Prompts and
 * reply parsing are in prompts/judge*.ts; the whole-dataset estimate is stats/ppi.ts.
 */
export * from './batch-lines';
export * from './batch-state';
export * from './calibration';
export * from './pairwise';
