/**
 * The report charts' Observable Plot options, built in one place for the page (Plot in the
 * browser) and for the downloadable figures (the same Plot on the server with a DOM document),
 * so a saved SVG or PNG is the chart the page shows. Pure: Plot is passed in.
 */
import type * as PlotModule from '@observablehq/plot';
import { ACCENT, CHART_STYLE, MUTED, RATING_COLORS, RATING_TEXT, REFERENCE, labelAxis, pct, textWidth } from './plot-theme';
import type { IntervalRow } from './types';
import type { HistogramBar } from '$lib/components/analyses/view';
import { formatNumber } from '$lib/text/words';
import { RATING_KEYS, RATING_LEVELS as RUBRIC_RATING_LEVELS, type RatingLevel } from '$lib/audits/rubric';
import { ratingCountText } from '$lib/reports/rating';

type Plot = typeof PlotModule;
type Style = Record<string, string>;

export type { RatingLevel };
/** The A–D keys in order and "A: valid and satisfying" … both from the audit rubric. */
export const RATING_LEVELS: readonly RatingLevel[] = RATING_KEYS;
export const RATING_LEVEL_NAMES = Object.fromEntries(
	RUBRIC_RATING_LEVELS.map((l) => [l.key, `${l.key}: ${l.label[0].toLowerCase()}${l.label.slice(1)}`])
) as Record<RatingLevel, string>;

/** One model's final ratings, as the rating chart reads them. */
export interface RatingChartModel {
	model: string;
	counts: Record<RatingLevel, number>;
	n: number;
}

export interface IntervalChartInput {
	rows: readonly IntervalRow[];
	mode?: 'share' | 'difference';
	label: string;
	width: number;
	style?: Style;
	document?: Document;
}

/** "+12.5 pp" for differences, "56.5%" for shares. */
export function intervalFormat(mode: 'share' | 'difference'): (v: number) => string {
	return mode === 'difference' ? (v) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v * 100).toFixed(1)} pp` : (v) => pct(v);
}

/**
 * The difference axis's label, centred under the plot: the longest wording that stays inside
 * the chart (a phone's plot is narrow), so the direction of a difference is always named.
 */
function differenceAxisLabel(left: number, plot: number, right: number): string {
	const room = 2 * Math.min(left + plot / 2, right + plot / 2);
	const wordings = ['← second higher · difference (percentage points) · first higher →', '← second higher · first higher →', '← 2nd higher · 1st higher →'];
	return wordings.find((t) => textWidth(t) <= room) ?? wordings[wordings.length - 1];
}

/** The gap between an interval's end and the estimate written after it. */
const ESTIMATE_DX = 8;

/**
 * Shares (or differences) with their intervals: a dot for the estimate, a line for the interval,
 * a dashed tick for a paper's reference figure; one facet per `facet` when rows have them.
 */
export function intervalPlotOptions(Plot: Plot, input: IntervalChartInput): PlotModule.PlotOptions {
	const { rows: all, label } = input;
	const mode = input.mode ?? 'share';
	const data = all.filter((r) => r.value !== null);
	const w = Math.max(320, input.width);
	const faceted = all.some((r) => r.facet);
	const difference = mode === 'difference';
	const labels = [...new Set(all.map((r) => r.label))];
	const facets = [...new Set(all.map((r) => r.facet ?? ''))];
	const p = (v: number) => v * 100;
	const fmt = intervalFormat(mode);
	const isRange = (d: IntervalRow) => d.high !== null && d.high !== undefined && d.high !== d.value;
	/** The estimate as written beside its line: a point, or the range that ties leave. */
	// Signed differences read badly with a dash between them ("−17.9 pp–−3.6 pp"): "to" there.
	const estimateText = (d: IntervalRow) => (isRange(d) ? `${fmt(d.value!)}${difference ? ' to ' : '–'}${fmt(d.high!)}` : fmt(d.value!));
	// The estimates are written right of their intervals, so the right margin holds the widest
	// (an interval can reach 100%). The labels' room never takes the plot's own: a plot narrower
	// than nothing would draw rects of negative width (an error in the console) on a narrow
	// screen or before layout; labels wider than their room wrap.
	const right = Math.max(16, Math.ceil(Math.max(0, ...data.map((d) => textWidth(estimateText(d))))) + ESTIMATE_DX + 4);
	const axis = labelAxis(labels, Math.max(40, w - right - 100), 40);
	const left = axis.margin;
	const rowHeight = Math.max(faceted ? 24 : 30, axis.lines * 13 + 8);
	const fy = faceted ? { fy: 'facet' } : {};
	return {
		...(input.document ? { document: input.document } : {}),
		width: w,
		height: 40 + (faceted ? facets.length * (labels.length * rowHeight + 34) : labels.length * rowHeight) + 24,
		marginLeft: left,
		marginRight: right,
		marginBottom: 42,
		marginTop: faceted ? 26 : 10,
		style: input.style ?? CHART_STYLE,
		ariaLabel: label,
		x: {
			domain: difference ? [-100, 100] : [0, 100],
			label: difference ? differenceAxisLabel(left, w - left - right, right) : 'Share (%)',
			labelAnchor: 'center',
			grid: true,
			// About one tick per 45 px of plot: "−100" and "−50" would touch on a phone.
			ticks: Math.max(2, Math.min(10, Math.floor((w - left - right) / 45)))
		},
		y: { domain: labels, label: null, padding: 0.35, tickFormat: axis.format },
		// Facet titles are drawn as text above each panel (Plot puts facet axes only left or right).
		...(faceted ? { fy: { domain: facets, axis: null, padding: 0.28 } } : {}),
		marks: [
			...(faceted
				? [
						Plot.text(facets, {
							fy: (d: string) => d,
							text: (d: string) => d,
							frameAnchor: 'top-left',
							dx: -left + 2,
							dy: -18,
							fontWeight: 700,
							fontSize: 12.5
						}),
						Plot.frame({ stroke: '#d9dde5' })
					]
				: []),
			...(difference ? [Plot.ruleX([0], { stroke: MUTED })] : []),
			Plot.ruleY(data, {
				y: 'label',
				...fy,
				x1: (d: IntervalRow) => p(d.lower),
				x2: (d: IntervalRow) => p(d.upper),
				stroke: ACCENT,
				strokeWidth: 2
			}),
			Plot.tickX(
				all.filter((d) => d.reference !== null && d.reference !== undefined),
				{ x: (d: IntervalRow) => p(d.reference!), y: 'label', ...fy, stroke: REFERENCE, strokeWidth: 2, strokeDasharray: '3,2' }
			),
			// Bounds kept apart by ties: a thick bar from the lower figure to the upper one.
			Plot.ruleY(
				data.filter((d) => isRange(d)),
				{ y: 'label', ...fy, x1: (d: IntervalRow) => p(d.value!), x2: (d: IntervalRow) => p(d.high!), stroke: ACCENT, strokeWidth: 7, strokeLinecap: 'round' }
			),
			Plot.dot(data, {
				x: (d: IntervalRow) => p(d.value!),
				y: 'label',
				...fy,
				fill: ACCENT,
				r: 4.5,
				title: (d: IntervalRow) => `${d.label}: ${estimateText(d)} [${fmt(d.lower)}, ${fmt(d.upper)}]${d.detail ? ` — ${d.detail}` : ''}`
			}),
			Plot.text(data, {
				x: (d: IntervalRow) => p(d.upper),
				y: 'label',
				...fy,
				text: (d: IntervalRow) => estimateText(d),
				dx: ESTIMATE_DX,
				textAnchor: 'start',
				fill: '#1d2433'
			}),
			Plot.text(
				all.filter((d) => d.value === null),
				{ x: difference ? -100 : 0, y: 'label', ...fy, text: () => 'no decided items', dx: 4, textAnchor: 'start', fill: MUTED }
			)
		]
	};
}

export interface RatingChartInput {
	models: readonly RatingChartModel[];
	label: string;
	width: number;
	style?: Style;
	document?: Document;
}

/** A segment of a model's bar: one rating level's share. */
export interface RatingSegment {
	model: string;
	level: RatingLevel;
	name: string;
	count: number;
	n: number;
	share: number;
	x1: number;
	x2: number;
}

export function ratingSegments(models: readonly RatingChartModel[]): RatingSegment[] {
	// Laid out here (not with Plot's stack transform) so each label sits in its segment.
	return models.flatMap((m) => {
		let start = 0;
		return RATING_LEVELS.map((level) => {
			const share = m.n === 0 ? 0 : m.counts[level] / m.n;
			const segment = { model: m.model, level, name: RATING_LEVEL_NAMES[level], count: m.counts[level], n: m.n, share, x1: start * 100, x2: (start + share) * 100 };
			start += share;
			return segment;
		});
	});
}

/** The text a segment carries: its letter where it fits, with its share where that fits too. */
export function segmentText(segment: RatingSegment, pxPerPoint: number): string | null {
	const px = (segment.x2 - segment.x1) * pxPerPoint;
	if (px < 12) return null;
	// One decimal, as the tables and exports print the share ("A 37.5%" needs about 60 px).
	return px >= 62 ? `${segment.level} ${pct(segment.share)}` : segment.level;
}

/** The rating chart's model names on the left: at most 40% of its width, wrapped beyond that. */
function ratingAxis(models: readonly RatingChartModel[], width: number) {
	return labelAxis(
		models.map((m) => m.model),
		Math.round(Math.max(320, width) * 0.4)
	);
}

/** Pixels per percentage point of the rating chart at a width (its x scale's range). */
export function ratingPxPerPoint(models: readonly RatingChartModel[], width: number): number {
	return (Math.max(320, width) - ratingAxis(models, width).margin - 16) / 100;
}

/** Per-model A–D proportions as horizontal stacked bars (Self-Instruct Figure 5). */
export function ratingPlotOptions(Plot: Plot, input: RatingChartInput): PlotModule.PlotOptions {
	const { models, label } = input;
	const data = ratingSegments(models);
	const names = models.map((m) => m.model);
	const w = Math.max(320, input.width);
	const axis = ratingAxis(models, w);
	const pxPerPoint = ratingPxPerPoint(models, w);
	return {
		...(input.document ? { document: input.document } : {}),
		width: w,
		height: 40 + Math.max(34, axis.lines * 13 + 12) * names.length + 44,
		marginLeft: axis.margin,
		marginRight: 16,
		marginBottom: 42,
		style: input.style ?? CHART_STYLE,
		ariaLabel: label,
		x: { domain: [0, 100], label: 'Share of rated responses (%)', labelAnchor: 'center', grid: true, ticks: w < 560 ? 5 : 10 },
		y: { domain: names, label: null, padding: 0.25, tickFormat: axis.format },
		color: { domain: RATING_LEVELS.map((l) => RATING_LEVEL_NAMES[l]), range: RATING_LEVELS.map((l) => RATING_COLORS[l]) },
		marks: [
			Plot.barX(data, {
				x1: 'x1',
				x2: 'x2',
				y: 'model',
				fill: 'name',
				// A dark outline keeps the pale segments apart from the page and each other.
				stroke: '#1d2433',
				strokeWidth: 0.75,
				title: (d: RatingSegment) => `${d.model} — ${d.name}: ${ratingCountText(d.count)} of ${d.n} (${pct(d.share)})`
			}),
			...RATING_LEVELS.map((level) =>
				Plot.text(
					data.filter((d) => d.level === level && segmentText(d, pxPerPoint) !== null),
					{
						x: (d: RatingSegment) => (d.x1 + d.x2) / 2,
						y: 'model',
						text: (d: RatingSegment) => segmentText(d, pxPerPoint),
						fill: RATING_TEXT[level],
						fontWeight: 700
					}
				)
			),
			Plot.text(
				models.filter((m) => m.n === 0),
				{ x: 1, y: 'model', text: () => 'no ratings yet', textAnchor: 'start', fill: MUTED }
			),
			Plot.ruleX([0])
		]
	};
}

export interface HistogramChartInput {
	bars: readonly HistogramBar[];
	xLabel: string;
	xDomain: [number, number];
	/** The y scale's top as a share (shared by charts side by side). */
	yMax: number;
	/** Dashed vertical rules, e.g. the 0.5 and 0.7 thresholds. */
	rules?: readonly number[];
	colour?: string;
	width: number;
	height: number;
	style?: Style;
	document?: Document;
}

/** The analyses' histograms (Self-Instruct Figures 3 and 4): bars over [x0, x1) with the share of rows in each. */
export function histogramPlotOptions(Plot: Plot, input: HistogramChartInput): PlotModule.PlotOptions {
	const top = Math.max(input.yMax, 1e-9) * 100;
	// No tick past the overflow bar's start: its right edge is no length (the bar is labelled "N+").
	const overflow = input.bars.find((b) => b.overflow);
	return {
		...(input.document ? { document: input.document } : {}),
		width: Math.max(280, input.width),
		height: input.height,
		marginLeft: 46,
		marginBottom: 40,
		style: input.style ?? CHART_STYLE,
		x: { domain: input.xDomain, label: input.xLabel, labelAnchor: 'center', ...(overflow ? { tickFormat: (v: number) => (v > overflow.x0 ? '' : v.toLocaleString('en-US')) } : {}) },
		y: { domain: [0, top], label: 'Share (%)', grid: true, ticks: 5 },
		marks: [
			Plot.rectY(input.bars, {
				x1: 'x0',
				x2: 'x1',
				y: (d: HistogramBar) => d.share * 100,
				fill: input.colour ?? ACCENT,
				inset: 0.5,
				title: (d: HistogramBar) => `${d.range}: ${formatNumber(d.count)} (${pct(d.share)})`
			}),
			...(input.rules ?? []).map((x) => Plot.ruleX([x], { stroke: REFERENCE, strokeDasharray: '4,3', strokeWidth: 1.5 })),
			// The overflow bar holds every longer row too: labelled "70+" above it, not a plain 70–75 bin.
			Plot.text(
				input.bars.filter((b) => b.overflow),
				{ x: (d: HistogramBar) => (d.x0 + d.x1) / 2, y: (d: HistogramBar) => d.share * 100, text: (d: HistogramBar) => `${d.x0}+`, dy: -7, fill: 'currentColor', fontWeight: 'bold' }
			),
			Plot.ruleY([0], { stroke: MUTED })
		]
	};
}
