/**
 * From an analysis (src/lib/analyses) to what the analyses pages draw: histogram bars with
 * shares, on scales shared by every dataset shown side by side.
 */
import type { DatasetAnalysis, LengthDistribution } from '$lib/analyses/analysis';
import { formatCount } from '$lib/text/words';
import { binCounts, lengthReach, lengthScale, mergeScoreBins } from '$lib/analyses/histogram';

export interface HistogramBar {
	x0: number;
	x1: number;
	count: number;
	share: number;
	/** In words, for hover and tables: "10–11 words", "≥ 150 words", "0.70–0.75". */
	range: string;
	/** The overflow bar: every row from x0 on (drawn one bin wide, labelled "x0+"). */
	overflow?: boolean;
}

export type LengthField = 'instruction' | 'input' | 'output';

export const LENGTH_FIELDS: { field: LengthField; title: string }[] = [
	{ field: 'instruction', title: 'Instruction length' },
	{ field: 'input', title: 'Non-empty input length' },
	{ field: 'output', title: 'Output length' }
];

/** One length scale (bin width and cap) for a field across every analysis shown. */
export function sharedLengthScale(analyses: readonly DatasetAnalysis[], field: LengthField): { width: number; cap: number } {
	return lengthScale(analyses.map((a) => lengthReach(a.lengths[field].counts)));
}

export function lengthBars(d: LengthDistribution, scale: { width: number; cap: number }): HistogramBar[] {
	return binCounts(d.counts, scale.width, scale.cap).map((b) => ({
		x0: b.x0,
		x1: b.overflow ? b.x0 + scale.width : b.x1,
		count: b.count,
		share: d.n ? b.count / d.n : 0,
		...(b.overflow ? { overflow: true } : {}),
		range: b.overflow ? `≥ ${b.x0} words` : scale.width === 1 ? `${b.x0} word${b.x0 === 1 ? '' : 's'}` : `${b.x0}–${b.x1 - 1} words`
	}));
}

/**
 * What the overflow bar holds, in words ("the last bar, 70+, holds the 16 instances of 70 words
 * or more"), or null when every row fits the ordinary bars.
 */
export function overflowText(bars: readonly HistogramBar[], one: string, many: string): string | null {
	const last = bars[bars.length - 1];
	if (!last?.overflow) return null;
	return `the last bar, ${last.x0}+, holds the ${formatCount(last.count, one, many)} of ${formatCount(last.x0, 'word')} or more`;
}

/** Figure 3's bins: 20 of width 0.05 from the stored 0.01 bins. */
export const SIMILARITY_BINS = 20;

export function similarityBars(a: DatasetAnalysis): HistogramBar[] {
	const s = a.seedSimilarity;
	if (!s) return [];
	const counts = mergeScoreBins(s.bins, SIMILARITY_BINS);
	return counts.map((count, k) => {
		const x0 = k / SIMILARITY_BINS;
		const x1 = (k + 1) / SIMILARITY_BINS;
		return { x0, x1, count, share: s.n ? count / s.n : 0, range: `${x0.toFixed(2)}–${x1.toFixed(2)}${k === SIMILARITY_BINS - 1 ? ' (incl. 1)' : ''}` };
	});
}

/** The largest bar share, for a y scale shared by several charts. */
export function maxShare(...barSets: HistogramBar[][]): number {
	let m = 0;
	for (const bars of barSets) for (const b of bars) if (b.share > m) m = b.share;
	return m || 0.01;
}

export function share(part: number, whole: number): number | null {
	return whole > 0 ? part / whole : null;
}
