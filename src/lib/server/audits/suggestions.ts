import { cachedStatements, db, type Db } from '../db';
import { suggestionFromVerdicts, type ReviewSuggestion } from '../../audits/suggestions';
import { AuditError } from './errors';

/**
 * Judge suggestions for reviewers (issue #13; off by default because they anchor people): a
 * quality audit may name a quality judge run over its dataset (`audits.suggestion_run_id`); the
 * review screen then pre-fills the three answers with the judge's parsed verdict on the item's
 * instance, and the report and methods paragraph say that reviewers saw them.
 */

export interface SuggestionRunOption {
	id: number;
	name: string;
	model: string;
	status: string;
	datasetId: number;
}

/** The audit's suggestion run as reports name it: id and model (null when the audit has none, or it was deleted). */
export interface AuditSuggestionRun {
	runId: number;
	model: string;
	name: string;
}

function modeOf(params: string): string {
	try {
		const p = JSON.parse(params) as { mode?: unknown };
		return typeof p.mode === 'string' ? p.mode : 'quality';
	} catch {
		return '';
	}
}

/** Quality judge runs (over one dataset, or every dataset), newest first: what the new-audit form offers. */
export function suggestionRunOptions(datasetId?: number, database: Db = db()): SuggestionRunOption[] {
	return database.$client
		.prepare<[number | null, number | null], SuggestionRunOption & { params: string }>(
			"SELECT id, name, model, status, dataset_id AS datasetId, params FROM generation_runs WHERE pipeline = 'judge' AND dataset_id IS NOT NULL AND (? IS NULL OR dataset_id = ?) ORDER BY id DESC"
		)
		.all(datasetId ?? null, datasetId ?? null)
		.filter((r) => modeOf(r.params) === 'quality')
		.map(({ params: _params, ...r }) => r);
}

/**
 * Checks a suggestion run for a new audit: a quality audit, and a judge run in quality mode over
 * the same dataset. Returns its id; throws an AuditError naming the `suggestionRunId` field.
 */
export function checkSuggestionRun(runId: number, kind: string, datasetId: number, database: Db = db()): number {
	if (!Number.isSafeInteger(runId) || runId < 1) throw new AuditError('Suggestions come from a judge run: give its id (a whole number).', 400, 'invalid', 'suggestionRunId');
	if (kind !== 'quality') throw new AuditError('Judge suggestions are an option of data-quality audits.', 400, 'invalid', 'suggestionRunId');
	const run = database.$client
		.prepare<[number], { pipeline: string; datasetId: number | null; params: string }>('SELECT pipeline, dataset_id AS datasetId, params FROM generation_runs WHERE id = ?')
		.get(runId);
	if (!run || run.pipeline !== 'judge') throw new AuditError(`There is no judge run ${runId}.`, 400, 'invalid', 'suggestionRunId');
	if (modeOf(run.params) !== 'quality') throw new AuditError(`Judge run ${runId} does not answer the three quality questions (it is a ${modeOf(run.params)} judge).`, 400, 'invalid', 'suggestionRunId');
	if (run.datasetId !== datasetId) throw new AuditError(`Judge run ${runId} judged another dataset; choose a run over this audit's dataset.`, 400, 'invalid', 'suggestionRunId');
	return runId;
}

/** The audit's suggestion run, or null. */
export function auditSuggestionRun(auditId: number, database: Db = db()): AuditSuggestionRun | null {
	return (
		database.$client
			.prepare<[number], AuditSuggestionRun>(
				'SELECT r.id AS runId, r.model, r.name FROM audits a JOIN generation_runs r ON r.id = a.suggestion_run_id WHERE a.id = ?'
			)
			.get(auditId) ?? null
	);
}

/** The judge's parsed verdict on an instance as a suggestion, or null (no label, unparsed, no run). */
export function suggestionForInstance(auditId: number, instanceId: number, database: Db = db()): ReviewSuggestion | null {
	// Asked for every item a reviewer opens: compiled once per connection.
	const row = cachedStatements(database)
		.prepare<[number, number], { runId: number; model: string; verdicts: string | null }>(
			`SELECT l.run_id AS runId, l.model, l.verdicts FROM audits a
			 JOIN judge_labels l ON l.run_id = a.suggestion_run_id AND l.instance_id = ? AND l.status = 'parsed'
			 WHERE a.id = ? AND a.kind = 'quality'`
		)
		.get(instanceId, auditId);
	if (!row || row.verdicts === null) return null;
	let verdicts: unknown;
	try {
		verdicts = JSON.parse(row.verdicts);
	} catch {
		return null;
	}
	return suggestionFromVerdicts(row.runId, row.model, verdicts);
}
