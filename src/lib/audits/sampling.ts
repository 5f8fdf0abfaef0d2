import { SeededRandom } from './random';
import { INSTANCE_RULES, INSTRUCTION_RULES, RULE_LABELS, TASK_RULES, type FilterRule } from '../filters/config';

/**
 * Drawing an audit sample, reproducibly.
 *
 * Both papers audited 200 random generated instructions with one random instance each
 * (Self-Instruct Table 2; Unnatural Instructions §audit); that is the default here. The unit
 * drawn is the instruction (task); `size` counts instructions.
 *
 * Algorithm (documented so a sample can be re-derived by hand):
 * 1. Units are sorted by task id, so the database's row order does not matter.
 * 2. A SeededRandom (xoshiro128**, SplitMix32-seeded) is created from the seed.
 * 3. Without stratification there is one stratum. With classification stratification the strata
 *    are classification, non-classification, unknown (in that order) and each gets a share of
 *    `size` proportional to its size, rounded by largest remainder (ties: stratum order).
 * 4. In each stratum, in stratum order, a partial Fisher–Yates shuffle draws its share: for
 *    i = 0 … n−1, swap unit i with unit i + int(N − i). The first n units are the draw.
 * 5. For each drawn unit in draw order: mode 'one' picks int(choices) among its choices sorted
 *    ascending; mode 'all' keeps every choice, ascending.
 * 6. Each item then gets a routing key: the generator's next uint32.
 *
 * Stratified by filter verdict ('verdict'), the unit is the row — one instance of an instruction,
 * as exports count rows — and each unit carries its stratum (`verdictStratum`): 'kept', or
 * 'rejected:<rule>' for the rule that removed it. The researcher chooses how many rows to draw
 * from each stratum (`strata`, in that order; a size above the stratum's population takes it
 * whole). Step 1 then sorts by task id and instance id, and steps 4–6 are unchanged.
 */

export const DEFAULT_SAMPLE_SIZE = 200; // both papers audited 200 examples
export const STRATA = ['classification', 'non-classification', 'unknown'] as const;
export type Stratum = (typeof STRATA)[number];

/** The stratum of rows the automatic filters kept (verdict stratification). */
export const KEPT_STRATUM = 'kept';
export const REJECTED_STRATUM_PREFIX = 'rejected:';
/** 'kept' or 'rejected:<rule>'. */
export type VerdictStratum = string;

export function rejectedStratum(rule: string): VerdictStratum {
	return `${REJECTED_STRATUM_PREFIX}${rule}`;
}

/** The rule a verdict stratum stands for (null for the kept stratum or a non-verdict stratum). */
export function stratumRule(stratum: string | null): string | null {
	return stratum?.startsWith(REJECTED_STRATUM_PREFIX) ? stratum.slice(REJECTED_STRATUM_PREFIX.length) : null;
}

/**
 * The verdict stratum of one row (an instance of a task) from the filter verdicts stored on both:
 * the instance's own rule when an instance rule removed it, else the task's rule when the task was
 * rejected (its instances then carry 'taskRejected'), else kept. Null when never filtered.
 */
export function verdictStratum(
	task: { status: string | null; rule: string | null },
	instance: { status: string | null; rule: string | null }
): VerdictStratum | null {
	if (task.status === null && instance.status === null) return null;
	if (instance.status === 'rejected' && instance.rule && instance.rule !== 'taskRejected') return rejectedStratum(instance.rule);
	if (task.status === 'rejected') return rejectedStratum(task.rule ?? 'unknown');
	if (instance.status === 'rejected') return rejectedStratum(instance.rule ?? 'unknown');
	return KEPT_STRATUM;
}

/** Strata in the order reports list them: kept, then rules in pipeline order, then any other rule by name. */
export function compareVerdictStrata(a: string, b: string): number {
	const rank = (key: string) => {
		if (key === KEPT_STRATUM) return -1;
		const i = (RULE_ORDER as readonly string[]).indexOf(stratumRule(key) ?? '');
		return i < 0 ? RULE_ORDER.length : i;
	};
	return rank(a) - rank(b) || a.localeCompare(b);
}
const RULE_ORDER = [...INSTRUCTION_RULES, ...TASK_RULES, ...INSTANCE_RULES];

/** "Kept by the filters" or "Rejected: <the rule's label>". */
export function verdictStratumLabel(key: string): string {
	if (key === KEPT_STRATUM) return 'Kept by the filters';
	const rule = stratumRule(key);
	if (rule === null) return key;
	return `Rejected: ${RULE_LABELS[rule as FilterRule] ?? rule}`;
}

export interface SamplingUnit {
	/** The instruction drawn. */
	taskId: number;
	isClassification: boolean | null;
	/** What an item of this task can show: instance ids, or for rating audits response-group keys. */
	choices: number[];
	/** Verdict stratification: the unit's stratum (see `verdictStratum`). */
	stratum?: VerdictStratum;
}

/**
 * The sampling frame when the sample was drawn (kept on the audit): its units (instructions, or
 * rows for verdict strata) and what could be drawn in them (instances, conversations, pairs,
 * rated instances), and whether any automatic filter had judged the dataset's rows by then.
 */
export interface SamplingFrame {
	units: number;
	choices: number;
	filtered: boolean;
	/**
	 * Gold items that would have been choices of the frame and were left out of it, so that no
	 * reviewer meets the same instance (pair, conversation) as a sampled and as a gold item. Absent
	 * on audits drawn before gold was left out (and where none was).
	 */
	goldExcluded?: number;
	/**
	 * When the frame was smaller than the asked sample size and rejected rows were not included:
	 * the units (instructions, conversations, pairs) the filters' rejections kept out of it. Absent
	 * otherwise.
	 */
	rejectedExcluded?: number;
	/**
	 * Classification stratification: the strata the frame's units fell in (STRATA order). One
	 * stratum (e.g. every task's classification unknown) makes the sample a simple random one.
	 */
	classificationStrata?: Stratum[];
}

/** The classification strata `units` fall in, in STRATA order. */
export function classificationStrataOf(units: readonly Pick<SamplingUnit, 'isClassification'>[]): Stratum[] {
	const present = new Set(units.map((u) => stratumOf(u.isClassification)));
	return STRATA.filter((s) => present.has(s));
}

/**
 * Said where stratifying by classification stratified nothing: the frame's units all fell in one
 * stratum ("unknown" when no task says whether it is a classification task); null otherwise.
 */
export function singleStratumNote(stratify: string, frame: SamplingFrame | null | undefined): string | null {
	const stratum = singleClassificationStratum(stratify, frame);
	if (!stratum) return null;
	const which = stratum === 'unknown' ? 'no instruction says whether it is a classification task' : `every instruction is ${stratum === 'classification' ? 'a classification task' : 'a non-classification task'}`;
	return `Stratified by classification, but ${which}: every item is in the one stratum "${stratum}", so the sample is a simple random sample.`;
}

/** The one stratum every unit fell in when stratifying by classification stratified nothing; null otherwise. */
export function singleClassificationStratum(stratify: string, frame: SamplingFrame | null | undefined): Stratum | null {
	const strata = frame?.classificationStrata;
	return stratify === 'classification' && strata?.length === 1 ? strata[0] : null;
}

/** "2 gold instances were left out of the sampling frame" (pairs, conversations by kind); '' when none was. */
export function goldExcludedSentence(kind: 'quality' | 'rating' | 'conversation' | 'pairwise', frame: SamplingFrame | null | undefined): string {
	const n = frame?.goldExcluded ?? 0;
	if (!n) return '';
	const what = kind === 'pairwise' ? 'pair' : kind === 'conversation' ? 'conversation' : 'instance';
	return `${n.toLocaleString('en-US')} gold ${what}${n === 1 ? ' was' : 's were'} left out of the sampling frame`;
}

/**
 * Why a frame held fewer units than were asked for, beside gold: "7 instructions the filters
 * rejected were left out (include rejected rows to draw them too)". Empty when none were.
 */
export function rejectedExcludedSentence(kind: 'quality' | 'rating' | 'conversation' | 'pairwise', frame: SamplingFrame | null | undefined, includeOption: string): string {
	const n = frame?.rejectedExcluded ?? 0;
	if (!n) return '';
	const what = kind === 'pairwise' ? 'pair' : kind === 'conversation' ? 'conversation' : 'instruction';
	return `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'} the filters rejected ${n === 1 ? 'was' : 'were'} left out; ${includeOption} draws them too`;
}

/** A choice of a unit: the task and its instance (pair, conversation, or rating group key). */
export interface UnitChoice {
	taskId: number;
	choice: number;
}

/**
 * The frame without the given choices (gold items): units that had only those are dropped.
 * `excluded` counts the given choices that were in the frame.
 */
export function excludeChoices(units: readonly SamplingUnit[], choices: readonly UnitChoice[]): { units: SamplingUnit[]; excluded: number } {
	if (!choices.length) return { units: [...units], excluded: 0 };
	const left = new Set(choices.map((c) => `${c.taskId}:${c.choice}`));
	const kept: SamplingUnit[] = [];
	let excluded = 0;
	for (const unit of units) {
		const rest = unit.choices.filter((choice) => !left.has(`${unit.taskId}:${choice}`));
		excluded += unit.choices.length - rest.length;
		if (rest.length === unit.choices.length) kept.push(unit);
		else if (rest.length) kept.push({ ...unit, choices: rest });
	}
	return { units: kept, excluded };
}

export interface StratumSize {
	key: string;
	/** Units to draw from the stratum. */
	size: number;
}

export interface SampleOptions {
	size: number;
	seed: number;
	instanceMode: 'one' | 'all';
	stratify: 'none' | 'classification' | 'verdict';
	/** Verdict stratification: the strata in draw order with the units to draw from each. */
	strata?: readonly StratumSize[];
}

export interface SampledItem {
	taskId: number;
	choice: number;
	/** Set when the sample was stratified: a classification stratum or a verdict stratum. */
	stratum: Stratum | VerdictStratum | null;
	/** Uint32: the audit's random routing order. */
	shuffleKey: number;
}

export function stratumOf(isClassification: boolean | null): Stratum {
	return isClassification === true ? 'classification' : isClassification === false ? 'non-classification' : 'unknown';
}

/**
 * Splits `total` over groups in proportion to their sizes (Hamilton's largest-remainder method):
 * each group gets floor(total·size/sum), the units left over go to the largest remainders,
 * ties to the earlier group. Never gives a group more than its size.
 */
export function allocateProportional(sizes: readonly number[], total: number): number[] {
	const sum = sizes.reduce((a, b) => a + b, 0);
	if (total >= sum) return [...sizes];
	if (total <= 0 || sum === 0) return sizes.map(() => 0);
	const quotas = sizes.map((s) => (total * s) / sum);
	const shares = quotas.map(Math.floor);
	let left = total - shares.reduce((a, b) => a + b, 0);
	const order = quotas
		.map((q, i) => ({ i, remainder: q - Math.floor(q) }))
		.sort((x, y) => y.remainder - x.remainder || x.i - y.i);
	for (const { i } of order) {
		if (left === 0) break;
		if (shares[i] < sizes[i]) {
			shares[i]++;
			left--;
		}
	}
	return shares;
}

/** Draws the sample described at the top of this file. Units without choices are never drawn. */
export function drawSample(units: readonly SamplingUnit[], options: SampleOptions): SampledItem[] {
	if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError('Sample size must be a positive integer.');
	const rng = new SeededRandom(options.seed);
	// Task ids are unique except in verdict stratification (a unit per row), where the instance breaks the tie.
	const eligible = units.filter((u) => u.choices.length > 0).sort((a, b) => a.taskId - b.taskId || Math.min(...a.choices) - Math.min(...b.choices));

	let groups: { stratum: Stratum | VerdictStratum | null; units: SamplingUnit[] }[];
	let shares: number[];
	if (options.stratify === 'verdict') {
		const strata = options.strata ?? [];
		if (new Set(strata.map((s) => s.key)).size !== strata.length) throw new RangeError('Each stratum may be listed once.');
		groups = strata.map((s) => ({ stratum: s.key, units: eligible.filter((u) => u.stratum === s.key) }));
		shares = strata.map((s, g) => {
			if (!Number.isInteger(s.size) || s.size < 0) throw new RangeError(`The size of stratum ${s.key} must be a whole number ≥ 0.`);
			return Math.min(s.size, groups[g].units.length);
		});
	} else {
		groups =
			options.stratify === 'classification'
				? STRATA.map((stratum) => ({ stratum, units: eligible.filter((u) => stratumOf(u.isClassification) === stratum) }))
				: [{ stratum: null, units: eligible }];
		shares = allocateProportional(
			groups.map((g) => g.units.length),
			options.size
		);
	}

	const drawn: { unit: SamplingUnit; stratum: Stratum | VerdictStratum | null }[] = [];
	groups.forEach((group, g) => {
		const pool = [...group.units];
		const n = shares[g];
		for (let i = 0; i < n; i++) {
			const j = i + rng.int(pool.length - i);
			[pool[i], pool[j]] = [pool[j], pool[i]];
			drawn.push({ unit: pool[i], stratum: group.stratum });
		}
	});

	const items: Omit<SampledItem, 'shuffleKey'>[] = [];
	for (const { unit, stratum } of drawn) {
		const choices = [...unit.choices].sort((a, b) => a - b);
		if (options.instanceMode === 'one') items.push({ taskId: unit.taskId, choice: choices[rng.int(choices.length)], stratum });
		else for (const choice of choices) items.push({ taskId: unit.taskId, choice, stratum });
	}
	return items.map((item) => ({ ...item, shuffleKey: rng.next() }));
}
