import { describe, expect, it } from 'vitest';
import * as Plot from '@observablehq/plot';
import { Resvg } from '@resvg/resvg-js';
import { parseHTML } from 'linkedom';
import { intervalPlotOptions, ratingPlotOptions, type RatingChartModel } from './specs';
import { textWidth, wrapLabel } from './plot-theme';
import type { IntervalRow } from './types';

// The figure files' font (src/lib/server/reports/figures.ts), the widest the charts meet.
const STYLE = { fontFamily: 'DejaVu Sans', fontSize: '12px', color: '#1d2433', background: 'white', overflow: 'visible' };

/** The horizontal extent of everything drawn, text included, as resvg lays it out with real glyphs. */
function drawnExtent(options: Plot.PlotOptions): { left: number; right: number; width: number } {
	const { document } = parseHTML('<!doctype html><html><body></body></html>');
	const svg = Plot.plot({ ...options, document: document as unknown as Document }) as unknown as Element;
	svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
	const box = new Resvg(svg.outerHTML, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' } }).getBBox()!;
	return { left: box.x, right: box.x + box.width, width: Number(svg.getAttribute('width')) };
}

// Ties keep the bounds apart up to 100%: the longest estimate text ("83.3%–100.0%") at the right edge.
const shares: IntervalRow[] = ['Instruction valid', 'Input appropriate'].flatMap((facet) => [
	{ facet, label: 'All tasks', value: 0.833, high: 1, lower: 0.72, upper: 1, reference: 0.92 },
	{ facet, label: 'Classification unknown', value: 0.717, high: 1, lower: 0.59, upper: 1 }
]);
const differences: IntervalRow[] = [
	{ label: 'Instruction describes a valid task', value: -0.167, high: 0, lower: -0.28, upper: 0.11 },
	{ label: 'Output is a correct and acceptable response', value: -0.3, high: 0.317, lower: -0.48, upper: 1 }
];

describe('chart margins fit their labels', () => {
	for (const width of [728, 340]) {
		it(`keeps share ranges at 100% and task-type labels inside a ${width}-px chart`, () => {
			const extent = drawnExtent(intervalPlotOptions(Plot, { rows: shares, label: 'Quality', width, style: STYLE }));
			expect(extent.left).toBeGreaterThanOrEqual(0);
			expect(extent.right).toBeLessThanOrEqual(extent.width);
		});

		it(`keeps the longest question and signed differences inside a ${width}-px comparison chart`, () => {
			const extent = drawnExtent(intervalPlotOptions(Plot, { rows: differences, mode: 'difference', label: 'Differences', width, style: STYLE }));
			expect(extent.left).toBeGreaterThanOrEqual(0);
			expect(extent.right).toBeLessThanOrEqual(extent.width);
		});

		it(`keeps long model names inside a ${width}-px rating chart`, () => {
			const counts = { A: 5, B: 3, C: 1, D: 1 };
			const models: RatingChartModel[] = [
				{ model: 'meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo', counts, n: 10 },
				{ model: 'GPT3 Self-Instruct (our reproduction)', counts, n: 10 }
			];
			const extent = drawnExtent(ratingPlotOptions(Plot, { models, label: 'Ratings', width, style: STYLE }));
			expect(extent.left).toBeGreaterThanOrEqual(0);
			expect(extent.right).toBeLessThanOrEqual(extent.width);
		});
	}

	it('writes a label whole, on as many lines as its room needs', () => {
		expect(wrapLabel('All tasks', 200)).toEqual(['All tasks']);
		const lines = wrapLabel('Output is a correct and acceptable response', 90);
		expect(lines.join(' ')).toBe('Output is a correct and acceptable response');
		for (const line of lines) expect(textWidth(line)).toBeLessThanOrEqual(90);
		const cut = wrapLabel('meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo', 100);
		expect(cut.join('')).toBe('meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo');
		for (const line of cut) expect(textWidth(line)).toBeLessThanOrEqual(100);
	});
});
