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
import { GROUP_LABELS, headlineText, percent } from './format';
import { intervalMethod, levelText } from './paper-tables';
import type { AuditReport } from './report';

export type LegendEntry =
	| { kind: 'interval'; label: string }
	| { kind: 'reference'; label: string }
	| { kind: 'swatch'; label: string; color: string; text: string; letter: string };

export type FigureChart =
	| { kind: 'interval'; rows: IntervalRow[]; mode: 'share' | 'difference'; referenceName: string }
	| { kind: 'rating'; models: RatingChartModel[] };

export interface ReportFigure {
	/** File name stem: quality-rates, model-ratings. */
	id: 'quality-rates' | 'model-ratings';
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
		figures.push({
			id: 'quality-rates',
			title: `Data quality of "${a.name}" by question and task type`,
			label: "Share of yes per question and task type, with confidence intervals and Self-Instruct's figures",
			caption:
				`Share of sampled instances judged "yes" per question, by task type (${nText} items with a final label; audit "${a.name}" of "${a.datasetName}", sample seed ${a.seed}). ` +
				`Dots: ${estimators.map((e) => ESTIMATOR_LABELS[e]).join(' / ')} estimate${tied ? ' (the lower bound where tied items keep bounds apart)' : ''}; ` +
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
				`Share of each model's responses rated A–D (Self-Instruct Figure 5 scale; n = ${report.rating.models.map((m) => `${m.n} for ${m.model}`).join(', ')} responses with a final rating: adjudicated, else the reviewers' majority, ties left out; audit "${a.name}" of "${a.datasetName}"). ` +
				`Rated A or B: ${report.rating.models.map((m) => `${m.model} ${percent(m.aOrB.proportion)}${m.aOrB.proportion === null ? '' : ` [${percent(m.aOrB.lower)}, ${percent(m.aOrB.upper)}]`}`).join('; ')} (${level} Wilson score intervals).`,
			legend: RATING_LEVELS.map((l) => ({ kind: 'swatch' as const, label: RATING_LEVEL_NAMES[l], color: RATING_COLORS[l], text: RATING_TEXT[l], letter: l })),
			chart: { kind: 'rating', models }
		});
	}
	return figures;
}
