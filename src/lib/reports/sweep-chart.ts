/**
 * The ROUGE-L threshold sweep chart's geometry, for the report page (FilterSection.svelte) and the
 * downloadable figure (drawn on the server), so both draw the same bars, band and line: rows each
 * threshold keeps (bars, left scale) and the estimated share of them fully valid (line with its
 * band, right scale). Pure; viewBox units.
 */
import { formatNumber } from '$lib/text/words';
import type { SweepPoint } from './filter-report';

/** The page's colours (FilterSection.svelte's CSS fallbacks), for the figure file and its legend. */
export const SWEEP_COLORS = { grid: '#dddddd', axis: '#555555', bar: '#dde8f7', barStroke: '#2456a4', line: '#c2410c' } as const;

export const SWEEP_W = 640;
export const SWEEP_H = 300;
const LEFT = 52;
const RIGHT = 52;
const TOP = 30;
const BOTTOM = 40;

export interface SweepGeometry {
	width: number;
	height: number;
	/** Right scale: correctness gridlines 0–100%. */
	grid: { y: number; x1: number; x2: number; labelX: number; label: string }[];
	/** Left scale: the largest row count and 0. */
	rowTicks: { x: number; y: number; label: string }[];
	bars: { threshold: number; x: number; y: number; width: number; height: number; applied: boolean; labelY: number; title: string }[];
	/** Polygon points of the interval band, '' without rated points. */
	band: string;
	/** Path of the estimate line (with tied items, the low figure: ties counted as "no"). */
	line: string;
	/** With tied items, the high figure's path (ties counted as "yes"), drawn dashed; '' without ties. */
	highLine: string;
	dots: { threshold: number; cx: number; cy: number; title: string }[];
	xLabel: { x: number; y: number; text: string };
	/** The two scales' names, above them. */
	yLabels: { x: number; y: number; text: string; anchor: 'start' | 'end' }[];
}

const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

export function sweepGeometry(points: readonly SweepPoint[]): SweepGeometry {
	const W = SWEEP_W;
	const H = SWEEP_H;
	// 24 units of padding inside each axis so the first and last bars clear the scale labels.
	const x = (t: number) => LEFT + 24 + ((t - 0.5) / 0.4) * (W - LEFT - RIGHT - 48);
	const maxRows = Math.max(1, ...points.map((p) => p.rows));
	const yRows = (n: number) => H - BOTTOM - (n / maxRows) * (H - TOP - BOTTOM);
	const yRate = (p: number) => H - BOTTOM - p * (H - TOP - BOTTOM);
	const rated = points.filter((p) => p.correctness.low !== null);
	const low = (p: SweepPoint) => p.correctness.proportion ?? p.correctness.low!;
	const tied = rated.some((p) => p.correctness.proportion === null);
	return {
		width: W,
		height: H,
		grid: [0, 0.25, 0.5, 0.75, 1].map((g) => ({ y: yRate(g), x1: LEFT, x2: W - RIGHT, labelX: W - RIGHT + 6, label: `${Math.round(g * 100)}%` })),
		rowTicks: [
			{ x: LEFT - 6, y: yRows(maxRows), label: formatNumber(maxRows) },
			{ x: LEFT - 6, y: yRows(0), label: '0' }
		],
		bars: points.map((p) => ({
			threshold: p.threshold,
			x: x(p.threshold) - 12,
			y: yRows(p.rows),
			width: 24,
			height: Math.max(0, yRows(0) - yRows(p.rows)),
			applied: p.applied,
			labelY: H - BOTTOM + 16,
			title: `ROUGE-L ≤ ${p.threshold}${p.applied ? ' (applied)' : ''}: ${formatNumber(p.rows)} rows kept`
		})),
		band: rated.length
			? [...rated.map((p) => `${x(p.threshold).toFixed(1)},${yRate(p.correctness.upper).toFixed(1)}`), ...[...rated].reverse().map((p) => `${x(p.threshold).toFixed(1)},${yRate(p.correctness.lower).toFixed(1)}`)].join(' ')
			: '',
		line: rated.map((p, i) => `${i ? 'L' : 'M'}${x(p.threshold).toFixed(1)},${yRate(low(p)).toFixed(1)}`).join(''),
		highLine: tied ? rated.map((p, i) => `${i ? 'L' : 'M'}${x(p.threshold).toFixed(1)},${yRate(p.correctness.high!).toFixed(1)}`).join('') : '',
		dots: rated.map((p) => ({
			threshold: p.threshold,
			cx: x(p.threshold),
			cy: yRate(low(p)),
			title:
				p.correctness.proportion !== null
					? `ROUGE-L ≤ ${p.threshold}: ${pct(p.correctness.proportion)} fully valid [${pct(p.correctness.lower)}, ${pct(p.correctness.upper)}], ${p.judged} audited rows`
					: `ROUGE-L ≤ ${p.threshold}: ${pct(p.correctness.low!)}–${pct(p.correctness.high!)} fully valid (${p.correctness.ties} tied counted as no and as yes) [${pct(p.correctness.lower)}, ${pct(p.correctness.upper)}], ${p.judged} audited rows`
		})),
		xLabel: { x: (LEFT + W - RIGHT) / 2, y: H - 6, text: 'ROUGE-L threshold (keep if highest similarity ≤ threshold)' },
		yLabels: [
			{ x: 4, y: 12, text: '↑ Rows kept', anchor: 'start' },
			{ x: W - 4, y: 12, text: 'Fully valid (%) ↑', anchor: 'end' }
		]
	};
}
