/** What the analyses figures are drawn from, read from the query of the page they are on. */
import { analyze, AnalysisError, parseSeedChoice } from './analyze';
import { MAX_SIDE_BY_SIDE, parseAnalysisParams, parseScopeRef } from './params';
import { analysisFilePrefix, type AnalysisFigureSource } from '$lib/analyses/figures';
import type { AnalysisResult } from './analyze';

/** `s=…&s=…&seeds=…` (side by side) or the /analyses page's own parameters (one analysis). */
export async function analysisFigureSources(params: URLSearchParams): Promise<{ sources: AnalysisFigureSource[]; filePrefix: string }> {
	const results = await analysisResults(params);
	return { sources: results.map((r) => ({ label: r.label, analysis: r.analysis, covers: r.covers })), filePrefix: analysisFilePrefix(results) };
}

async function analysisResults(params: URLSearchParams): Promise<AnalysisResult[]> {
	const refs = params.getAll('s').filter((s) => s.trim() !== '');
	if (refs.length) {
		if (refs.length > MAX_SIDE_BY_SIDE) throw new AnalysisError(`Side by side shows at most ${MAX_SIDE_BY_SIDE} datasets or runs.`);
		const seeds = parseSeedChoice(params.get('seeds'));
		const results: AnalysisResult[] = [];
		for (const ref of refs) results.push(await analyze(parseScopeRef(ref), { seeds }));
		return results;
	}
	if (!params.has('dataset') && !params.has('run')) throw new AnalysisError('Choose a dataset or a generation run.');
	const { scope, seeds } = parseAnalysisParams(params);
	return [await analyze(scope, { seeds })];
}
