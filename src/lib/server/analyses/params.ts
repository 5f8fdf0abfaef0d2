/**
 * The analyses pages' URL parameters: what to analyse (`dataset`, `run`, or `dataset` with
 * `where` clauses for an export selection; `kept=1` leaves out filter-rejected rows) and the
 * seeds (`seeds=dataset:<id>|run:<id>|none`, default when absent). The side-by-side page takes
 * the scopes as repeated `s` values: `dataset:<id>`, `kept:<id>` or `run:<id>`.
 */
import { AnalysisError, parseSeedChoice, type AnalysisScope, type SeedChoice } from './analyze';

export const MAX_SIDE_BY_SIDE = 4;

function positiveId(value: string | null, name: string): number | null {
	if (value === null || value === '') return null;
	if (!/^\d+$/.test(value) || Number(value) < 1) throw new AnalysisError(`${name}: expected a positive whole number, got "${value.slice(0, 40)}".`, 400, name);
	return Number(value);
}

export function parseAnalysisParams(params: URLSearchParams): { scope: AnalysisScope; seeds: SeedChoice } {
	const seeds = parseSeedChoice(params.get('seeds'));
	const run = positiveId(params.get('run'), 'run');
	if (run !== null) return { scope: { kind: 'run', runId: run }, seeds };
	const dataset = positiveId(params.get('dataset'), 'dataset');
	if (dataset === null) throw new AnalysisError('Choose a dataset or a generation run to analyse.', 400, 'dataset');
	const where = params.getAll('where').filter((w) => w.trim() !== '');
	if (where.length > 30) throw new AnalysisError('Too many where clauses (at most 30).', 400, 'where');
	if (where.length) return { scope: { kind: 'selection', datasetId: dataset, where: where.map((w) => w.slice(0, 200)) }, seeds };
	return { scope: { kind: 'dataset', datasetId: dataset, keptOnly: params.get('kept') === '1' }, seeds };
}

/** "dataset:3", "kept:3" or "run:5" → a scope. */
export function parseScopeRef(ref: string): AnalysisScope {
	const m = /^(dataset|kept|run):(\d+)$/.exec(ref.trim());
	if (!m || Number(m[2]) < 1) throw new AnalysisError(`Expected dataset:<id>, kept:<id> or run:<id>, got "${ref.slice(0, 40)}".`, 400, 's');
	const id = Number(m[2]);
	return m[1] === 'run' ? { kind: 'run', runId: id } : { kind: 'dataset', datasetId: id, keptOnly: m[1] === 'kept' };
}

export function scopeRef(scope: AnalysisScope): string {
	if (scope.kind === 'run') return `run:${scope.runId}`;
	return `${scope.kind === 'dataset' && scope.keptOnly ? 'kept' : 'dataset'}:${scope.datasetId}`;
}

/** The query string of the single-analysis page for a scope. */
export function analysisQuery(scope: AnalysisScope, seeds?: string): string {
	const p = new URLSearchParams();
	if (scope.kind === 'run') p.set('run', String(scope.runId));
	else {
		p.set('dataset', String(scope.datasetId));
		if (scope.kind === 'dataset' && scope.keptOnly) p.set('kept', '1');
		if (scope.kind === 'selection') for (const w of scope.where) p.append('where', w);
	}
	if (seeds && seeds !== 'default') p.set('seeds', seeds);
	return p.toString();
}
