import { describe, expect, it } from 'vitest';
import { Resvg } from '@resvg/resvg-js';
import { DOMParser } from 'linkedom';
import { buildAuditReport } from '$lib/reports/report';
import { reportFigures } from '$lib/reports/figures';
import { syntheticQualityInput, syntheticRatingInput } from '$lib/reports/fixtures/synthetic-audit';
import { ratingPxPerPoint, ratingSegments, segmentText } from '$lib/components/charts/specs';
import { FIGURE_WIDTH, PNG_SCALE, figurePng, figureSvg, pngSize, wrapText } from './figures';

// Reviewers in pairs round a triangle do not identify the latent model, so its headline is asked for (it carries a caveat).
const quality = buildAuditReport(syntheticQualityInput(200), { replicates: 50, estimator: 'latent' });
const rating = buildAuditReport(syntheticRatingInput(60), { replicates: 50 });

function texts(svg: string): string[] {
	const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
	return [...doc.querySelectorAll('text')].map((t) => t.textContent ?? '');
}

describe('report figures as files', () => {
	it('draws the quality chart with its numbers, title, axis label, legend and caption', () => {
		const [figure] = reportFigures(quality);
		expect(figure.id).toBe('quality-rates');
		const svg = figureSvg(figure);
		// resvg refuses malformed XML: parsing it is the validity check.
		const parsed = new Resvg(svg);
		expect(parsed.width).toBe(FIGURE_WIDTH);
		const all = texts(svg).join('\n');
		expect(all).toContain('Data quality of "alpaca_sample #1 (50% & more)"');
		expect(all).toContain('Share (%)');
		expect(all).toContain('estimate and its 95% interval');
		expect(all).toContain('Self-Instruct Table 2 (all tasks)');
		// Every headline rate of every group is written on the chart.
		for (const g of quality.quality!.groups)
			for (const r of g.rates) expect(all).toContain(`${((r.headline.proportion ?? r.headline.low!) * 100).toFixed(1)}%`);
		const caption = texts(svg).slice(-6).join(' ');
		expect(caption).toMatch(/all tasks n = 200/);
		expect(caption).toMatch(/percentile bootstrap intervals \(50 resamples of items\)/);
		expect(svg).toContain('<desc>');
	});

	it('writes bounds that ties keep apart as a range on the chart, not the lower figure alone', () => {
		const majority = buildAuditReport(syntheticQualityInput(200), { replicates: 20, estimator: 'majority' });
		const tied = majority.quality!.groups.flatMap((g) => g.rates).filter((r) => r.headline.proportion === null && r.headline.n > 0);
		expect(tied.length).toBeGreaterThan(0);
		const all = texts(figureSvg(reportFigures(majority)[0])).join('\n');
		const pc = (v: number) => `${(v * 100).toFixed(1)}%`;
		for (const r of tied) expect(all).toContain(`${pc(r.headline.low!)}–${pc(r.headline.high!)}`);
	});

	it('draws the rating chart with each segment\'s letter and share', () => {
		const [figure] = reportFigures(rating);
		expect(figure.id).toBe('model-ratings');
		const svg = figureSvg(figure);
		new Resvg(svg);
		const all = texts(svg);
		const px = ratingPxPerPoint(rating.rating!.models, FIGURE_WIDTH - 32);
		const labels = ratingSegments(rating.rating!.models).map((s) => segmentText(s, px)).filter((t): t is string => t !== null);
		expect(labels.length).toBeGreaterThan(6);
		for (const label of labels) expect(all).toContain(label);
		expect(all.join(' ')).toContain('Share of rated responses (%)');
		expect(all).toContain('A: valid and satisfying');
		expect(all.join(' ')).toMatch(/Wilson score intervals/);
		expect(all.join(' ')).toContain('rated responses, all of them');
		for (const m of rating.rating!.models) expect(all.join(' ')).toContain(`${m.n} for ${m.model}`);
	});

	it('labels a segment with its share to one decimal, as the tables print it', () => {
		const segment = { model: 'm', level: 'A' as const, name: 'A: valid and satisfying', count: 7.5, n: 20, share: 0.375, x1: 0, x2: 37.5 };
		expect(segmentText(segment, 2)).toBe('A 37.5%');
		expect(segmentText(segment, 1)).toBe('A');
	});

	it('renders a PNG at twice the SVG size', () => {
		const svg = figureSvg(reportFigures(quality)[0]);
		const png = figurePng(svg);
		expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
		const height = Number(/height="(\d+)"/.exec(svg)![1]);
		expect(pngSize(png)).toEqual({ width: FIGURE_WIDTH * PNG_SCALE, height: height * PNG_SCALE });
	});

	it('wraps captions at word boundaries', () => {
		expect(wrapText('aa bb cc dd', 5)).toEqual(['aa bb', 'cc dd']);
	});
});
