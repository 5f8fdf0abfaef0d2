/** Names and number formats shared by the report page, the CLI and the CSV download. */
import { ESTIMATOR_LABELS, type HeadlineRate, type MajorityBounds } from './estimators';
import type { EstimatorKey, StratumShift } from './types';
import type { GroupKey, RateKey, BreakdownKey } from './quality';
import type { AuditReport } from './report';
import type { WeightedStratumRow } from './weighted';

export const RATE_LABELS: Record<RateKey, string> = {
	instruction: 'Instruction describes a valid task',
	input: 'Input is appropriate for the instruction',
	output: 'Output is a correct and acceptable response',
	allValid: 'All fields valid'
};

export const CATEGORY_LABELS: Record<BreakdownKey, string> = {
	correct: 'Correct',
	incomprehensible_instruction: 'Incomprehensible instruction',
	input_mismatch: 'Input does not match the task',
	incorrect_output: 'Incorrect output',
	other: 'Other error',
	reason_tied: 'Incorrect, reviewers tied on the reason',
	valid_tied: 'Reviewers tied on whether all fields are valid'
};

export const GROUP_LABELS: Record<GroupKey, string> = {
	all: 'All tasks',
	classification: 'Classification tasks',
	'non-classification': 'Non-classification tasks',
	unknown: 'Classification unknown'
};

/** Judgements that can tie (quality) and agreement rows. */
export const JUDGEMENT_LABELS: Record<string, string> = {
	instruction: 'Instruction valid',
	input: 'Input appropriate',
	output: 'Output correct',
	allValid: 'All fields valid',
	reason: 'Error reason',
	category: 'Error category (correct or reason)'
};

export function judgementLabel(key: string): string {
	return JUDGEMENT_LABELS[key] ?? key;
}

/** "56.5%"; "—" when there is no value. */
export function percent(value: number | null | undefined, digits = 1): string {
	return value === null || value === undefined ? '—' : `${(value * 100).toFixed(digits)}%`;
}

/** A signed difference in percentage points: "+12.5 pp". */
export function points(value: number | null | undefined, digits = 1): string {
	if (value === null || value === undefined) return '—';
	const pp = value * 100;
	const text = Math.abs(pp).toFixed(digits);
	return `${pp > 0 && text !== (0).toFixed(digits) ? '+' : pp < 0 && text !== (0).toFixed(digits) ? '−' : ''}${text} pp`;
}

/** "[49.0%, 94.3%]". */
export function interval(lower: number, upper: number, digits = 1): string {
	return `[${percent(lower, digits)}, ${percent(upper, digits)}]`;
}

/** An interval of differences, in percentage points. */
export function pointsInterval(lower: number, upper: number, digits = 1): string {
	return `[${points(lower, digits)}, ${points(upper, digits)}]`;
}

/** κ, α and the like: three decimals, "—" when undefined. */
export function coefficient(value: number | null | undefined): string {
	if (value === null || value === undefined) return '—';
	// No "-0.000" for a value that rounds to zero.
	return Math.abs(value) < 0.0005 ? '0.000' : value.toFixed(3);
}

/** p-values: three significant digits, "< 0.001" below that. */
export function pValue(value: number): string {
	if (value < 0.001) return '< 0.001';
	return value >= 0.1 ? value.toFixed(2) : value.toPrecision(2);
}

export function seconds(value: number | null): string {
	if (value === null) return '—';
	return value < 10 ? `${value.toFixed(1)} s` : `${Math.round(value)} s`;
}

/** "1 item", "2 items". */
export function plural(n: number, one: string, many = `${one}s`): string {
	return `${n} ${n === 1 ? one : many}`;
}

/** An item-majority rate in one line: "75.0%–83.3% (9–10/12; 1 tie)" with ties, else "75.0% [46.8%, 91.1%] (9/12)". */
export function majorityCellText(m: Pick<MajorityBounds, 'yes' | 'ties' | 'n' | 'low' | 'high'>): string {
	return m.ties
		? `${percent(m.low.proportion)}–${percent(m.high.proportion)} (${m.yes}–${m.yes + m.ties}/${m.n}; ${plural(m.ties, 'tie')})`
		: `${percent(m.low.proportion)} ${interval(m.low.lower, m.low.upper)} (${m.yes}/${m.n})`;
}

/** A model pair's record: "3 wins, 1 tie, 1 loss". */
export function recordCountsText(r: { wins: number; ties: number; losses: number }): string {
	return `${plural(r.wins, 'win')}, ${plural(r.ties, 'tie')}, ${plural(r.losses, 'loss', 'losses')}`;
}

/** "57.5% [50.6%, 64.1%]", or for bounds that ties keep apart "52.0–61.5% [45.1%, 68.0%]". */
export function headlineText(h: Pick<HeadlineRate, 'proportion' | 'low' | 'high' | 'lower' | 'upper' | 'n'>, digits = 1): string {
	if (h.n === 0) return '—';
	const point = h.proportion !== null ? percent(h.proportion, digits) : `${percent(h.low, digits)}–${percent(h.high, digits)}`;
	return `${point} ${interval(h.lower, h.upper, digits)}`;
}

/** What a stratum-weighted figure's weighting is called wherever the figure appears (./weighted). */
export const WEIGHTED_NAME = "weighted by the strata's sizes in the dataset";

/** A headline's estimator in a table cell: "Item majority, weighted by stratum" for a weighted one. */
export function headlineName(h: Pick<HeadlineRate, 'estimator' | 'weighted'>): string {
	return h.weighted ? `${ESTIMATOR_LABELS[h.estimator]}, weighted by stratum` : ESTIMATOR_LABELS[h.estimator];
}

/** One stratum's own item-majority rate: "40.0%", "40.0–60.0%" with ties, "—" without items. */
export function stratumRateText(h: Pick<WeightedStratumRow, 'items' | 'rate' | 'low' | 'high'>): string {
	if (h.items === 0) return '—';
	return h.rate !== null ? percent(h.rate) : `${percent(h.low)}–${percent(h.high)}`;
}

/** An estimator's name inside a sentence: "latent truth (Dawid–Skene)", the first letter lowered and the proper names kept. */
export function estimatorInText(key: EstimatorKey): string {
	const name = ESTIMATOR_LABELS[key];
	return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * What the data choose as a quality report's headline, in a sentence: latent truth only where the
 * data identify it, else the item-majority bounds — named per question when the questions differ.
 */
export function automaticText(estimator: AuditReport['estimator'], overlap: number): string {
	// The reason weightedHeadline gives: latent truth is not weighed against the data here at all.
	if (estimator.weighted) return `${estimatorInText('majority')}, ${WEIGHTED_NAME}: the audit drew its strata at different rates, and ${estimatorInText('latent')} pools the items without weights`;
	if (estimator.automatic === 'latent') return estimatorInText('latent');
	const latent = Object.entries(estimator.byQuestion ?? {})
		.filter(([, e]) => e === 'latent')
		.map(([key]) => judgementLabel(key));
	const majority = estimatorInText('majority');
	if (overlap <= 1) return majority;
	if (latent.length) return `${estimatorInText('latent')} for ${latent.join(', ')}; ${majority} for the rest, where latent truth is not identified`;
	return `${majority}: latent truth is not identified by these data`;
}

/** "Latent truth (Dawid–Skene)", with "(chosen by the data)" or "(fallback: …)" as it applies. */
export function describeHeadline(h: HeadlineRate): string {
	const name = h.weighted ? `${ESTIMATOR_LABELS[h.estimator]}, ${WEIGHTED_NAME}` : ESTIMATOR_LABELS[h.estimator];
	// A weighted headline's fallback names the estimator it stands in for.
	if (h.fallback) return h.weighted ? `${name} — ${h.fallback}` : `${name} — ${estimatorInText('latent')} not shown: ${h.fallback}`;
	const chosen = h.requested === 'auto' ? `${name} (chosen by the data)` : `${name} (chosen by a researcher)`;
	return h.caveat ? `${chosen} — not identified by these data: ${h.caveat}` : chosen;
}

/**
 * The headline notes of a group's rates, each once with the questions it applies to (their
 * headlines can differ: the latent truth may be usable for one question and not another).
 */
export function headlineNotes(rates: readonly { key: RateKey; headline: HeadlineRate }[]): { questions: string[]; note: string }[] {
	const notes = new Map<string, string[]>();
	for (const r of rates) {
		const note = describeHeadline(r.headline);
		notes.set(note, [...(notes.get(note) ?? []), RATE_LABELS[r.key]]);
	}
	return [...notes].map(([note, questions]) => ({ questions, note }));
}

/** "Headline (Output is a correct…; All fields valid): …", or without the questions when one note covers every rate. */
export function headlineNoteText(n: { questions: string[]; note: string }, only: boolean): string {
	return only ? `Headline: ${n.note}` : `Headline for ${n.questions.join('; ')}: ${n.note}`;
}

/** The questions' names inside a sentence ("for the input and all three fields"). */
export const QUESTION_NAMES: Record<RateKey, string> = { allValid: 'all three fields', instruction: 'the instruction', input: 'the input', output: 'the output' };

/** "a", "a and b", "a, b and c". */
export function listText(parts: readonly string[]): string {
	return parts.length < 2 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/**
 * Where a quality report's headline comes from when items have several reviewers: each item's
 * majority label, or — when the headline is latent truth or the label level, for every question or
 * some — that estimator, named per question where they differ (the banner read "the majority of its
 * reviewers' labels" above a Dawid–Skene headline).
 */
function severalReviewersBasis(report: AuditReport): string {
	const k = report.audit.overlap;
	// All three fields first, as the methods paragraph orders them.
	const rates = [...(report.quality?.groups[0]?.rates ?? [])].sort((a, b) => Number(b.key === 'allValid') - Number(a.key === 'allValid'));
	const byEstimator = new Map<EstimatorKey, RateKey[]>();
	for (const r of rates) byEstimator.set(r.headline.estimator, [...(byEstimator.get(r.headline.estimator) ?? []), r.key]);
	if (![...byEstimator.keys()].some((e) => e !== 'majority')) return `Each item's label is the majority of its reviewers' labels (k = ${k} per item)`;
	const names: Record<EstimatorKey, string> = { latent: `by ${estimatorInText('latent')}`, label: 'at the label level', majority: 'by the item majority' };
	const headline =
		byEstimator.size === 1
			? `The headline rates are ${names[[...byEstimator.keys()][0]]}`
			: `The headline rates are ${[...byEstimator].map(([e, keys]) => `${names[e]} for ${listText(keys.map((key) => QUESTION_NAMES[key]))}`).join(', and ')}`;
	const how: string[] = [];
	if (byEstimator.has('latent')) how.push("latent truth estimates each item's true answer from all its reviewers' labels, weighing each reviewer by their estimated error rates");
	if (byEstimator.has('label')) how.push("the label level is the share of all reviewers' labels, with an interval clustered by item");
	how.push("in the item majority, each item's label is the majority of its reviewers' labels");
	return `${headline}, from k = ${k} reviewers per item: ${how.join('; ')}`;
}

/** One sentence saying where the report's labels come from. */
export function describeBasis(report: AuditReport): string {
	const b = report.basis;
	const parts: string[] = [];
	const k = report.audit.overlap;
	// These kinds have no item-level verdict to settle (no disagreements page, no adjudication): say
	// what their figures are built from instead.
	if (report.audit.kind === 'pairwise')
		return `Every reviewer's choice counts as one comparison in the win/tie/loss counts and the Bradley–Terry fit${k > 1 ? ` (k = ${k} per item, so an item weighs up to ${k} comparisons)` : ''}; agreement is the share of agreeing pairs of choices on items with two or more. Gold items are not counted.`;
	if (report.audit.kind === 'conversation')
		return `${k > 1 ? `Each conversation's and each reply's item-majority verdict is the majority of its reviewers' answers (k = ${k} per item); ties count both ways, as a lower and an upper figure` : "Each conversation's and each reply's verdict is its reviewer's answer (one reviewer per item)"}; the label-level figures count every answer. Gold items are not counted.`;
	if (report.audit.overlap > 1 && report.audit.kind === 'rating') {
		// Ratings are not settled by majority: every rating counts, shared within its response.
		parts.push(`Each response counts once in the A–D shares, shared evenly among its reviewers' ratings (k = ${report.audit.overlap} per item)`);
	} else if (report.audit.overlap > 1) {
		parts.push(severalReviewersBasis(report));
	} else {
		parts.push("Each item's label is its reviewer's label (one reviewer per item)");
	}
	if (b.adjudicated > 0) parts.push(`${plural(b.adjudicated, 'item')} ${b.adjudicated === 1 ? 'uses' : 'use'} a researcher's adjudicated label instead`);
	if (b.tied > 0)
		parts.push(
			report.audit.kind === 'rating'
				? `${plural(b.tied, 'item')} with a tied rating: ${b.tied === 1 ? 'its' : 'their'} tied responses count in the A–D shares, shared evenly among the tied letters (listed below)`
				: `${plural(b.tied, 'item')} with tied reviewers ${b.tied === 1 ? 'counts' : 'count'} both ways in the majority bounds (listed below)`
		);
	if (b.unlabelled > 0) parts.push(`${plural(b.unlabelled, 'item')} ${b.unlabelled === 1 ? 'has' : 'have'} no label yet`);
	return parts.join('; ') + '. Gold items are not counted.' + strataNote(report);
}

/** What the report says of a stratum shift (page, text, methods): how many rows moved, and which weights each figure uses. */
export function stratumShiftText(shift: StratumShift): string {
	const rows = (n: number) => `${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'}`;
	const strata = shift.strata.map((h) => `"${h.label}" ${h.drawn.toLocaleString('en-US')} → ${h.now.toLocaleString('en-US')}`).join(', ');
	return (
		`The filters were applied again after the sample was drawn, and at least ${rows(shift.moved)} changed verdict stratum (${strata}): ` +
		`the headline weights the strata as they were when the sample was drawn, as the filter report does, so that each item stands for the stratum it was drawn from; an export estimates each stratum's rows in it from the stratum's drawn items.`
	);
}

/**
 * How a stratified audit's figures over all tasks weigh its strata, in a sentence ('' for an
 * unstratified one). Verdict strata are drawn at rates the researcher chose, so the headlines weight
 * them back by their rows; classification strata are drawn in proportion to their sizes, so the
 * pooled sample already weighs them as the dataset does.
 */
export function strataNote(report: Pick<AuditReport, 'stratified' | 'audit' | 'quality'>): string {
	if (!report.stratified) return '';
	const all = report.quality?.groups[0];
	const weighted = all?.rates.find((r) => r.headline.weighted && r.weighted);
	if (weighted) {
		const strata = weighted.weighted!.strata.map((h) => `"${h.label}" ${h.rows.toLocaleString('en-US')} rows`).join(', ');
		const shift = report.audit.stratumShift ? ` ${stratumShiftText(report.audit.stratumShift)}` : '';
		return ` The audit drew its items stratum by stratum, by the filters' verdict, at different rates: each headline rate is the item majority ${WEIGHTED_NAME} (${strata}), as the export and its manifest give it; each stratum's own rate is listed beside it. The other estimators' columns pool the items without weights.${shift}`;
	}
	if (report.audit.stratify === 'classification')
		return ' The audit drew its items stratum by stratum, by classification, each stratum in proportion to its size (to within one item), so the pooled sample weighs the strata as the dataset does.';
	return " The audit drew its items stratum by stratum, and the strata's sizes in the dataset are not known here: rates over all tasks pool them without weights, so each stratum counts by its sample size, not its share of the dataset (each stratum's own rate is unbiased).";
}

/**
 * Items adjudicated before a reviewer changed their label (AuditReport.staleAdjudications): said by
 * every rendering of the report (page, text, paper-table notes); null when there are none.
 */
export function staleAdjudicationsNote(report: Pick<AuditReport, 'staleAdjudications'>): string | null {
	const n = report.staleAdjudications ?? 0;
	if (!n) return null;
	return `${n === 1 ? '1 item was' : `${n.toLocaleString('en-US')} items were`} adjudicated before a reviewer changed their label; the final labels still decide ${n === 1 ? 'it' : 'them'} here.`;
}

/**
 * Why a judge's κ is "—" when one side gave one answer to every item (the calibration tables'
 * rows are the judge, their columns the final human labels); null when κ has no such reason.
 */
export function judgeKappaNote(k: { oneAnswer?: 'rows' | 'columns' | null }): string | null {
	return k.oneAnswer === 'rows' ? 'the judge gave one answer to every item' : k.oneAnswer === 'columns' ? 'the final human labels give one answer on every item' : null;
}
