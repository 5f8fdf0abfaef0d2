/** What the analyses figures are drawn from, read from the query of the page they are on. */
import { analyze, AnalysisError, parseSeedChoice } from './analyze';
import { MAX_SIDE_BY_SIDE, parseAnalysisParams, parseScopeRef } from './params';
import type { AnalysisFigureSource } from '$lib/analyses/figures';

/** `s=…&s=…&seeds=…` (side by side) or the /analyses page's own parameters (one analysis). */
export async function analysisFigureSources(params: URLSearchParams): Promise<AnalysisFigureSource[]> {
	const refs = params.getAll('s').filter((s) => s.trim() !== '');
	if (refs.length) {
		if (refs.length > MAX_SIDE_BY_SIDE) throw new AnalysisError(`Side by side shows at most ${MAX_SIDE_BY_SIDE} datasets or runs.`);
		const seeds = parseSeedChoice(params.get('seeds'));
		const sources: AnalysisFigureSource[] = [];
		for (const ref of refs) {
			const r = await analyze(parseScopeRef(ref), { seeds });
			sources.push({ label: r.label, analysis: r.analysis });
		}
		return sources;
	}
	if (!params.has('dataset') && !params.has('run')) throw new AnalysisError('Choose a dataset or a generation run.');
	const { scope, seeds } = parseAnalysisParams(params);
	const r = await analyze(scope, { seeds });
	return [{ label: r.label, analysis: r.analysis }];
}
