/**
 * Tasks held back by a failed call: when the call that classifies a task or writes its
 * instances (Unnatural: its output) fails on its own prompt, the task is rejected with rule
 * 'callFailed' and the failure in its detail — visible in the dataset and in audits, kept out
 * of exports. If the call is retried and answered, the task is taken back before its reply is
 * stored. The task stays in the ROUGE-L pool throughout: it was accepted.
 */
import { CALL_FAILED_RULE } from '$lib/filters';
import type { Db } from '../../db';
import type { CommitScope } from '../engine/driver';
import type { CallFailure } from '../engine/failures';
import type { RunProgress } from './progress';

export { CALL_FAILED_RULE } from '$lib/filters';

/**
 * SQL condition for the tasks a driver rebuilds its pool from: accepted ones, including those
 * dropped later for their instances or held back by a failed call. `t` is the tasks table's alias.
 */
export function acceptedTasks(t = 'tasks'): string {
	return `(${t}.filter_status = 'kept' OR ${t}.filter_rule IN ('noInstances', '${CALL_FAILED_RULE}'))`;
}

export class HeldTasks {
	private readonly holdStmt;
	private readonly reholdStmt;
	private readonly releaseStmt;
	private readonly countStmt;

	constructor(database: Db) {
		const c = database.$client;
		this.countStmt = c.prepare<[number], number>(`SELECT count(*) FROM tasks WHERE run_id = ? AND filter_rule = '${CALL_FAILED_RULE}'`).pluck();
		this.holdStmt = c.prepare<[string, number, number]>(
			`UPDATE tasks SET filter_status = 'rejected', filter_rule = '${CALL_FAILED_RULE}', filter_detail = ? WHERE id = ? AND run_id = ? AND filter_status = 'kept'`
		);
		this.reholdStmt = c.prepare<[string, number, number]>(`UPDATE tasks SET filter_detail = ? WHERE id = ? AND run_id = ? AND filter_rule = '${CALL_FAILED_RULE}'`);
		this.releaseStmt = c.prepare<[number, number]>(
			`UPDATE tasks SET filter_status = 'kept', filter_rule = NULL, filter_detail = NULL WHERE id = ? AND run_id = ? AND filter_rule = '${CALL_FAILED_RULE}'`
		);
	}

	/** Holds the task back because `what` (e.g. "its instances call") failed; true if it was kept until now. */
	hold(taskId: number, what: string, failure: CallFailure, scope: CommitScope<RunProgress>): boolean {
		const detail = `${what} failed: ${failure.message}`;
		if (this.holdStmt.run(detail, taskId, scope.runId).changes === 1) {
			scope.progress.tasksFailed++;
			return true;
		}
		this.reholdStmt.run(detail, taskId, scope.runId);
		return false;
	}

	/** A retried call about the task was answered: the task is back (true if it was held), its reply is stored next. */
	release(taskId: number, scope: CommitScope<RunProgress>): boolean {
		if (this.releaseStmt.run(taskId, scope.runId).changes !== 1) return false;
		scope.progress.tasksFailed--;
		return true;
	}

	/** The run's tasks held back now, until their failed calls are retried and answered. */
	count(runId: number): number {
		return this.countStmt.get(runId) ?? 0;
	}
}
