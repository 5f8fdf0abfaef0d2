/**
 * Which models a judge run's verdicts come from. A run retried with another model
 * (`retry-failed --model`, the run page's "Model for the retry") holds verdicts of both: the
 * run's `model` is only the one its calls go to now, so pages and the CLI show these counts.
 */
import type { Db } from '../../db';

/** One model's share of a judge run's verdicts (labels of any status; `parsed`: the readable ones). */
export interface JudgeModelVerdicts {
	model: string;
	verdicts: number;
	parsed: number;
}

/** Per run (those given), its verdicts by model, most first; a run without verdicts has none. One query for any number of runs. */
export function judgeVerdictModels(database: Db, runIds: readonly number[]): Map<number, JudgeModelVerdicts[]> {
	const rows = database.$client
		.prepare<[string], { runId: number; model: string; verdicts: number; parsed: number }>(
			`SELECT run_id AS runId, model, count(*) AS verdicts, sum(status = 'parsed') AS parsed FROM judge_labels
			 WHERE run_id IN (SELECT value FROM json_each(?)) GROUP BY run_id, model ORDER BY run_id, verdicts DESC, model`
		)
		.all(JSON.stringify(runIds));
	const byRun = new Map<number, JudgeModelVerdicts[]>();
	for (const { runId, ...m } of rows) {
		const list = byRun.get(runId) ?? [];
		list.push(m);
		byRun.set(runId, list);
	}
	return byRun;
}
