/**
 * The report's judge sentences that carry counts, so the page, its tests and the units they
 * count in agree. Pure.
 */

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The "whole dataset" choice of the report's judge form: what such a run judges. */
export function wholeDatasetChoice(mode: 'quality' | 'rating' | 'pairwise', scope: { units: number; rejectedUnits: number } | null): string {
	const noun = mode === 'quality' ? ['row', 'rows'] : mode === 'rating' ? ['model response', 'model responses'] : ['pair', 'pairs'];
	const all = scope ? `all ${count(scope.units, noun[0], noun[1])}` : `every ${noun[0]}`;
	const rejected = scope && scope.rejectedUnits > 0 ? `, including ${scope.rejectedUnits} rejected by filters` : '';
	const what = `The whole dataset: ${all} the audit sampled from${rejected}`;
	return mode === 'quality' ? `${what} (needed for the whole-dataset estimate)` : what;
}
