/** A model as judge, server side: calibration against an audit and the whole-dataset estimate (runs live in runs/judge). */
export * from './calibration';
export * from './report-run';
