/**
 * A verdict-stratified audit's population figures. Such an audit draws each stratum (rows the
 * filters kept, rows each rule rejected) at its own rate — 10 of 5,001 kept rows beside 4 of 5
 * rejected ones — so pooling its items counts each stratum by its sample, not by its share of the
 * dataset, and leans toward the strata drawn more heavily. Each stratum's item majority is weighted
 * by its rows instead, through the one definition of the estimator ($lib/stats stratifiedBounds,
 * Cochran's stratified estimator), the figure the export manifest, the dataset card and the methods
 * paragraph give. Ties are bounds, as stratifiedBounds counts them.
 */
import { stratifiedBounds } from '$lib/stats';
import { KEPT_STRATUM, stratumRule } from '$lib/audits/sampling';
import { estimatorInText } from './format';
import type { EstimatorKey, StratumRows, StratumShift } from './types';
import type { HeadlineRate } from './estimators';

/** An item's final answer to one question and the stratum it was drawn from. */
export interface StratifiedFinal {
	stratum: string | null;
	value: boolean | null;
	tie: boolean;
}

export interface WeightedStratumRow {
	stratum: string;
	label: string;
	/** N_h: the stratum's rows (for a group within the audit, the rows estimated to be in the group: see estimatedFrom). */
	rows: number;
	/** For a group within the audit: what `rows` is estimated from (groupStratumSizes); absent for a count. */
	estimatedFrom?: StratumRows['estimatedFrom'];
	/** n_h: its items with a final answer or a tie. */
	items: number;
	yes: number;
	ties: number;
	/** yes / items, null without items; with ties, low and high. */
	rate: number | null;
	low: number | null;
	high: number | null;
}

export interface WeightedRate {
	/** Σ W_h p_h; null when ties or strata with no item keep `low` and `high` apart. */
	rate: number | null;
	low: number;
	high: number;
	lower: number;
	upper: number;
	/** Items weighed (with a final answer or a tie). */
	items: number;
	/** Rows of strata none of whose items has an answer: counted as "no" for the low figures and "yes" for the high. */
	uncovered: number;
	strata: WeightedStratumRow[];
}

/**
 * The stratum-weighted item-majority rate, or null when no stratum with rows has an answered item.
 * `sizes` are the strata's rows; an item whose stratum is not among them is not weighed (it was
 * drawn from no stratum the population holds).
 */
export function weightedMajority(finals: readonly StratifiedFinal[], sizes: readonly StratumRows[], confidence: number): WeightedRate | null {
	const counts = new Map(sizes.map((s) => [s.stratum, { items: 0, yes: 0, ties: 0 }]));
	for (const f of finals) {
		const c = f.stratum === null ? undefined : counts.get(f.stratum);
		if (!c || (f.value === null && !f.tie)) continue;
		c.items++;
		if (f.value === true) c.yes++;
		else if (f.value === null) c.ties++;
	}
	const strata: WeightedStratumRow[] = sizes.map((s) => {
		const c = counts.get(s.stratum)!;
		return {
			stratum: s.stratum,
			label: s.label,
			rows: s.rows,
			...(s.estimatedFrom ? { estimatedFrom: s.estimatedFrom } : {}),
			items: c.items,
			yes: c.yes,
			ties: c.ties,
			rate: c.items && !c.ties ? c.yes / c.items : null,
			low: c.items ? c.yes / c.items : null,
			high: c.items ? (c.yes + c.ties) / c.items : null
		};
	});
	const b = stratifiedBounds(
		strata.map((h) => ({ population: h.rows, trials: h.items, successes: h.yes, ties: h.ties })),
		{ confidence }
	);
	if (!b) return null;
	return { rate: b.rate, low: b.low, high: b.high, lower: b.lower, upper: b.upper, items: strata.reduce((n, h) => n + h.items, 0), uncovered: b.uncovered, strata };
}

/**
 * The rows that weight a stratum, in words: "168 rows in the dataset weight it", or for a group's
 * estimated share "about 28 rows in the dataset weight it (estimated from the drawn items: the
 * stratum's 168 rows × 5 of its 30 drawn items)" — read as a count it would mislead (they were 26).
 */
export function stratumWeightText(h: Pick<WeightedStratumRow, 'rows' | 'estimatedFrom'>): string {
	const n = (x: number) => x.toLocaleString('en-US');
	const e = h.estimatedFrom;
	if (!e) return h.rows === 1 ? '1 row in the dataset weights it' : `${n(h.rows)} rows in the dataset weight it`;
	const items = (x: number) => (x === 1 ? '1 drawn item' : `${n(x)} drawn items`);
	if (!e.inGroup) return `no row in the dataset weighs it (estimated from the drawn items: none of the stratum's ${items(e.drawn)} is in this group)`;
	return `about ${n(Math.round(h.rows))} rows in the dataset weight it (estimated from the drawn items: the stratum's ${e.stratumRows === 1 ? '1 row' : `${n(e.stratumRows)} rows`} × ${n(e.inGroup)} of its ${items(e.drawn)})`;
}

/**
 * A verdict stratum's rows as an export's estimate gives them: counted ("168 rows"), as drawn ("30
 * rows when the sample was drawn": the filters moved rows since, and all its drawn items are in the
 * population), or estimated from its drawn items ("about 4 rows (10 when drawn × 4 of its 10 drawn
 * items)"), rounded: read as a count, 3.33 rows would mislead.
 */
export function stratumRowsText(h: { rows: number; estimatedFrom?: { stratumRows: number; drawn: number; inGroup: number } }): string {
	const n = (x: number) => x.toLocaleString('en-US');
	const e = h.estimatedFrom;
	if (!e) return `${n(h.rows)} row${h.rows === 1 ? '' : 's'}`;
	if (e.inGroup === e.drawn) return `${n(e.stratumRows)} row${e.stratumRows === 1 ? '' : 's'} when the sample was drawn`;
	const rows = Math.round(h.rows);
	return `about ${n(rows)} row${rows === 1 ? '' : 's'} (${n(e.stratumRows)} when drawn × ${n(e.inGroup)} of its ${n(e.drawn)} drawn items)`;
}

/**
 * How the strata's rows now differ from their rows when the sample was drawn (the filters applied
 * again since): the headline weights today's strata, as an export of them does, while the filter
 * report weights the strata as drawn, so the two differ by exactly this. Only the counts are kept,
 * so the rows that moved are counted at least: what the strata that grew gained. Null when no
 * stratum's rows changed.
 */
export function stratumShift(drawn: readonly { key: string; label: string; population: number }[], now: readonly StratumRows[]): StratumShift | null {
	const byKey = new Map<string, { stratum: string; label: string; drawn: number; now: number }>();
	for (const h of drawn) byKey.set(h.key, { stratum: h.key, label: h.label, drawn: h.population, now: 0 });
	for (const h of now) {
		// Rows no filter judged are no stratum the sample was drawn from (their count then was not kept).
		if (h.stratum !== KEPT_STRATUM && stratumRule(h.stratum) === null) continue;
		const entry = byKey.get(h.stratum) ?? { stratum: h.stratum, label: h.label, drawn: 0, now: 0 };
		entry.now += h.rows;
		byKey.set(h.stratum, entry);
	}
	const strata = [...byKey.values()].filter((h) => h.drawn !== h.now);
	if (!strata.length) return null;
	const gained = strata.reduce((n, h) => n + Math.max(0, h.now - h.drawn), 0);
	const lost = strata.reduce((n, h) => n + Math.max(0, h.drawn - h.now), 0);
	return { moved: Math.max(gained, lost), strata };
}

/**
 * The strata's rows within one group of the audit's items (classification tasks, say): the group's
 * share of each stratum is estimated by its share of the items drawn from it (N_hd = N_h n_hd / n_h,
 * the domain estimate of a stratified sample). Strata the audit drew no item from are left out: the
 * sample says nothing of how their rows split.
 */
export function groupStratumSizes(sizes: readonly StratumRows[], drawn: readonly (string | null)[], drawnInGroup: readonly (string | null)[]): StratumRows[] {
	const tally = (list: readonly (string | null)[]) => {
		const m = new Map<string, number>();
		for (const s of list) if (s !== null) m.set(s, (m.get(s) ?? 0) + 1);
		return m;
	};
	const all = tally(drawn);
	const group = tally(drawnInGroup);
	return sizes
		.filter((s) => (all.get(s.stratum) ?? 0) > 0)
		.map((s) => {
			const drawnInStratum = all.get(s.stratum)!;
			const inGroup = group.get(s.stratum) ?? 0;
			return { ...s, rows: (s.rows * inGroup) / drawnInStratum, estimatedFrom: { stratumRows: s.rows, drawn: drawnInStratum, inGroup } };
		});
}

/**
 * The headline of a rate of a verdict-stratified audit: the weighted item majority. Latent truth and
 * the label level pool the items without weights, so where they were asked for (or the data would
 * choose latent truth) the reason they are not the headline is said.
 */
export function weightedHeadline(w: WeightedRate, requested: EstimatorKey | 'auto', wanted: EstimatorKey): HeadlineRate {
	return {
		estimator: 'majority',
		weighted: true,
		requested,
		fallback: wanted === 'majority' ? null : `the audit drew its strata at different rates, and ${estimatorInText(wanted)} pools the items without weights`,
		caveat: null,
		n: w.items,
		proportion: w.rate,
		low: w.low,
		high: w.high,
		lower: w.lower,
		upper: w.upper
	};
}
