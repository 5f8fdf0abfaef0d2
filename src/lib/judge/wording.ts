/**
 * The report's judge sentences that carry counts, so the page, its tests and the units they
 * count in agree. Pure.
 */

import { headlineText } from '$lib/reports/format';
import type { PpiFallback } from '$lib/stats/ppi';

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The "whole dataset" choice of the report's judge form: what such a run judges. */
export function wholeDatasetChoice(mode: 'quality' | 'rating' | 'pairwise', scope: { units: number; rejectedUnits: number } | null): string {
	const noun = mode === 'quality' ? ['row', 'rows'] : mode === 'rating' ? ['model response', 'model responses'] : ['pair', 'pairs'];
	const all = scope ? `all ${count(scope.units, noun[0], noun[1])}` : `every ${noun[0]}`;
	const rejected = scope && scope.rejectedUnits > 0 ? `, including ${scope.rejectedUnits} rejected by filters` : '';
	const what = `The whole dataset: ${all} the audit sampled from${rejected}`;
	return mode === 'quality' ? `${what} (needed for the whole-dataset estimate)` : what;
}

export type Bounded = { point: number | null; lower: number; upper: number };

/**
 * One figure computed with the tied items as "no" and as "yes", as the audit's headline gives it:
 * `rate` when both agree (else null, and `low`–`high`), the interval covering both.
 */
export function tieBounds(asNo: Bounded, asYes: Bounded): { rate: number | null; low: number | null; high: number | null; lower: number; upper: number } {
	const known = asNo.point !== null && asYes.point !== null;
	return {
		rate: known && asNo.point === asYes.point ? asNo.point : null,
		low: known ? Math.min(asNo.point!, asYes.point!) : null,
		high: known ? Math.max(asNo.point!, asYes.point!) : null,
		lower: Math.min(asNo.lower, asYes.lower),
		upper: Math.max(asNo.upper, asYes.upper)
	};
}

/** "26.7%–30.0% [14.2%, 47.9%]": tieBounds as the page writes it. */
export function tieRangeText(asNo: Bounded, asYes: Bounded): string {
	const b = tieBounds(asNo, asYes);
	if (b.low === null || b.high === null) return '—';
	return headlineText({ proportion: b.rate, low: b.low, high: b.high, lower: b.lower, upper: b.upper, n: 1 });
}

export type TiedEstimate = {
	estimate: number | null;
	lower: number;
	upper: number;
	humanOnly: { proportion: number | null; lower: number; upper: number };
	fallback?: PpiFallback | null;
};

/** Why a judge estimate is the audit's alone (λ = 0), after "the judge adds nothing: " (page, CLI, methods, manifest). */
export function judgeAddsNothingText(fallback: 'judge-constant' | 'judge-uninformative' | 'fully-audited'): string {
	if (fallback === 'fully-audited') return 'every row was audited, so the human labels alone give the rate';
	return fallback === 'judge-constant'
		? 'it gave every row the same verdict'
		: 'on the audit the rows it calls good are no likelier to be good than those it rejects (λ = 0)';
}

/**
 * The fallback of the headline figure: with tied items, of the range (when both ends share one;
 * e.g. every row audited once the ties count), else of the estimate itself.
 */
export function headlineFallback(e: { fallback: PpiFallback | null }, tr: { tiesAsNo: { fallback: PpiFallback | null }; tiesAsYes: { fallback: PpiFallback | null } } | null): PpiFallback | null {
	if (!tr) return e.fallback;
	return tr.tiesAsNo.fallback === tr.tiesAsYes.fallback ? tr.tiesAsNo.fallback : null;
}

/** A PPI figure and its audit-only figure, each as tieBounds takes them. */
export const ppiBounded = (x: TiedEstimate): Bounded => ({ point: x.estimate, lower: x.lower, upper: x.upper });
export const humanBounded = (x: TiedEstimate): Bounded => ({ point: x.humanOnly.proportion, lower: x.humanOnly.lower, upper: x.humanOnly.upper });

/** The PPI++ and human-only figures with the tied items counted as "no" and as "yes" (the page and the CLI say the same). */
export function tieRangeTexts(tr: { tiesAsNo: TiedEstimate; tiesAsYes: TiedEstimate }): { ppi: string; human: string } {
	return { ppi: tieRangeText(ppiBounded(tr.tiesAsNo), ppiBounded(tr.tiesAsYes)), human: tieRangeText(humanBounded(tr.tiesAsNo), humanBounded(tr.tiesAsYes)) };
}

/** Says which audited items a figure rests on when some tied. */
export function tiedItemsNote(items: number, tied: number): string {
	return `Over ${items} audited items: the ${count(tied, 'tied item', 'tied items')} counted as "no" and as "yes", as the audit's headline does.`;
}

/**
 * What the estimate is over: rows, or tasks when tasks have several rows (N then counts tasks,
 * and the unreadable verdicts are still counted in rows).
 */
export function estimatePopulationText(design: 'rows' | 'one-row-per-task', population: { tasks: number; rows: number; unparsedRows: number }): string {
	const unreadable = `${count(population.unparsedRows, 'row', 'rows')} without a readable judge verdict, counted as "no"`;
	return design === 'rows'
		? `Over ${count(population.rows, 'row', 'rows')} (${unreadable})`
		: `Over ${count(population.tasks, 'task', 'tasks')} with ${count(population.rows, 'row', 'rows')} (${unreadable}; each task counts its share of rows the judge passes)`;
}

/** How many audited units the run judged (an unreadable reply is still judged), and how many replies it could not read. */
export function judgedLine(judged: number, total: number, unreadable: number, units: string, verdict: string): string {
	return `${judged} of ${total} audited ${units} judged${unreadable > 0 ? `, ${unreadable} without a readable judge ${verdict}` : ''}`;
}

/**
 * Conversations among a quality run's rows: each joins the flat data as its first user turn and
 * the reply to it, and that exchange is all the quality judge sees (there is no conversation judge).
 */
export interface FirstExchangeOnly {
	/** Rows that are a conversation's first exchange. */
	conversations: number;
	/** Of them, conversations with turns after the first exchange, which are not judged. */
	withLaterTurns: number;
}

/** Says plainly that later turns go unjudged; null when no conversation has any. */
export function firstExchangeNote(c: FirstExchangeOnly | null | undefined): string | null {
	if (!c || c.withLaterTurns === 0) return null;
	const n = c.withLaterTurns;
	return `The quality judge sees only the first exchange of each conversation (its first user turn and the reply): ${n} of the ${c.conversations} conversation${c.conversations === 1 ? '' : 's'} judged ${n === 1 ? 'has' : 'have'} later turns, which are not judged.`;
}
