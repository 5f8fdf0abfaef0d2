/** Reports on audits: numbers (reports.ts), adjudication (adjudication.ts), downloads (downloads.ts). */
export * from './adjudication';
export * from './downloads';
export * from './errors';
export * from './load';
export * from './reports';
export * from './methods';
export * from './filters';
export { LATENT_BACKGROUND_ANSWERS, latentProgress, latentJobsSettled } from './latent';
export { auditFilterReportOffThread, itemVerdictsOffThread, judgeCalibrationOffThread } from './threads';
