/**
 * Three estimates of each data-quality rate (the three questions and "all fields valid"), none of
 * which drops an item because its reviewers disagree:
 *
 * 1. item majority with ties as bounds — each item's final label (adjudicated, else the
 *    reviewers' majority); a tied item counts as "no" for the lower figure and "yes" for the upper,
 *    each with its Wilson interval. With one reviewer per item (no ties) it is the plain Wilson rate.
 * 2. label level — the share of "yes" among the reviewers' labels, with the ratio-estimator
 *    interval clustered by item ($lib/stats/clustered). It measures how often a reviewer says yes.
 * 3. latent truth — Dawid–Skene: each item's probability of truly being "yes" from its reviewers'
 *    answers and their estimated error rates; adjudicated items fixed at the final label and gold
 *    items anchoring the error rates; the rate with a seeded bootstrap interval over items. Only
 *    when the model is identified and EM converged; otherwise it says why.
 *
 * The headline is chosen by the data — one label per item: the majority (plain Wilson) rate;
 * several: the latent truth, falling back to the bounds when it cannot be stood behind — unless a
 * researcher picked another.
 */
import { QUESTION_KEYS } from '$lib/audits/rubric';
import {
	clusteredProportionOfCounts,
	dawidSkeneBootstrap,
	dawidSkeneIdentification,
	classSeparation,
	wilsonInterval,
	DEFAULT_BOOTSTRAP_REPLICATES,
	DEFAULT_BOOTSTRAP_SEED,
	type DawidSkeneObservations,
	type Identification
} from '$lib/stats';
import { allYes } from './verdicts';
import { Fingerprint, LATENT_ALGORITHM_VERSION, type LatentMemo, type StoredLatent } from './latent-memo';
import { answerTo, type EstimatorKey, type QualityQuestion, type ReportAdjudication, type ReportGoldAnswer, type ReportItem, type ReportLabel } from './types';

export type RateKey = QualityQuestion | 'allValid';
export const RATE_KEYS: readonly RateKey[] = [...QUESTION_KEYS, 'allValid'];

export const ESTIMATOR_LABELS: Record<EstimatorKey, string> = {
	majority: 'Item majority, ties as bounds',
	label: 'Label level',
	latent: 'Latent truth (Dawid–Skene)'
};

/** The answer a label (or adjudication, or gold answer) gives to a rate's question. */
export function answerFor(label: Pick<ReportLabel, 'instructionValid' | 'inputValid' | 'outputValid'>, key: RateKey): boolean | null {
	return key === 'allValid' ? allYes(label) : answerTo(label, key);
}

export interface Share {
	successes: number;
	trials: number;
	proportion: number | null;
	lower: number;
	upper: number;
}

export interface MajorityBounds {
	estimator: 'majority';
	/** Items with a final label or a tie: the denominator of both bounds. */
	n: number;
	yes: number;
	no: number;
	ties: number;
	adjudicated: number;
	/** Ties counted as "no". */
	low: Share;
	/** Ties counted as "yes". */
	high: Share;
}

export interface LabelLevelRate {
	estimator: 'label';
	/** Items with at least one answer (the clusters). */
	n: number;
	labels: number;
	yes: number;
	proportion: number | null;
	lower: number;
	upper: number;
	/** Variance relative to independent labels; null when it cannot be estimated. */
	designEffect: number | null;
}

/** 'pending': left for the server to compute in the background (see ./latent-memo). */
export type LatentStatus = 'ok' | 'not-identified' | 'not-converged' | 'no-data' | 'pending';

export interface LatentRate {
	estimator: 'latent';
	/** 'ok': fitted (its figures are set); whether the data identify the fit is `identified`. */
	status: LatentStatus;
	/**
	 * Whether the data identify the rate: false for every status but ok, and for a fit whose data do
	 * not pin the rate down (reviewers chained in pairs: `reason` says why). Only an identified fit is
	 * ever an automatic headline, or the basis of reviewers' error rates read without a caveat.
	 */
	identified: boolean;
	/**
	 * Why there is no latent estimate (status ≠ ok); with status ok, why the data do not identify the
	 * estimate shown (identified false): a caveat, and never an automatic headline.
	 */
	reason: string | null;
	/** Items with answers or an adjudication. */
	n: number;
	proportion: number | null;
	lower: number;
	upper: number;
	iterations: number;
	replicates: number;
	replicatesNotConverged: number;
	/**
	 * Refits left out of the interval because their classes took each other's roles (label
	 * switching) even after relabelling; more than the interval's tail and the rate is not identified.
	 */
	replicatesDiscarded: number;
	/**
	 * Pending only: the newest kept estimate of the same rate, computed on earlier labels (shown
	 * beside the pending one for orientation; never the headline).
	 */
	previous?: { proportion: number | null; lower: number; upper: number; answers: number; computedAt: string | null };
}

export interface HeadlineRate {
	/** The estimator shown. */
	estimator: EstimatorKey;
	/** Item majority weighted by the strata's sizes (a verdict-stratified audit: ./weighted); absent or false: the items pooled. */
	weighted?: boolean;
	/** What was asked for: a researcher's choice, or 'auto' (chosen by the data). */
	requested: EstimatorKey | 'auto';
	/** Why the requested estimator is not the one shown (e.g. latent truth not identified). */
	fallback: string | null;
	/** Why the estimate shown may mislead: a researcher-chosen latent rate the data do not identify. */
	caveat: string | null;
	n: number;
	/** The point estimate; null for bounds that ties keep apart (then see low / high). */
	proportion: number | null;
	/** Majority bounds only: the two figures. */
	low: number | null;
	high: number | null;
	/** The interval: for bounds, from the lower figure's Wilson lower to the upper figure's Wilson upper. */
	lower: number;
	upper: number;
}

export interface RateEstimates {
	majority: MajorityBounds;
	label: LabelLevelRate;
	latent: LatentRate;
	headline: HeadlineRate;
}

export interface EstimatorSettings {
	confidence: number;
	/** The headline the researcher asked for; 'auto' (default) lets the data choose. */
	estimator?: EstimatorKey | 'auto';
	/** Bootstrap replicates of the latent-truth interval (default 200) and its seed. */
	replicates?: number;
	seed?: number;
	/** Latent-truth results kept from earlier reports, and where this one leaves its own (./latent-memo). */
	memo?: LatentMemo;
}

function share(successes: number, trials: number, confidence: number): Share {
	const w = wilsonInterval(successes, trials, { confidence });
	return { successes, trials, proportion: w.proportion, lower: w.lower, upper: w.upper };
}

/** Per item, what the majority estimator needs (from ./verdicts). */
export interface ItemFinal {
	value: boolean | null;
	tie: boolean;
	adjudicated: boolean;
}

/**
 * The majority estimator's counts, one item at a time: final yes, final no, tied (a tie counts as
 * no for the low bound, yes for the high), and how many of those an adjudication settled.
 */
export class MajorityCounts {
	yes = 0;
	no = 0;
	ties = 0;
	adjudicated = 0;

	add(value: boolean | null, tie: boolean, adjudicated: boolean): void {
		if (value === true) this.yes++;
		else if (value === false) this.no++;
		else if (tie) this.ties++;
		else return;
		if (adjudicated) this.adjudicated++;
	}

	bounds(confidence: number): MajorityBounds {
		const { yes, no, ties, adjudicated } = this;
		const n = yes + no + ties;
		return { estimator: 'majority', n, yes, no, ties, adjudicated, low: share(yes, n, confidence), high: share(yes + ties, n, confidence) };
	}
}

/** The majority estimator over items' final answers. */
export function majorityBounds(finals: readonly ItemFinal[], confidence: number): MajorityBounds {
	const counts = new MajorityCounts();
	for (const f of finals) counts.add(f.value, f.tie, f.adjudicated);
	return counts.bounds(confidence);
}

/** The share of yes answers to `key` over the labels of `itemIds` (each item a cluster of its labels). */
export function labelLevelRate(
	itemIds: readonly number[],
	byItem: ReadonlyMap<number, readonly ReportLabel[]>,
	key: RateKey,
	confidence: number
): LabelLevelRate {
	const yes = new Int32Array(itemIds.length);
	const answers = new Int32Array(itemIds.length);
	itemIds.forEach((id, i) => {
		for (const l of byItem.get(id) ?? []) {
			const a = answerFor(l, key);
			if (a === null) continue;
			answers[i]++;
			if (a) yes[i]++;
		}
	});
	return labelLevelRateOf(yes, answers, confidence);
}

/** The same from each item's yes answers and answers as two lists (item i's at i): a report reads its verdicts' counts. */
export function labelLevelRateOf(yes: ArrayLike<number>, answers: ArrayLike<number>, confidence: number): LabelLevelRate {
	const c = clusteredProportionOfCounts(yes, answers, { confidence });
	return { estimator: 'label', n: c.clusters, labels: c.trials, yes: c.successes, proportion: c.proportion, lower: c.lower, upper: c.upper, designEffect: c.designEffect };
}

export interface LatentInput {
	/** Sampled items in the groups' order of interest. */
	items: readonly Pick<ReportItem, 'id'>[];
	/** Groups of sampled item ids whose rate is wanted (the first is usually every item). */
	groups: ReadonlyArray<readonly number[]>;
	/** Reviewers' labels on sampled and gold items. */
	labels: readonly ReportLabel[];
	adjudications: readonly ReportAdjudication[];
	gold: readonly ReportGoldAnswer[];
	/** The items' and groups' positions (latentBasis), computed once for several rates' fits of the same items; here without it. */
	basis?: LatentBasis;
}

/**
 * Each item's position (the fits' item index) and each group as positions: the same for every
 * rate. With the labels, each label's item position (−1 off the sampled items) and its reviewer
 * as a dense number, so that each rate's fit reads its answers without a lookup per label.
 */
export interface LatentBasis {
	index: ReadonlyMap<number, number>;
	groups: number[][];
	labels?: {
		of: readonly ReportLabel[];
		item: Int32Array;
		reviewer: Int32Array;
		/** Distinct reviewers (dense numbers run below it). */
		reviewers: number;
	};
}

export function latentBasis(items: LatentInput['items'], groups: LatentInput['groups'], labels?: readonly ReportLabel[]): LatentBasis {
	const index = new Map<number, number>();
	for (const item of items) index.set(item.id, index.size);
	const basis: LatentBasis = { index, groups: groups.map((ids) => ids.map((id) => index.get(id)!)) };
	if (labels) basis.labels = labelPositions(index, labels);
	return basis;
}

function labelPositions(index: ReadonlyMap<number, number>, labels: readonly ReportLabel[]): NonNullable<LatentBasis['labels']> {
	const item = new Int32Array(labels.length);
	const reviewer = new Int32Array(labels.length);
	const dense = new Map<number, number>();
	for (let k = 0; k < labels.length; k++) {
		const l = labels[k];
		item[k] = index.get(l.itemId) ?? -1;
		let r = dense.get(l.reviewerId);
		if (r === undefined) dense.set(l.reviewerId, (r = dense.size));
		reviewer[k] = r;
	}
	return { of: labels, item, reviewer, reviewers: dense.size };
}

export interface LatentResult {
	groups: LatentRate[];
	/** Per reviewer id: sensitivity and specificity with bootstrap intervals, and answers given. */
	reviewers: Map<number, ReviewerErrorRates>;
}

export interface ReviewerErrorRates {
	/** P(says yes | truly yes). */
	sensitivity: number;
	/** P(says no | truly no). */
	specificity: number;
	sensitivityInterval: [number, number];
	specificityInterval: [number, number];
	answers: number;
	/** Whether the data identify the fit these come from (LatentRate.identified): if not, read with care. */
	identified: boolean;
}

/** One rate's answers as the Dawid–Skene model reads them, with the positions latentRates maps back through. */
function latentData(key: RateKey, input: LatentInput) {
	const basis = input.basis ?? latentBasis(input.items, input.groups);
	// The sampled items' positions (shared by every rate), then gold items' after them.
	const sampled = basis.index;
	const goldIndex = new Map<number, number>();
	const index = { get: (id: number) => sampled.get(id) ?? goldIndex.get(id), size: sampled.size };
	const goldAnswers = new Map<number, boolean>();
	for (const g of input.gold) {
		const a = answerFor(g, key);
		if (a !== null) goldAnswers.set(g.itemId, a);
	}
	for (const itemId of goldAnswers.keys()) if (!sampled.has(itemId) && !goldIndex.has(itemId)) goldIndex.set(itemId, index.size++);
	const raterIndex = new Map<number, number>();
	// Columns sized for every label; the answered ones fill the front.
	const labels = input.labels;
	const columns = { item: new Int32Array(labels.length), rater: new Int32Array(labels.length), label: new Int32Array(labels.length) };
	let answered = 0;
	const byLabel = basis.labels?.of === labels ? basis.labels : labelPositions(sampled, labels);
	// Raters numbered in order of their first answer to this rate (by dense number; −1: none yet).
	const raterOf = new Int32Array(byLabel.reviewers).fill(-1);
	for (let k = 0; k < labels.length; k++) {
		const l = labels[k];
		let item = byLabel.item[k];
		// Off the sampled items, only gold items with a gold answer to this rate count.
		if (item < 0) {
			if (!goldAnswers.has(l.itemId)) continue;
			item = goldIndex.get(l.itemId)!;
		}
		const a = answerFor(l, key);
		if (a === null) continue;
		const dense = byLabel.reviewer[k];
		let rater = raterOf[dense];
		if (rater < 0) {
			rater = raterOf[dense] = raterIndex.size;
			raterIndex.set(l.reviewerId, rater);
		}
		columns.item[answered] = item;
		columns.rater[answered] = rater;
		columns.label[answered] = a ? 1 : 0;
		answered++;
	}
	const observations: DawidSkeneObservations = {
		item: columns.item.subarray(0, answered),
		rater: columns.rater.subarray(0, answered),
		label: columns.label.subarray(0, answered)
	};
	const known: Array<{ item: number; label: number }> = [];
	for (const adj of input.adjudications) {
		const a = answerFor(adj, key);
		if (a !== null && sampled.has(adj.itemId)) known.push({ item: index.get(adj.itemId)!, label: a ? 1 : 0 });
	}
	const outside: number[] = [];
	for (const [itemId, a] of goldAnswers) {
		known.push({ item: index.get(itemId)!, label: a ? 1 : 0 });
		outside.push(index.get(itemId)!);
	}
	const data = { classes: 2, items: index.size, raters: raterIndex.size, observations, known, outside };
	return { basis, sampled, goldIndex, index, raterIndex, answered, observations, known, outside, data };
}

/**
 * Whether one rate's answers identify the latent-class model by the agreement rule
 * (dawidSkeneIdentification: items with three or more reviewers, or gold), without fitting it.
 */
export function latentIdentification(key: RateKey, input: LatentInput): Identification {
	return dawidSkeneIdentification(latentData(key, input).data);
}

/** Dawid–Skene on one rate's yes/no answers, with each group's rate and the reviewers' error rates. */
export function latentRates(key: RateKey, input: LatentInput, settings: EstimatorSettings): LatentResult {
	const { basis, sampled, goldIndex, index, raterIndex, answered, observations, known, outside, data } = latentData(key, input);
	const groups = basis.groups;
	const isOutside = new Uint8Array(index.size);
	for (const i of outside) isOutside[i] = 1;
	let withData: Uint8Array | undefined;
	const nOf = (ids: readonly number[]) => {
		if (!withData) {
			withData = new Uint8Array(index.size);
			for (let o = 0; o < answered; o++) withData[observations.item[o]] = 1;
			for (const k of known) withData[k.item] = 1;
		}
		let n = 0;
		for (const i of ids) if (withData[i] && !isOutside[i]) n++;
		return n;
	};
	const empty = (status: LatentStatus, reason: string, ids: readonly number[]): LatentRate => ({
		estimator: 'latent',
		status,
		identified: false,
		reason,
		n: nOf(ids),
		proportion: null,
		lower: 0,
		upper: 1,
		iterations: 0,
		replicates: 0,
		replicatesNotConverged: 0,
		replicatesDiscarded: 0
	});
	let sampledAnswers = 0;
	for (let o = 0; o < answered; o++) if (!isOutside[observations.item[o]]) sampledAnswers++;
	if (sampledAnswers === 0) {
		return { groups: groups.map((g) => empty('no-data', 'No reviewer has answered this question on a sampled item yet.', g)), reviewers: new Map() };
	}
	const replicates = settings.replicates ?? DEFAULT_BOOTSTRAP_REPLICATES;
	const seed = settings.seed ?? DEFAULT_BOOTSTRAP_SEED;
	const memo = settings.memo;
	const identification = dawidSkeneIdentification(data);
	if (!identification.fittable) {
		return { groups: groups.map((g) => empty('not-identified', identification.reason!, g)), reviewers: new Map() };
	}
	let fingerprint = '';
	if (memo) {
		const f = new Fingerprint().number(LATENT_ALGORITHM_VERSION).text(key);
		// Every item id in position order, as one list (sampled, then gold).
		f.word(index.size);
		for (const id of sampled.keys()) f.number(id);
		for (const id of goldIndex.keys()) f.number(id);
		f.numbers([...raterIndex.keys()]).number(answered);
		// Indices and 0/1 labels are small non-negative integers: one word each.
		for (let o = 0; o < answered; o++) {
			f.word(observations.item[o]);
			f.word(observations.rater[o]);
			f.word(observations.label[o]);
		}
		f.numbers(known.flatMap((k) => [k.item, k.label]))
			.numbers(outside)
			.numbers(groups.map((g) => g.length));
		// The groups' positions as one list.
		f.word(groups.reduce((n, g) => n + g.length, 0));
		for (const g of groups) for (const i of g) f.number(i);
		fingerprint = f.numbers([replicates, seed, settings.confidence]).hex();
		// A kept result was identified when it was computed, on these very data.
		// Judged again on every read, so results kept under an earlier rule take today's caveat.
		const kept = memo.known[fingerprint] ?? memo.computed[fingerprint];
		if (kept) return withCaveat(restoreLatent(kept), identification);
	}
	if (memo?.deferAbove !== undefined && sampledAnswers > memo.deferAbove) {
		if (!memo.deferred.includes(fingerprint)) memo.deferred.push(fingerprint);
		const reason = `Being computed in the background (the model and ${replicates} bootstrap refits over ${sampledAnswers.toLocaleString('en-US')} answers); shown here when ready.`;
		const earlier = newestKept(memo, key, groups.length);
		return {
			groups: groups.map((g, i) => {
				const pending = empty('pending', reason, g);
				const before = earlier?.groups[i];
				if (earlier && before?.status === 'ok') {
					pending.previous = { proportion: before.proportion, lower: before.lower, upper: before.upper, answers: earlier.answers, computedAt: earlier.computedAt ?? null };
				}
				return pending;
			}),
			reviewers: new Map()
		};
	}
	const keep = (result: LatentResult): LatentResult => {
		if (memo) memo.computed[fingerprint] = { key, answers: sampledAnswers, groups: result.groups, reviewers: [...result.reviewers] };
		return withCaveat(restoreLatent({ key, answers: sampledAnswers, groups: result.groups, reviewers: [...result.reviewers] }), identification);
	};
	const boot = dawidSkeneBootstrap(data, { groups, replicates, seed, confidence: settings.confidence, onReplicate: memo?.onReplicate, onStep: memo?.onStep });
	if (!boot.fit.converged) {
		const reason = `EM did not converge within ${boot.fit.iterations} iterations, so the model's estimate is not reported.`;
		return keep({ groups: groups.map((g) => ({ ...empty('not-converged', reason, g), iterations: boot.fit.iterations })), reviewers: new Map() });
	}
	const separation = classSeparation(boot.fit);
	if (separation <= RANDOM_REVIEWER_YOUDEN) {
		const reason = `The reviewers' answers barely tell the model's two classes apart (Youden's J ${separation.toFixed(2)} on average), so fits with very different rates explain the answers equally well: these data do not pin the latent rate down.`;
		return keep({ groups: groups.map((g) => ({ ...empty('not-identified', reason, g), iterations: boot.fit.iterations })), reviewers: new Map() });
	}
	// Agreement pins the classes down only through three conditionally independent views that tell
	// them apart (Allman, Matias & Rhodes 2009): reviewers who answer alike whatever the class (one
	// who always says yes, one who guesses) add items, not views. With fewer, the likelihood is flat
	// along the rate and where the fit stops depends on where it started.
	const views = boot.fit.confusion.filter((m, j) => boot.fit.labelsPerRater[j] > 0 && Math.abs(m[1][1] + m[0][0] - 1) > RANDOM_REVIEWER_YOUDEN).length;
	if (identification.identified && views < MIN_TELLING_VIEWS) {
		const reason = `Only ${views === 1 ? 'one reviewer tells' : `${views} reviewers tell`} the model's two classes apart (Youden's J above ${RANDOM_REVIEWER_YOUDEN}); the others answer alike whatever the class, and the model needs ${MIN_TELLING_VIEWS} such reviewers to pin the latent rate down.`;
		return keep({ groups: groups.map((g) => ({ ...empty('not-identified', reason, g), iterations: boot.fit.iterations })), reviewers: new Map() });
	}
	// Another start ended on a maximum the answers barely tell from the best, at another rate: the
	// bootstrap refits start from the best, so their interval would not show that doubt.
	if (identification.identified && boot.fit.caveat) {
		const reason = boot.fit.caveat;
		return keep({ groups: groups.map((g) => ({ ...empty('not-identified', reason, g), iterations: boot.fit.iterations })), reviewers: new Map() });
	}
	// Refits left out for swapped classes would have sat in the interval's tail had they counted:
	// more than the tail holds, and the data do not say which class is which.
	const tail = ((1 - settings.confidence) / 2) * boot.replicates;
	if (identification.identified && boot.replicatesDiscarded > tail) {
		const reason = `In ${boot.replicatesDiscarded} of ${boot.replicates} bootstrap refits the model's two classes took each other's roles (the reviewers' answers read the other way round), more than the ${(((1 - settings.confidence) / 2) * 100).toFixed(1)}% an interval's tail holds: these data do not pin down which class is "yes", so the latent rate is not reported.`;
		const refits = { iterations: boot.fit.iterations, replicates: boot.replicates, replicatesNotConverged: boot.replicatesNotConverged, replicatesDiscarded: boot.replicatesDiscarded };
		return keep({ groups: groups.map((g) => ({ ...empty('not-identified', reason, g), ...refits })), reviewers: new Map() });
	}
	// Whether a group holds items the fit decides (sampled, answered, class not known).
	const decided = (ids: readonly number[]) => {
		const open = new Uint8Array(index.size);
		for (let o = 0; o < answered; o++) open[observations.item[o]] = 1;
		for (const k of known) open[k.item] = 0;
		return ids.some((i) => open[i] && !isOutside[i]);
	};
	const reviewers = new Map<number, ReviewerErrorRates>();
	for (const [reviewerId, j] of raterIndex) {
		const m = boot.fit.confusion[j];
		reviewers.set(reviewerId, {
			sensitivity: m[1][1],
			specificity: m[0][0],
			sensitivityInterval: [boot.raterIntervals[j][1].lower, boot.raterIntervals[j][1].upper],
			specificityInterval: [boot.raterIntervals[j][0].lower, boot.raterIntervals[j][0].upper],
			answers: boot.fit.labelsPerRater[j],
			identified: true
		});
	}
	return keep({
		groups: boot.groups.map((g, at): LatentRate => {
			// Every refit at the same rate while the fit decides some items: the fit sits on an edge
			// (each item's class certain) and the percentile interval shows no uncertainty it has.
			if (identification.identified && g.rate !== null && g.upper - g.lower <= DEGENERATE_INTERVAL_WIDTH && decided(groups[at])) {
				const reason = `Every bootstrap refit gives the same rate, ${(g.rate * 100).toFixed(1)}%, so its interval has no width: the model's fit sits at the edge where every item's class is certain, and the interval cannot say how sure it is.`;
				return { ...empty('not-identified', reason, groups[at]), iterations: boot.fit.iterations };
			}
			return {
				estimator: 'latent',
				status: 'ok',
				identified: true,
				reason: null,
				n: g.n,
				proportion: g.rate,
				lower: g.lower,
				upper: g.upper,
				iterations: boot.fit.iterations,
				replicates: boot.replicates,
				replicatesNotConverged: boot.replicatesNotConverged,
				replicatesDiscarded: boot.replicatesDiscarded
			};
		}),
		reviewers
	});
}

/**
 * A fitted result the data do not identify carries the reason as its caveat (see LatentRate.reason),
 * and says so: its rates and the reviewers' error rates are marked not identified.
 */
function withCaveat(result: LatentResult, identification: Identification): LatentResult {
	for (const g of result.groups) {
		g.identified = g.status === 'ok' && identification.identified;
		if (g.status === 'ok') g.reason = identification.identified ? null : identification.reason;
	}
	for (const r of result.reviewers.values()) r.identified = identification.identified;
	return result;
}

/** The newest kept result of the same rate over as many groups (the order of computation where no time is known). */
function newestKept(memo: LatentMemo, key: RateKey, groups: number): StoredLatent | undefined {
	let newest: StoredLatent | undefined;
	for (const kept of Object.values(memo.known)) {
		if (kept.key !== key || kept.groups.length !== groups) continue;
		if (!newest || (kept.computedAt ?? '') >= (newest.computedAt ?? '')) newest = kept;
	}
	return newest;
}

/** A kept result as latentRates returns it (copies: a report may be changed by its reader). */
function restoreLatent(kept: StoredLatent): LatentResult {
	return { groups: kept.groups.map((g) => ({ ...g })), reviewers: new Map(kept.reviewers.map(([id, rates]) => [id, { ...rates }])) };
}

/**
 * The estimator the data ask for first: one label per item → the majority rate; several → latent
 * truth, which headlines only where identified (headlineOf falls back to the majority bounds
 * otherwise; automaticChoice says which one the data chose).
 */
export function preferredEstimator(overlap: number): EstimatorKey {
	return overlap > 1 ? 'latent' : 'majority';
}

/**
 * Why pooled audits' latent fit may not headline, or null. An audit whose own labels do not identify
 * the model (its report refuses latent truth, e.g. reviewers working only in pairs) is not rescued by
 * the items it shares with another audit: pooled, the fit would rest on those few shared items
 * alone. So latent truth headlines for pooled audits only when each audit's own data identify it
 * by the same rule as its report, as well as the pooled data (latentRates); audits without a label
 * on the population's items are not asked.
 */
export function pooledLatentRefusal(audits: ReadonlyArray<{ name: string; input: LatentInput }>, key: RateKey = 'allValid'): string | null {
	const labelled = audits.map((a) => ({ name: a.name, identification: latentIdentification(key, a.input) })).filter((a) => a.identification.problem !== 'no-labels');
	if (labelled.length < 2) return null;
	const refused = labelled.filter((a) => !a.identification.identified);
	if (refused.length === 0) return null;
	const names = refused.map((a) => `"${a.name}"`).join(', ');
	const reasons = [...new Set(refused.map((a) => a.identification.reason!.replace(/\.$/, '')))].map((r) => r.charAt(0).toLowerCase() + r.slice(1));
	const one = refused.length === 1;
	return `the audits are pooled, and the labels of ${one ? 'audit' : 'audits'} ${names} do not identify the latent-class model on their own (${reasons.join('; ')}), so ${one ? 'its report refuses' : 'their reports refuse'} latent truth; pooled, the model would be identified only through the items the audits share, so latent truth is not used.`;
}

/** The estimator the data choose for one rate: latent truth where it is identified, else item majority. */
export function automaticChoice(estimates: Omit<RateEstimates, 'headline'>, overlap: number): EstimatorKey {
	return headlineOf(estimates, 'auto', overlap).estimator;
}

export function headlineOf(
	estimates: Omit<RateEstimates, 'headline'>,
	requested: EstimatorKey | 'auto',
	overlap: number
): HeadlineRate {
	const wanted = requested === 'auto' ? preferredEstimator(overlap) : requested;
	const { majority, label, latent } = estimates;
	const bounds = (fallback: string | null): HeadlineRate => {
		const tied = majority.ties > 0;
		return {
			estimator: 'majority',
			requested,
			fallback,
			caveat: null,
			n: majority.n,
			proportion: tied ? null : majority.low.proportion,
			low: majority.low.proportion,
			high: majority.high.proportion,
			lower: majority.low.lower,
			upper: majority.high.upper
		};
	};
	if (wanted === 'latent') {
		// A fit the data do not identify (its reason set) is shown only to a researcher who asks for it.
		if (latent.status === 'ok' && (requested === 'latent' || latent.identified)) {
			return { estimator: 'latent', requested, fallback: null, caveat: latent.reason, n: latent.n, proportion: latent.proportion, low: null, high: null, lower: latent.lower, upper: latent.upper };
		}
		return bounds(latent.reason);
	}
	if (wanted === 'label') {
		return { estimator: 'label', requested, fallback: null, caveat: null, n: label.n, proportion: label.proportion, low: null, high: null, lower: label.lower, upper: label.upper };
	}
	return bounds(null);
}

/** A latent interval this narrow or less (with items whose class the fit decides) is degenerate, not sure. */
export const DEGENERATE_INTERVAL_WIDTH = 1e-9;

/** Reviewers whose answers tell the latent classes apart that an identified fit needs. */
export const MIN_TELLING_VIEWS = 3;

/** Youden's J = sensitivity + specificity − 1 at or below this looks like guessing. */
export const RANDOM_REVIEWER_YOUDEN = 0.2;
/** …judged only on at least this many answers to the question. */
export const RANDOM_REVIEWER_MIN_ANSWERS = 10;

export function looksRandom(rates: Pick<ReviewerErrorRates, 'sensitivity' | 'specificity' | 'answers'>): boolean {
	return rates.answers >= RANDOM_REVIEWER_MIN_ANSWERS && rates.sensitivity + rates.specificity - 1 <= RANDOM_REVIEWER_YOUDEN;
}
