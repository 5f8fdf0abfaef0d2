/**
 * The sentence that gives a "judge says all valid" filter's precision on the audit — how many of
 * the audited items the judge kept the humans found correct — for the export page and the command
 * line alike. Items whose reviewers tied (no final label) are counted as "no" and as "yes", as the
 * manifest's `withTies` does; the figure with them left out follows, named as such. Pure.
 */
import type { RateRange } from '$lib/stats/rate-range';

/** The manifest's judgePrecision, as far as the sentence needs it (the server's JudgeFilterPrecision adds the rest). */
export interface FilterPrecisionFigures {
	runId: number;
	auditId: number;
	/** Audited items the judge called all valid and that have a decided human label. */
	judgedValid: number;
	/** Of those, how many the humans also called all valid. */
	humanValid: number;
	/** Audited items the judge called all valid whose reviewers tied (no final label): left out of `judgedValid` and the precision. */
	tiedJudgedValid: number;
	/** P(human all valid | judge all valid) over the decided items (tied ones left out); null with no such item. */
	precision: number | null;
	lower: number;
	upper: number;
	/** The headline: the tied items counted as "no" and as "yes" (a range when there are some), Wilson intervals over both. */
	withTies: RateRange;
}

const pct = (x: number | null) => (x === null ? '?' : `${(x * 100).toFixed(1)}%`);
const interval = (lower: number, upper: number) => `(interval ${pct(lower)} to ${pct(upper)})`;

export function judgePrecisionText(p: FilterPrecisionFigures): string {
	const tied = p.tiedJudgedValid;
	if (p.judgedValid + tied === 0) return `Judge precision: unknown — judge run ${p.runId} called no audited item of audit ${p.auditId} all valid.`;
	const head = `Judge precision on audit ${p.auditId}`;
	if (tied === 0) {
		return `${head}: ${pct(p.precision)} ${interval(p.lower, p.upper)} — of the ${p.judgedValid} audited ${p.judgedValid === 1 ? 'item' : 'items'} judge run ${p.runId} called all valid, the final human label also says all valid on ${p.humanValid}.`;
	}
	const r = p.withTies;
	const point = r.rate !== null ? pct(r.rate) : `${pct(r.low)}–${pct(r.high)}`;
	const kept = p.judgedValid + tied;
	const items = tied === 1 ? 'the 1 tied audited item' : `the ${tied} tied audited items`;
	const leftOut =
		p.judgedValid === 0
			? 'no decided item is left'
			: `${pct(p.precision)} ${interval(p.lower, p.upper)}, ${p.humanValid} of ${p.judgedValid}`;
	return `${head}: ${point} ${interval(r.lower, r.upper)} with ${items} counted as "no" and as "yes" — of the ${kept} audited ${kept === 1 ? 'item' : 'items'} judge run ${p.runId} called all valid, the final human label also says all valid on ${p.humanValid}, and on ${tied} the reviewers tied with each other (no final label); with the tied items left out: ${leftOut}.`;
}
