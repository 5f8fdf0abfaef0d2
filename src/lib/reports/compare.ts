/**
 * Two audits side by side (two generation runs, two filter settings, …): each rate of both, the
 * difference first − second, and its Newcombe hybrid score interval (the two audits are
 * independent samples).
 */
import { RATING_KEYS } from '$lib/audits/rubric';
import { differenceFromIntervals, proportionDifferenceInterval, wilsonInterval } from '$lib/stats';
import { ESTIMATOR_LABELS, type MajorityBounds } from './estimators';
import type { BreakdownKey, Estimate, GroupKey, QualityGroup } from './quality';
import type { AuditReport } from './report';
import { type EstimatorKey, type ReportAudit } from './types';
import { CATEGORY_LABELS, GROUP_LABELS, RATE_LABELS, interval, percent, points, pointsInterval } from './format';
import { ratingCountText } from './rating';
import type { ShapeRate } from './shapes';
import type { ModelPairRecord } from '../stats/pairwise';

export interface ComparisonRow {
	/**
	 * quality: 'rate' (a question or all valid) or 'breakdown'; rating: 'model'; conversation:
	 * 'conversation' (whole conversations correct) or 'position' (replies valid at a position);
	 * pairwise: 'pair' (a model pair's win, tie and decided-win rates).
	 */
	section: 'rate' | 'breakdown' | 'model' | 'conversation' | 'position' | 'pair';
	/** Quality: the task group; rating: the model; conversation: 'conversations' or 'replies'; pairwise: "m1 vs m2". */
	group: GroupKey | string;
	/** The rate: a question key, 'allValid', a category, 'aOrB', a level A–D, 'correct', a reply position, 'win' / 'tie' / 'decidedWin'. */
	key: string;
	first: Estimate;
	second: Estimate;
	/** first − second; null when either side has no decided items, or ties keep it a range. */
	difference: number | null;
	/** Ties keep the difference a range: from (low₁ − high₂) to (high₁ − low₂); absent otherwise. */
	differenceLow?: number | null;
	differenceHigh?: number | null;
	lower: number;
	upper: number;
	/**
	 * Rates with tied items: `first` / `second` count ties as "no"; these count them as "yes"
	 * (item majority, ties as bounds), and the interval spans both.
	 */
	firstHigh?: Estimate;
	secondHigh?: Estimate;
	note?: string;
}

export interface AuditComparison {
	first: ReportAudit;
	second: ReportAudit;
	confidence: number;
	kind: 'quality' | 'rating' | 'conversation' | 'pairwise';
	rows: ComparisonRow[];
	/** What was left out and why, and caveats of the rows (conversation and pairwise comparisons). */
	notes: string[];
}

/** A row's stratum and rate as people read them: the one wording of the page, the CLI and the CSV. */
export function comparisonLabels(r: Pick<ComparisonRow, 'section' | 'group' | 'key'>): { group: string; rate: string } {
	switch (r.section) {
		case 'rate':
			return { group: GROUP_LABELS[r.group as GroupKey] ?? r.group, rate: RATE_LABELS[r.key as keyof typeof RATE_LABELS] };
		case 'breakdown':
			return { group: GROUP_LABELS[r.group as GroupKey] ?? r.group, rate: CATEGORY_LABELS[r.key as keyof typeof CATEGORY_LABELS] };
		case 'model':
			return { group: r.group, rate: r.key === 'aOrB' ? 'Rated A or B' : `Rated ${r.key}` };
		case 'conversation':
			return { group: 'Whole conversations', rate: 'Correct' };
		case 'position':
			return { group: 'Replies by position', rate: `Reply ${r.key} valid` };
		case 'pair': {
			const first = r.group.split(' vs ')[0];
			return { group: r.group, rate: r.key === 'win' ? `${first} wins` : r.key === 'tie' ? 'Ties' : `${first} wins, of decided` };
		}
	}
}

/** Whether ties keep a row's difference a range (from differenceLow to differenceHigh). */
export function comparisonRanged(r: Pick<ComparisonRow, 'difference' | 'differenceLow' | 'differenceHigh'>): boolean {
	return r.difference === null && r.differenceLow != null && r.differenceHigh != null;
}

/**
 * One side of a row as the page and the CLI write it: the rate, a range ("52.5%–84.7%") only when
 * its ties move the count; the counts ("21–34/40"); the interval, spanning both figures.
 */
export function comparisonSideText(low: Estimate, high?: Estimate): { rate: string; counts: string; interval: string } {
	const span = !!high && high.successes !== low.successes;
	return {
		rate: span ? `${percent(low.proportion)}–${percent(high!.proportion)}` : percent(low.proportion),
		// Label-level rating shares count responses' worth, which may be fractional (½ A, ½ B).
		counts: span ? `${ratingCountText(low.successes)}–${ratingCountText(high!.successes)}/${low.trials}` : `${ratingCountText(low.successes)}/${low.trials}`,
		interval: interval(low.lower, span ? high!.upper : low.upper)
	};
}

/** A row's difference as the page and the CLI write it: "+3.0 pp", or "−24.7 pp to +10.3 pp" when ties keep it a range, "—" when undefined. */
export function comparisonDifferenceText(r: Pick<ComparisonRow, 'difference' | 'differenceLow' | 'differenceHigh'>): string {
	return comparisonRanged(r) ? `${points(r.differenceLow)} to ${points(r.differenceHigh)}` : points(r.difference);
}

/** A row's interval of the difference as the page and the CLI write it ("—" when the difference is undefined). */
export function comparisonIntervalText(r: Pick<ComparisonRow, 'difference' | 'differenceLow' | 'differenceHigh' | 'lower' | 'upper'>): string {
	return r.difference === null && !comparisonRanged(r) ? '—' : pointsInterval(r.lower, r.upper);
}

export class ComparisonError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ComparisonError';
	}
}

function row(section: ComparisonRow['section'], group: string, key: string, first: Estimate, second: Estimate, confidence: number): ComparisonRow {
	const d = proportionDifferenceInterval(
		{ successes: first.successes, trials: first.trials },
		{ successes: second.successes, trials: second.trials },
		{ confidence }
	);
	const plain = (e: Estimate): Estimate => ({ successes: e.successes, trials: e.trials, proportion: e.proportion, lower: e.lower, upper: e.upper });
	return { section, group, key, first: plain(first), second: plain(second), difference: d.difference, lower: d.lower, upper: d.upper };
}

const plainOf = (x: { successes: number; trials: number; proportion: number | null; lower: number; upper: number }): Estimate => ({
	successes: x.successes,
	trials: x.trials,
	proportion: x.proportion,
	lower: x.lower,
	upper: x.upper
});

/**
 * A rate of both audits by item majority with ties as bounds: with no ties, Newcombe's interval
 * for the difference; with ties, the difference lies between (low₁ − high₂) and (high₁ − low₂), and
 * the interval runs from the first's Newcombe lower bound to the second's upper bound.
 */
function rateRow(
	group: string,
	key: string,
	first: Pick<MajorityBounds, 'low' | 'high' | 'ties'>,
	second: Pick<MajorityBounds, 'low' | 'high' | 'ties'>,
	confidence: number,
	section: ComparisonRow['section'] = 'rate'
): ComparisonRow {
	if (first.ties === 0 && second.ties === 0) return row(section, group, key, first.low, second.low, confidence);
	const low = proportionDifferenceInterval(first.low, second.high, { confidence });
	const high = proportionDifferenceInterval(first.high, second.low, { confidence });
	return {
		section,
		group,
		key,
		first: plainOf(first.low),
		second: plainOf(second.low),
		firstHigh: plainOf(first.high),
		secondHigh: plainOf(second.high),
		difference: null,
		differenceLow: low.difference,
		differenceHigh: high.difference,
		lower: low.lower,
		upper: high.upper,
		note: `ties counted both ways (${first.ties} and ${second.ties} tied items): the difference is between ${low.difference === null ? '—' : (low.difference * 100).toFixed(1)} and ${high.difference === null ? '—' : (high.difference * 100).toFixed(1)} points`
	};
}

const TIE_KEYS: ReadonlySet<string> = new Set<BreakdownKey>(['reason_tied', 'valid_tied']);

/**
 * A breakdown category's count as bounds over the group's decided items: an item whose reviewers
 * tied (on all valid, or on the reason) may still end in any category one of them gave, so the
 * count runs from the items labelled so to those plus the tied ones that could end there — never
 * a category nobody gave it. (Counting the ties only as "not this category" would make a
 * difference look significant that the ties alone could produce.) The tie rows themselves are
 * plain counts.
 */
function breakdownBounds(group: QualityGroup, key: string, confidence: number): Pick<MajorityBounds, 'low' | 'high' | 'ties'> {
	// A category the group never used (e.g. tied reasons) is 0 of its decided items.
	const reported = group.breakdown.find((r) => r.key === key);
	const low = reported ?? estimate(0, group.decided, confidence);
	const ties = TIE_KEYS.has(key) ? 0 : (reported?.tiedMayBe ?? 0);
	return { low, high: ties ? estimate(low.successes + ties, group.decided, confidence) : low, ties };
}

function estimate(successes: number, trials: number, confidence: number): Estimate {
	const w = wilsonInterval(successes, trials, { confidence });
	return { successes, trials, proportion: w.proportion, lower: w.lower, upper: w.upper };
}

/**
 * A label-level share of both audits (the rating report's levels and A or B: each response counts
 * once, shared among its reviewers' ratings, with Wilson intervals at the effective sample size
 * clustered by response): Newcombe's hybrid score interval built from those two intervals, i.e.
 * at each side's effective sample size n/deff, so reviewers' labels on one response are not taken
 * for independent responses.
 */
function clusteredRow(group: string, key: string, first: Estimate, second: Estimate): ComparisonRow {
	const d = differenceFromIntervals(first, second);
	const plain = (e: Estimate): Estimate => ({ successes: e.successes, trials: e.trials, proportion: e.proportion, lower: e.lower, upper: e.upper });
	return { section: 'model', group, key, first: plain(first), second: plain(second), ...d };
}

/** Item majority with ties as bounds, as the conversation report gives it, in the shape rateRow takes. */
function shapeBounds(r: ShapeRate): Pick<MajorityBounds, 'low' | 'high' | 'ties'> {
	return { low: r.majority.lower, high: r.majority.upper, ties: r.majority.tied };
}

const WHAT_KIND: Record<AuditComparison['kind'], string> = {
	quality: 'the three validity questions per instance',
	rating: 'A–D ratings of model responses',
	conversation: 'the correctness of conversations and their replies',
	pairwise: 'which of two responses is better'
};

/** What the reports do not hold: how many sampled instances the two audits have in common (counted by the server). */
export interface ComparisonContext {
	sharedItems?: number;
}

/**
 * The caveat on two audits that share items: the Newcombe intervals take them for independent
 * samples, which the same instances are not (e.g. a second audit drawn with the first's seed).
 */
function sharedItemsNote(first: AuditReport, second: AuditReport, shared: number): string {
	const unit = first.audit.kind === 'rating' ? 'instances (with their responses)' : first.audit.kind === 'pairwise' ? 'pairs of responses' : 'instances';
	const all = shared === first.progress.items && shared === second.progress.items;
	const which = all ? `the same ${shared} sampled ${unit}` : `${shared} sampled ${unit} (of ${first.progress.items} in the first, ${second.progress.items} in the second)`;
	return `The two audits are of ${which}: they are not independent samples, as the intervals of the differences assume, so a difference measures the reviewers and their labels on ${all ? 'those' : 'partly the same'} items more than two samples of the data, and its interval is not that of a paired comparison.`;
}

/**
 * Quality comparisons always use item majority (ties as bounds); say so when a report leads with
 * another estimator. A comparison skips the latent fits (status 'pending'), so a rate that would
 * ask for latent truth counts too: its report leads with it where the data identify it.
 */
function majorityNote(first: AuditReport, second: AuditReport): string | null {
	const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
	const others = [first, second].flatMap((r) => {
		const estimators = new Set<EstimatorKey>();
		for (const rate of r.quality?.groups[0].rates ?? []) {
			const h = rate.headline;
			const wanted = h.requested === 'auto' ? (r.audit.overlap > 1 ? 'latent' : 'majority') : h.requested;
			if (h.estimator !== 'majority') estimators.add(h.estimator);
			else if (wanted === 'latent' && rate.latent.status === 'pending') estimators.add('latent');
		}
		return estimators.size ? [`"${r.audit.name}" leads with ${[...estimators].map((e) => lowerFirst(ESTIMATOR_LABELS[e])).join(' and ')}${estimators.has('latent') ? ' where its data identify it' : ''}`] : [];
	});
	if (!others.length) return null;
	return `Every rate here is by item majority, ties as bounds, for both audits, while the report of ${others.join(', and that of ')}: a rate here may differ from the one its report leads with.`;
}

/** Compares two reports of the same kind, computed at the same confidence level. */
export function compareReports(first: AuditReport, second: AuditReport, context: ComparisonContext = {}): AuditComparison {
	if (first.audit.kind !== second.audit.kind) {
		throw new ComparisonError(
			`Cannot compare a ${first.audit.kind} audit with a ${second.audit.kind} audit: one measures ${WHAT_KIND[first.audit.kind]}, the other ${WHAT_KIND[second.audit.kind]}, so no rate is shared. Compare two audits of the same kind.`
		);
	}
	if (first.confidence !== second.confidence) throw new ComparisonError('Both reports must use the same confidence level.');
	const kind = first.audit.kind;
	const confidence = first.confidence;
	const rows: ComparisonRow[] = [];
	const notes: string[] = [];
	if (kind === 'conversation') {
		const a = first.conversation;
		const b = second.conversation;
		if (!a || !b) throw new ComparisonError('Both audits need their conversation report.');
		rows.push(rateRow('conversations', 'correct', shapeBounds(a.conversations), shapeBounds(b.conversations), confidence, 'conversation'));
		if (a.unit !== b.unit) {
			notes.push(
				'One audit judged each reply, the other each conversation as a whole: "correct" is every reply valid in the first kind and the whole judged correct in the second, so the difference mixes the data with the question. Replies by position are left out (one audit has none).'
			);
		} else if (a.unit === 'turn') {
			const positions = new Set(b.byPosition.map((p) => p.position));
			for (const p of a.byPosition) {
				const other = b.byPosition.find((x) => x.position === p.position);
				if (other) rows.push(rateRow('replies', String(p.position), shapeBounds(p), shapeBounds(other), confidence, 'position'));
			}
			const only = [...a.byPosition.map((p) => p.position).filter((p) => !positions.has(p)), ...b.byPosition.map((p) => p.position).filter((p) => !a.byPosition.some((x) => x.position === p))];
			if (only.length) notes.push(`Reply positions in one audit only are left out: ${only.sort((x, y) => x - y).join(', ')}.`);
		}
		return { first: first.audit, second: second.audit, confidence, kind, rows, notes };
	}
	if (kind === 'pairwise') {
		const a = first.pairwise;
		const b = second.pairwise;
		if (!a || !b) throw new ComparisonError('Both audits need their pairwise report.');
		const key = (r: ModelPairRecord) => `${r.first} vs ${r.second}`;
		const bByKey = new Map(b.records.map((r) => [key(r), r]));
		// Newcombe's interval built from each report's own intervals: clustered by item where items carry several choices, as the reports give them.
		const pairRow = (group: string, k: string, x: Estimate, y: Estimate): ComparisonRow => ({ section: 'pair', group, key: k, first: plainOf(x), second: plainOf(y), ...differenceFromIntervals(x, y) });
		for (const x of a.records) {
			const y = bByKey.get(key(x));
			if (!y) continue;
			rows.push(pairRow(key(x), 'win', x.winRate, y.winRate));
			rows.push(pairRow(key(x), 'tie', x.tieRate, y.tieRate));
			rows.push(pairRow(key(x), 'decidedWin', x.decisiveWinRate, y.decisiveWinRate));
		}
		const aKeys = new Set(a.records.map(key));
		const only = [...a.records.map(key).filter((k) => !bByKey.has(k)), ...b.records.map(key).filter((k) => !aKeys.has(k))];
		if (only.length) notes.push(`Model pairs compared in one audit only are left out: ${only.join('; ')}.`);
		if (!rows.length) notes.push('The two audits share no model pair, so there is nothing to set side by side.');
		notes.push(
			`Each comparison is one label; "both bad" is left out as in the reports. The intervals of the difference are Newcombe's, built from each report's intervals${a.clustered || b.clustered ? ' (clustered by item where an item carries several choices: they are not independent comparisons)' : ''}.`
		);
		// The server counts the pairs both audits hold: say how many, as for ratings; without the count, that they may.
		if (context.sharedItems !== undefined) {
			if (context.sharedItems > 0) notes.push(sharedItemsNote(first, second, context.sharedItems));
		} else if (first.audit.datasetId === second.audit.datasetId) {
			notes.push(
				`Both audits are of the dataset "${first.audit.datasetName}" and may judge the same pairs: the interval treats the two audits as independent samples, so a difference on shared items (the same pairs judged twice) is measured with that overlap unaccounted for.`
			);
		}
		return { first: first.audit, second: second.audit, confidence, kind, rows, notes };
	}
	if (first.quality && second.quality) {
		// The comparison sets pooled item-majority rates side by side: a verdict-stratified audit's pooled rate is not its population's.
		const weighted = [first, second].filter((r) => r.quality!.groups[0].rates.some((rate) => rate.headline.weighted));
		if (weighted.length)
			throw new ComparisonError(
				`${weighted.map((r) => `Audit "${r.audit.name}"`).join(' and ')} drew ${weighted.length > 1 ? 'their' : 'its'} strata by the filters' verdict at different rates, so ${weighted.length > 1 ? 'their' : 'its'} rates weight the strata by their sizes in the dataset; this comparison pools items without weights and would set a biased rate beside the other. Compare the weighted rates of the two reports (or the exports' manifests) instead.`
			);
		// Tie rates compared with an audit that cannot tie (one reviewer per item) would only measure the design.
		const bothCanTie = first.audit.overlap >= 2 && second.audit.overlap >= 2;
		for (const a of first.quality.groups) {
			const b = second.quality.groups.find((g) => g.key === a.key);
			if (!b) continue;
			for (const rate of a.rates) {
				const other = b.rates.find((r) => r.key === rate.key)!;
				rows.push(rateRow(a.key, rate.key, rate.majority, other.majority, confidence));
			}
			const keys = [...new Set([...a.breakdown.map((r) => r.key), ...b.breakdown.map((r) => r.key)])];
			for (const key of keys) {
				if (TIE_KEYS.has(key) && !bothCanTie) continue;
				rows.push(rateRow(a.key, key, breakdownBounds(a, key, confidence), breakdownBounds(b, key, confidence), confidence, 'breakdown'));
			}
		}
		const majority = majorityNote(first, second);
		if (majority) notes.push(majority);
		const single = [first.audit, second.audit].filter((x) => x.overlap < 2);
		if (!bothCanTie && first.quality.groups.concat(second.quality.groups).some((g) => g.breakdown.some((r) => TIE_KEYS.has(r.key) && r.count > 0))) {
			notes.push(
				`The shares of items whose reviewers tied are not compared: ${single.map((x) => `"${x.name}"`).join(' and ')} ${single.length > 1 ? 'have' : 'has'} one reviewer per item, so ${single.length > 1 ? 'they' : 'it'} cannot tie. Tied items count both ways in the other rows.`
			);
		}
	} else if (first.rating && second.rating) {
		for (const a of first.rating.models) {
			const b = second.rating.models.find((m) => m.model === a.model);
			if (!b) continue;
			rows.push(clusteredRow(a.model, 'aOrB', a.aOrB, b.aOrB));
			for (const level of RATING_KEYS) rows.push(clusteredRow(a.model, level, a.levels[level], b.levels[level]));
		}
		if (rows.length && [first.audit, second.audit].some((x) => x.overlap > 1)) {
			notes.push(
				"Ratings are compared at the label level: every rated response counts once, shared evenly among its reviewers' ratings (A and B count ½ each), so no response is left out because its reviewers disagree; the intervals are Newcombe's, built from Wilson intervals at each audit's effective sample size clustered by response."
			);
		}
	}
	if ((first.quality || first.rating) && context.sharedItems) notes.push(sharedItemsNote(first, second, context.sharedItems));
	return { first: first.audit, second: second.audit, confidence, kind, rows, notes };
}
