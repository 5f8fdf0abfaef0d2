/**
 * The analyses pages' charts as figures a paper can use (Self-Instruct Figures 2–4): the
 * verb–noun sunburst, the ROUGE-L-to-seeds histogram and the three length histograms, each with
 * a title, axis labels, a legend and a caption stating n (they count every row, so there is no
 * interval). One analysis gives the /analyses page's charts; several give the side-by-side page's,
 * on the same shared scales and in the same column colours. The server renders them to SVG and
 * PNG with the pages' own chart code (src/lib/server/reports/figures.ts).
 */
import { SIMILARITY_ABOVE_NOTE, VERB_NOUN_LEMMA_NOTE, seedTasksLeftOutText, topVerbsText, tokenlessText, similarityAbove, similarityRules, type DatasetAnalysis } from './analysis';
import { ACCENT } from '$lib/components/charts/plot-theme';
import { SUNBURST_HUES } from '$lib/components/analyses/sunburst-layout';
import { LENGTH_FIELDS, lengthBars, maxShare, overflowText, sharedLengthScale, similarityBars } from '$lib/components/analyses/view';
import { formatCount, formatNumber } from '$lib/text/words';
import { fmt, pctOf } from '$lib/components/analyses/format';
import type { ReportFigure } from '$lib/reports/figures';

/** The side-by-side page's column colours, the same in every section. */
export const SIDE_BY_SIDE_COLOURS = ['#1f4e79', '#b5562b', '#2e7d4f', '#7a3e9d'];
/** The single page's length histograms. */
export const LENGTH_COLOUR = '#2e7d4f';

export interface AnalysisFigureSource {
	label: string;
	analysis: DatasetAnalysis;
	/** What the instruction and output figures cover, where less than every row holds (conversations, preference pairs). */
	covers?: { instruction: string | null; output: string | null };
}

/** The ids analysisFigures can give for `columns` sources (which of them it gives depends on the data). */
export function analysisFigureIds(columns: number): string[] {
	const ids = ['verb-noun', 'rouge-to-seeds', ...LENGTH_FIELDS.map(({ field }) => `length-${field}`)];
	return columns === 1 ? ids : Array.from({ length: columns }, (_, k) => ids.map((id) => `${id}-${k + 1}`)).flat();
}

/** What an analysis figure file is named after: the dataset and what of it was analysed. */
export interface AnalysisFileSource {
	datasetId: number;
	datasetName: string;
	scope: { kind: 'dataset'; keptOnly?: boolean } | { kind: 'run'; runId: number } | { kind: 'selection'; where: readonly string[] };
}

/**
 * The file-name prefix of analysis figures, named after the dataset(s) and their ids:
 * analysis-alpaca-5000.1 (its kept rows: .1-kept, a run's candidates: .1-run-5, an export
 * selection: .1-selection-<hash of its clauses>), side by side analyses-fx20.4-vs-alpaca.1.
 * A name with no ASCII letters or digits reads "dataset". Slugs never hold a dot, so the
 * ".<id>" makes the prefix differ whenever the datasets or scopes do: two names that slug
 * alike ("a b x", "a/../b (x)+") no longer share files, and --force, which removes this prefix's
 * figures a run does not write, removes only this analysis's own.
 */
export function analysisFilePrefix(sources: readonly AnalysisFileSource[]): string {
	const name = ({ datasetId, datasetName, scope }: AnalysisFileSource) => {
		const slug = datasetName.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40).replace(/-$/, '') || 'dataset';
		const what = scope.kind === 'run' ? `-run-${scope.runId}` : scope.kind === 'selection' ? `-selection-${clausesHash(scope.where)}` : scope.keptOnly ? '-kept' : '';
		return `${slug}.${datasetId}${what}`;
	};
	return sources.length === 1 ? `analysis-${name(sources[0])}` : `analyses-${sources.map(name).join('-vs-')}`;
}

/** 8 hex digits (FNV-1a) naming a selection's canonical clauses: short, and the same for the same selection. */
function clausesHash(where: readonly string[]): string {
	let h = 0x811c9dc5;
	for (const ch of where.join('\n')) h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193);
	return (h >>> 0).toString(16).padStart(8, '0');
}

const NO_INTERVAL = 'Counts of every row, not a sample: no intervals.';

/**
 * The figures of one analysis (the /analyses page) or of up to four side by side; side by side,
 * each id ends in the column's number (rouge-to-seeds-2) and the scales are shared.
 */
export function analysisFigures(sources: readonly AnalysisFigureSource[]): ReportFigure[] {
	const single = sources.length === 1;
	const analyses = sources.map((s) => s.analysis);
	const simBars = analyses.map((a) => similarityBars(a));
	const simMax = maxShare(...simBars);
	const lengths = LENGTH_FIELDS.map(({ field, title }) => {
		const scale = sharedLengthScale(analyses, field);
		const bars = analyses.map((a) => lengthBars(a.lengths[field], scale));
		return { field, title, scale, bars, yMax: maxShare(...bars) };
	});
	const figures: ReportFigure[] = [];
	sources.forEach(({ label, analysis: a, covers }, k) => {
		const suffix = single ? '' : `-${k + 1}`;
		const colour = single ? null : SIDE_BY_SIDE_COLOURS[k];
		const vn = a.verbNoun;
		if (vn.top.length) {
			figures.push({
				id: `verb-noun${suffix}`,
				title: `Top ${formatCount(vn.top.length, 'verb')} and ${vn.top.length === 1 ? 'its' : 'their'} top nouns in ${label}`,
				label: topVerbsText(vn.top.length),
				caption:
					(covers?.instruction ? `${covers.instruction}. ` : '') +
					`Root verb of each instruction (inner ring) and its first direct-object noun (outer ring), the top ${formatCount(vn.top.length, 'verb')} with ${vn.top.length === 1 ? 'its' : 'their'} top 4 nouns each, arcs sized by instructions (Self-Instruct Figure 2). ${VERB_NOUN_LEMMA_NOTE} ` +
					`n = ${formatCount(vn.instructions, 'instruction')}; ${formatNumber(vn.withPair)} (${pctOf(vn.withPair, vn.instructions)}) ${vn.withPair === 1 ? 'has' : 'have'} a verb–noun pair, ${formatNumber(vn.covered)} (${pctOf(vn.covered, vn.instructions)}) ${vn.covered === 1 ? 'is' : 'are'} in the arcs. ${NO_INTERVAL}`,
				legend: [
					{ kind: 'bar', label: 'inner ring: root verb', color: SUNBURST_HUES[0] },
					{ kind: 'bar', label: 'outer ring: its direct-object noun (lighter)', color: 'rgb(159, 180, 201)' }
				],
				chart: { kind: 'sunburst', top: vn.top, instructions: vn.instructions }
			});
		}
		const s = a.seedSimilarity;
		// No instruction compared (an empty selection): nothing to draw, and the page says so.
		if (s && s.n > 0) {
			const rules = similarityRules(s.threshold);
			figures.push({
				id: `rouge-to-seeds${suffix}`,
				title: `Highest ROUGE-L to the seed instructions, ${label}`,
				label: single ? 'Highest ROUGE-L to the seeds, share of instructions per 0.05 bin' : `Highest ROUGE-L to the seeds, ${label}`,
				caption:
					(covers?.instruction ? `${covers.instruction}. ` : '') +
					`Each instruction's highest ROUGE-L F to ${s.source} (${formatCount(s.seeds, 'seed instruction')}; ${seedTasksLeftOutText(s)}), share of instructions per 0.05 bin (Self-Instruct Figure 3). ` +
					(tokenlessText(s) ? `${tokenlessText(s)}. ` : '') +
					`n = ${formatCount(s.n, 'instruction')}; median ${fmt(s.quantiles[2], 3)}; ${similarityAbove(s).map((x) => `${x.label}: ${formatNumber(x.count)} (${pctOf(x.count, s.n)}; ${x.exactlyText})`).join(', ')}. ${SIMILARITY_ABOVE_NOTE}. ` +
					`Dashed ${rules.length === 1 ? `line at ${rules[0]}` : `lines at ${rules.join(' and ')}`}.${single ? '' : ' The y scale is shared by the datasets compared.'} ${NO_INTERVAL}`,
				legend: [
					{ kind: 'bar', label: 'share of instructions per bin', color: colour ?? ACCENT },
					{ kind: 'reference', label: `ROUGE-L ${rules.join(' and ')}` }
				],
				chart: { kind: 'histogram', bars: simBars[k], xLabel: single ? 'ROUGE-L F to the most similar seed' : 'ROUGE-L F', xDomain: [0, 1], yMax: simMax, rules, colour: colour ?? ACCENT, height: single ? 220 : 190 }
			});
		}
		for (const l of lengths) {
			const d = a.lengths[l.field];
			if (!d.n) continue;
			const unit = l.field === 'instruction' ? 'instructions' : 'instances';
			const covered = l.field === 'input' ? null : (covers?.[l.field] ?? null);
			const overflow = overflowText(l.bars[k], unit.slice(0, -1), unit);
			const widthText = formatCount(l.scale.width, 'word');
			figures.push({
				id: `length-${l.field}${suffix}`,
				title: `${l.title} in words, ${label}`,
				label: single ? `${l.title} in words, share per bin` : `${l.title} of ${label}`,
				caption:
					(covered ? `${covered}. ` : '') +
					`${l.title} in whitespace-separated words${l.field === 'input' ? ` (${formatCount(a.lengths.emptyInputs, 'empty input')} left out)` : ''}, share of ${unit} per bin of ${widthText} (Self-Instruct Figure 4); ${overflow ?? `no ${unit.slice(0, -1)} is longer than the last bar reaches`}${single ? '' : ' (the scale is shared by the datasets compared)'}. ` +
					`n = ${formatCount(d.n, unit.slice(0, -1), unit)}; mean ${fmt(d.mean)}, median ${fmt(d.quantiles[2])}, max ${fmt(d.max, 0)}. ${NO_INTERVAL}`,
				legend: [{ kind: 'bar', label: `share of ${unit} per bin`, color: colour ?? LENGTH_COLOUR }],
				chart: { kind: 'histogram', bars: l.bars[k], xLabel: 'Words', xDomain: [0, l.scale.cap + l.scale.width], yMax: l.yMax, rules: [], colour: colour ?? LENGTH_COLOUR, height: single ? 200 : 180 }
			});
		}
	});
	return figures;
}
