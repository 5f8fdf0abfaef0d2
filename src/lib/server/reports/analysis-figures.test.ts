import { describe, expect, it } from 'vitest';
import { Resvg } from '@resvg/resvg-js';
import { DOMParser } from 'linkedom';
import { AnalysisBuilder } from '$lib/analyses/analysis';
import { VerbNounExtractor } from '$lib/analyses/verb-noun';
import { analysisFigures } from '$lib/analyses/figures';
import { comparisonFigures, filterFigures } from '$lib/reports/figures';
import { filterReport, type FilterReportInput, type SweepRow } from '$lib/reports/filter-report';
import { compareReports } from '$lib/reports/compare';
import { buildAuditReport } from '$lib/reports/report';
import { syntheticQualityInput } from '$lib/reports/fixtures/synthetic-audit';
import { sunburstArcs } from '$lib/components/analyses/sunburst-layout';
import { countWords, formatNumber } from '$lib/text/words';
import { FIGURE_WIDTH, PNG_SCALE, figurePng, figureSvg, pngSize } from './figures';

const extractor = new VerbNounExtractor();
const VERBS = ['Write', 'Give', 'Explain', 'List', 'Describe', 'Classify'];
const NOUNS = ['poem', 'recipe', 'story', 'summary', 'sentence'];

function analysis(rows: number, seedOffset: number) {
	const b = new AnalysisBuilder({ extractor, seeds: { instructions: ['Write a poem about the sea.', 'Give me a recipe for pancakes.'], source: 'test seeds' } });
	for (let k = 0; k < rows; k++) {
		const instruction = `${VERBS[(k + seedOffset) % VERBS.length]} a ${NOUNS[(k * 7 + seedOffset) % NOUNS.length]} about topic ${k % 13}${' and more'.repeat(k % 5)}.`;
		b.addInstruction(instruction, countWords(instruction));
		b.addInstance(k % 3 === 0 ? 0 : 3 + (k % 17), 5 + ((k * 11) % 60));
	}
	return b.finish();
}

function doc(svg: string) {
	return new DOMParser().parseFromString(svg, 'image/svg+xml');
}
const texts = (svg: string) => [...doc(svg).querySelectorAll('text')].map((t) => t.textContent ?? '');
const titles = (svg: string) => [...doc(svg).querySelectorAll('title')].map((t) => t.textContent ?? '');

describe('analyses figures as files', () => {
	const one = analysis(240, 0);
	const figures = analysisFigures([{ label: 'dataset "tasks"', analysis: one }]);

	it('gives the /analyses page its five charts with captions stating n and that there are no intervals', () => {
		expect(figures.map((f) => f.id)).toEqual(['verb-noun', 'rouge-to-seeds', 'length-instruction', 'length-input', 'length-output']);
		for (const f of figures) {
			expect(f.caption).toMatch(/n = [\d,]+ (instructions|instances)/);
			expect(f.caption).toContain('not a sample: no intervals');
		}
		expect(figures[1].caption).toContain(`n = ${one.seedSimilarity!.n} instructions`);
		expect(figures[3].caption).toContain(`n = ${one.lengths.input.n} instances`);
	});

	it('draws each histogram with its title, axis labels, legend, caption and every bar\'s count as text', () => {
		for (const f of figures.filter((x) => x.chart.kind === 'histogram')) {
			const svg = figureSvg(f);
			expect(new Resvg(svg).width).toBe(FIGURE_WIDTH);
			const all = texts(svg).join('\n');
			expect(all).toContain(f.title.slice(0, 30));
			expect(all).toContain('Share (%)');
			expect(all).toMatch(f.id === 'rouge-to-seeds' ? /ROUGE-L F to the most similar seed/ : /Words/);
			expect(all).toContain((f.legend[0] as { label: string }).label);
			expect(all.replace(/\n/g, ' ')).toMatch(/not a sample: no intervals/);
			const bars = f.chart.kind === 'histogram' ? f.chart.bars : [];
			const t = titles(svg);
			for (const b of bars.filter((x) => x.count > 0)) expect(t, `${f.id} ${b.range}`).toContain(`${b.range}: ${formatNumber(b.count)} (${(b.share * 100).toFixed(1)}%)`);
		}
	});

	it('labels the overflow bar of a length histogram "N+" on the drawing', () => {
		const b = new AnalysisBuilder({ extractor });
		for (let k = 0; k < 25; k++) b.addInstruction('Name a colour.', k + 3);
		b.addInstruction('Name a colour.', 5001);
		const f = analysisFigures([{ label: 'crafted', analysis: b.finish() }]).find((x) => x.id === 'length-instruction')!;
		const svg = figureSvg(f);
		expect(texts(svg)).toContain('65+');
		expect(texts(svg)).toContain('60');
		expect(texts(svg)).not.toContain('70');
		expect(titles(svg)).toContain('≥ 65 words: 1 (3.8%)');
	});

	it('draws the sunburst with the page\'s arcs, its verbs as text and each arc\'s count', () => {
		const f = figures[0];
		const svg = figureSvg(f);
		new Resvg(svg);
		const arcs = sunburstArcs(one.verbNoun.top, one.verbNoun.instructions, 520, { verb: 12, noun: 10.5 });
		const t = titles(svg);
		for (const a of arcs) expect(t).toContain(a.title);
		for (const a of arcs.filter((x) => x.label && x.depth === 1)) expect(texts(svg)).toContain(a.label!.text);
		expect(texts(svg).join(' ')).toContain('inner ring: root verb');
	});

	it('side by side: ids per column, shared scales, PNG at twice the size', () => {
		const two = analysisFigures([
			{ label: 'A', analysis: one },
			{ label: 'B', analysis: analysis(90, 3) }
		]);
		expect(two.map((f) => f.id)).toContain('rouge-to-seeds-2');
		const a = two.find((f) => f.id === 'length-output-1')!;
		const b = two.find((f) => f.id === 'length-output-2')!;
		expect(a.chart.kind === 'histogram' && b.chart.kind === 'histogram' && a.chart.yMax === b.chart.yMax && a.chart.xDomain[1] === b.chart.xDomain[1]).toBe(true);
		const svg = figureSvg(b);
		const png = figurePng(svg);
		const height = Number(/height="(\d+)"/.exec(svg)![1]);
		expect(pngSize(png)).toEqual({ width: FIGURE_WIDTH * PNG_SCALE, height: height * PNG_SCALE });
	});
});

describe('comparison figure as a file', () => {
	it('draws the differences with their numbers, the Newcombe interval and n in the caption', () => {
		const first = buildAuditReport(syntheticQualityInput(120), { replicates: 20, estimator: 'majority' });
		const second = buildAuditReport(syntheticQualityInput(80, 3), { replicates: 20, estimator: 'majority' });
		const c = compareReports(first, second);
		const [f] = comparisonFigures(c);
		expect(f.id).toBe('differences');
		const svg = figureSvg(f);
		new Resvg(svg);
		const all = texts(svg).join('\n');
		expect(all).toMatch(/difference \(percentage points\)/);
		expect(all).toContain('difference and its 95% interval');
		expect(all.replace(/\n/g, ' ')).toMatch(/Newcombe hybrid score intervals/);
		const rows = f.chart.kind === 'interval' ? f.chart.rows : [];
		expect(rows.length).toBeGreaterThan(3);
		for (const r of rows.filter((x) => x.value !== null)) {
			const v = r.value! * 100;
			expect(all).toContain(`${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(1)} pp`);
		}
		expect(f.caption).toMatch(/all tasks: n = \d+ vs \d+/);
	});
});

describe('ROUGE-L sweep figure as a file', () => {
	it('draws the page\'s bars and line with each threshold\'s numbers, and n per threshold in the caption', () => {
		const rows: SweepRow[] = [];
		const verdicts: FilterReportInput['verdicts'][number][] = [];
		const rougeByTask = new Map<number, number | null>();
		for (let k = 0; k < 120; k++) {
			const stratum = k < 80 ? 'kept' : 'rejected:rougeL';
			const rouge = k < 80 ? (k % 14) * 0.05 : 0.7 + (k % 6) * 0.05 + 0.01;
			rows.push({ taskId: k, stratum, rougeL: rouge });
			rougeByTask.set(k, rouge);
			if (k % 3 === 0) verdicts.push({ itemId: k, taskId: k, stratum, allValid: k % 2 === 0, tie: false, isGold: false });
		}
		const report = filterReport({ strata: [{ key: 'kept', population: 80, size: 27 }, { key: 'rejected:rougeL', population: 40, size: 13 }], verdicts, rougeByTask, rows, appliedThreshold: 0.7, confidence: 0.95 });
		const [f] = filterFigures({ ...report, audit: { name: 'Sweep & co' } });
		expect(f.id).toBe('rouge-sweep');
		const svg = figureSvg(f);
		expect(new Resvg(svg).width).toBe(FIGURE_WIDTH);
		const t = titles(svg);
		for (const p of report.sweep.points) {
			expect(t.some((x) => x.startsWith(`ROUGE-L ≤ ${p.threshold}${p.applied ? ' (applied)' : ''}: ${formatNumber(p.rows)} rows kept`))).toBe(true);
			if (p.correctness.proportion !== null) expect(t.some((x) => x.includes(`${(p.correctness.proportion! * 100).toFixed(1)}% fully valid`))).toBe(true);
		}
		const all = texts(svg).join(' ');
		expect(all).toContain('ROUGE-L threshold (keep if highest similarity ≤ threshold)');
		expect(all).toContain('↑ Rows kept');
		expect(all).toContain('Fully valid (%) ↑');
		expect(all).toContain('Sweep & co');
		expect(all).toContain('estimated fully valid and its 95% band');
		expect(f.caption).toContain(`0.5: ${report.sweep.points[0].judged}`);
		expect(filterFigures({ ...report, sweep: { ...report.sweep, available: false }, audit: { name: 'x' } })).toEqual([]);
	});
});
