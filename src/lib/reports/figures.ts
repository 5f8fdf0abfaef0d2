/**
 * The report's charts as figures a paper can use: each with a title, its axis label, a legend and
 * a caption that states n and the interval method. The page draws the same chart input with
 * the same Plot options (src/lib/components/charts/specs.ts); the server renders them to SVG and
 * PNG (src/lib/server/reports/figures.ts).
 */
import type { IntervalRow } from '$lib/components/charts/types';
import { RATING_LEVELS, RATING_LEVEL_NAMES, type RatingChartModel } from '$lib/components/charts/specs';
import { RATING_COLORS, RATING_TEXT } from '$lib/components/charts/rating-colors';
import { ESTIMATOR_LABELS } from './estimators';
import { CATEGORY_LABELS, GROUP_LABELS, RATE_LABELS, headlineText, percent } from './format';
import { N_COUNTS, intervalMethod, levelText } from './paper-tables';
import type { AuditReport } from './report';
import { comparisonLabels, comparisonSideText, type AuditComparison, type ComparisonRow } from './compare';
import type { FilterReport, SweepPoint } from './filter-report';
import { SWEEP_COLORS } from './sweep-chart';
import type { HistogramBar } from '$lib/components/analyses/view';
import type { TopVerb } from '$lib/analyses/top-k';

export type LegendEntry =
	| { kind: 'interval'; label: string }
	| { kind: 'reference'; label: string }
	| { kind: 'swatch'; label: string; color: string; text: string; letter: string }
	| { kind: 'bar'; label: string; color: string; stroke?: string; opacity?: number }
	| { kind: 'line'; label: string; color: string };

export type FigureChart =
	| { kind: 'interval'; rows: IntervalRow[]; mode: 'share' | 'difference'; referenceName: string }
	| { kind: 'rating'; models: RatingChartModel[] }
	| { kind: 'histogram'; bars: HistogramBar[]; xLabel: string; xDomain: [number, number]; yMax: number; rules: number[]; colour: string; height: number }
	| { kind: 'sunburst'; top: TopVerb[]; instructions: number }
	| { kind: 'sweep'; points: SweepPoint[] };

/** A chart as a file a paper can use (report, comparison and analyses pages alike). */
export interface ReportFigure {
	/** File name stem: quality-rates, model-ratings, differences, rouge-to-seeds, length-output-2, … */
	id: string;
	title: string;
	/** The chart's accessible label. */
	label: string;
	/** Under the figure: what is drawn, n, and how the intervals are computed. */
	caption: string;
	legend: LegendEntry[];
	chart: FigureChart;
}

const SHORT: Record<string, string> = { instruction: 'Instruction valid', input: 'Input appropriate', output: 'Output correct', allValid: 'All fields valid' };

/** The report's figures, in the page's order. */
export function reportFigures(report: AuditReport): ReportFigure[] {
	const figures: ReportFigure[] = [];
	const level = levelText(report.confidence);
	const a = report.audit;
	if (report.quality) {
		// Task types with no sampled item (e.g. a dataset without classification flags) are left out.
		const groups = report.quality.groups.filter((g) => g.key === 'all' || g.items > 0);
		const rows: IntervalRow[] = groups.flatMap((g) =>
			g.rates.map((r) => ({
				facet: SHORT[r.key],
				label: GROUP_LABELS[g.key],
				value: r.headline.proportion ?? r.headline.low,
				high: r.headline.proportion === null ? r.headline.high : null,
				lower: r.headline.lower,
				upper: r.headline.upper,
				reference: g.key === 'all' ? r.reference : null,
				detail: `${ESTIMATOR_LABELS[r.headline.estimator]}: ${headlineText(r.headline)}, n = ${r.headline.n}`
			}))
		);
		const rates = groups[0].rates;
		const estimators = [...new Set(rates.map((r) => r.headline.estimator))];
		const replicates = rates.find((r) => r.latent.status === 'ok')?.latent.replicates ?? 200;
		const tied = rates.some((r) => r.headline.proportion === null && r.headline.n > 0);
		const nText = groups.map((g) => `${GROUP_LABELS[g.key].toLowerCase()} n = ${g.rates[3].headline.n}`).join(', ');
		// n is the all-fields headline's, so it counts what that estimator counts (with the majority, tied items too).
		const nUnit = N_COUNTS[rates[3].headline.estimator];
		figures.push({
			id: 'quality-rates',
			title: `Data quality of "${a.name}" by question and task type`,
			label: "Share of yes per question and task type, with confidence intervals and Self-Instruct's figures",
			caption:
				`Share of sampled instances judged "yes" per question, by task type (${nText} ${nUnit}; audit "${a.name}" of "${a.datasetName}", sample seed ${a.seed}). ` +
				`Dots: ${estimators.map((e) => ESTIMATOR_LABELS[e]).join(' / ')} estimate${tied ? ' (where tied items keep the bounds apart, a thick bar from the lower to the upper figure, both written beside it)' : ''}; ` +
				`lines: ${level} ${estimators.map((e) => intervalMethod(e, replicates)).join(' / ')}; dashed ticks: Self-Instruct Table 2 (all tasks, one expert, no interval).`,
			legend: [
				{ kind: 'interval', label: `estimate and its ${level} interval` },
				{ kind: 'reference', label: 'Self-Instruct Table 2 (all tasks)' }
			],
			chart: { kind: 'interval', rows, mode: 'share', referenceName: 'Self-Instruct Table 2 (all tasks)' }
		});
	}
	if (report.rating) {
		const models = report.rating.models.map((m) => ({ model: m.model, counts: m.counts, n: m.n }));
		figures.push({
			id: 'model-ratings',
			title: `Ratings of each model's responses in "${a.name}"`,
			label: 'Share of rated responses per model, by rating',
			caption:
				`Share of each model's responses rated A–D (Self-Instruct Figure 5 scale; n = ${report.rating.models.map((m) => `${m.n} for ${m.model}`).join(', ')} rated responses, all of them: each counts once, shared evenly among its reviewers' ratings, a researcher's adjudicated rating alone; audit "${a.name}" of "${a.datasetName}"). ` +
				`Rated A or B: ${report.rating.models.map((m) => `${m.model} ${percent(m.aOrB.proportion)}${m.aOrB.trials === 0 ? '' : ` [${percent(m.aOrB.lower)}, ${percent(m.aOrB.upper)}], n = ${m.aOrB.trials}`}`).join('; ')} (the A and B shares together; ${level} Wilson score intervals${report.rating.models.some((m) => m.disagreements > 0) ? ' at the effective sample size, clustered by response' : ''}).`,
			legend: RATING_LEVELS.map((l) => ({ kind: 'swatch' as const, label: RATING_LEVEL_NAMES[l], color: RATING_COLORS[l], text: RATING_TEXT[l], letter: l })),
			chart: { kind: 'rating', models }
		});
	}
	return figures;
}

/** A comparison row's name: the rate, the error category, the rating, the reply or the pair's outcome. */
export function comparisonRateLabel(r: ComparisonRow): string {
	return comparisonLabels(r).rate;
}

/** A stratum's name: the task group (quality), the model (rating), the reply position or the model pair. */
export function comparisonGroupLabel(c: AuditComparison, g: string): string {
	const r = c.rows.find((x) => x.group === g);
	return r ? comparisonLabels(r).group : g;
}

/** Decided items of one side in a stratum (the most of any of its rates). */
export function comparisonDecided(c: AuditComparison, g: string, side: 'first' | 'second'): number {
	return Math.max(0, ...c.rows.filter((r) => r.group === g).map((r) => r[side].trials));
}

/** Strata both audits have decided items in: the ones compared. */
export function comparedGroups(c: AuditComparison): string[] {
	return [...new Set(c.rows.map((r) => r.group))].filter((g) => comparisonDecided(c, g, 'first') > 0 && comparisonDecided(c, g, 'second') > 0);
}

/** The chart: quality rates by group; A or B per model; conversation rates; each pair's win rate. */
function charted(c: AuditComparison, r: ComparisonRow): boolean {
	return c.kind === 'quality' ? r.section === 'rate' : c.kind === 'rating' ? r.key === 'aOrB' : c.kind === 'pairwise' ? r.key === 'win' : true;
}

/** The comparison chart's rows: the differences of what `charted` keeps of each kind of audit. */
export function comparisonChartRows(c: AuditComparison): IntervalRow[] {
	const groups = comparedGroups(c);
	return c.rows
		.filter((r) => groups.includes(r.group))
		.filter((r) => charted(c, r))
		.map((r) => ({
			facet: c.kind === 'quality' ? comparisonGroupLabel(c, r.group) : undefined,
			label: c.kind === 'rating' ? r.group : comparisonRateLabel(r),
			// Ties keep a difference a range (drawn as a bar from its low to its high figure).
			value: r.difference ?? r.differenceLow ?? null,
			...(r.difference === null && r.differenceLow != null && r.differenceHigh != null ? { high: r.differenceHigh } : {}),
			lower: r.lower,
			upper: r.upper,
			detail: `${comparisonSideText(r.first, r.firstHigh).counts} vs ${comparisonSideText(r.second, r.secondHigh).counts}`
		}));
}

/** The comparison page's chart as a figure. */
export function comparisonFigures(c: AuditComparison): ReportFigure[] {
	const level = levelText(c.confidence);
	const groups = comparedGroups(c);
	const nText = groups
		.map((g) => `${c.kind === 'quality' ? comparisonGroupLabel(c, g).toLowerCase() : comparisonGroupLabel(c, g)}: n = ${comparisonDecided(c, g, 'first')} vs ${comparisonDecided(c, g, 'second')}`)
		.join('; ');
	const what =
		c.kind === 'quality'
			? 'data-quality rates'
			: c.kind === 'rating'
				? 'share of responses rated A or B'
				: c.kind === 'pairwise'
					? 'win rates of each model pair'
					: 'shares of valid replies and conversations';
	const tiesText =
		c.kind === 'rating'
			? 'every rated response counted, shared among its reviewers\' ratings'
			: c.kind === 'pairwise'
				? 'every choice counted'
				: 'items whose reviewers tied count both ways, drawn as a bar from the lower to the upper difference';
	return [
		{
			id: 'differences',
			title: `Differences in the ${what}: "${c.first.name}" − "${c.second.name}"`,
			label: 'Differences between the two audits with confidence intervals',
			caption:
				`Difference in the ${what}, first audit "${c.first.name}" (of "${c.first.datasetName}") minus second "${c.second.name}" (of "${c.second.datasetName}"), in percentage points (items per audit — ${nText}; ${tiesText}; adjudicated labels where there are any). ` +
				`Dots: the difference of the two shares; lines: ${level} Newcombe hybrid score intervals for the difference of two independent proportions (Newcombe, 1998), built from each audit's Wilson interval. An interval that excludes 0 means the audits differ at the ${level} level.`,
			legend: [{ kind: 'interval', label: `difference and its ${level} interval` }],
			chart: { kind: 'interval', rows: comparisonChartRows(c), mode: 'difference', referenceName: '' }
		}
	];
}

/** The filter report's ROUGE-L threshold sweep as a figure (none when the sweep is unavailable). */
export function filterFigures(filters: FilterReport & { audit: { name: string } }): ReportFigure[] {
	const sweep = filters.sweep;
	if (!sweep.available || !sweep.points.length) return [];
	const judged = sweep.points.map((p) => `${p.threshold}: ${p.judged}`).join(', ');
	const ties = sweep.points.some((p) => p.correctness.ties > 0 && p.correctness.low !== null);
	return [
		{
			id: 'rouge-sweep',
			title: `ROUGE-L threshold sweep of "${filters.audit.name}": rows kept and their estimated correctness`,
			label: 'ROUGE-L threshold sweep: rows kept and estimated correctness per threshold',
			caption:
				`Bars (left scale): rows each ROUGE-L threshold keeps — the kept rows plus the ROUGE-L-rejected rows whose stored highest similarity is at most the threshold; the darker bar is the threshold the filters were applied at (${sweep.appliedThreshold}). ` +
				`Line (right scale): the estimated share of those rows fully valid, weighting the kept and the ROUGE-L-rejected strata by their rows under the threshold, with its 95% band (Wilson interval on the effective sample size; Korn and Graubard, 1998). ` +
				(ties ? 'Items whose reviewers tied and nobody adjudicated count as not fully valid on the solid line and as fully valid on the dashed one; the band runs from the first’s lower to the second’s upper bound. ' : '') +
				`Audited rows with a final label or a tie under each threshold (n): ${judged}. The similarity is to the pool as built at the applied threshold, so away from it the sweep is a one-pass approximation.`,
			legend: [
				{ kind: 'bar', label: 'rows kept', color: SWEEP_COLORS.bar, stroke: SWEEP_COLORS.barStroke },
				{ kind: 'bar', label: 'rows kept at the applied threshold', color: SWEEP_COLORS.barStroke, opacity: 0.45 },
				{ kind: 'line', label: ties ? 'estimated fully valid, ties as not valid, and the 95% band' : 'estimated fully valid and its 95% band', color: SWEEP_COLORS.line },
				...(ties ? [{ kind: 'line' as const, label: 'estimated fully valid, ties as valid (dashed)', color: SWEEP_COLORS.line }] : [])
			],
			chart: { kind: 'sweep', points: sweep.points }
		}
	];
}
