/**
 * Pure statistics behind the reports: intervals for rates, reviewer agreement, majority labels and
 * paired model comparisons. No I/O; every formula's source is cited where it is implemented.
 */
export * from './agreement';
export * from './binomial';
export * from './descriptive';
export * from './krippendorff';
export * from './majority';
export * from './multiple';
export * from './normal';
export * from './paired';
export * from './proportion';
export * from './ratings';
export * from './clustered';
export * from './dawid-skene';
export * from './pairwise';
export * from './stratified';
export * from './tally';
