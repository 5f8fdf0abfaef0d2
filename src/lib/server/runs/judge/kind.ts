/** The judge as a kind of run: its driver over the run's stored parameters. */
import type { RunKind } from '../kinds';
import { JudgeDriver } from './driver';
import { readJudgeParams } from './params';
import { JUDGE_PROBLEM_LABELS, judgeWorkFraction, readJudgeProgress, type JudgeProgress } from './progress';

export const judgeKind: RunKind<JudgeProgress> = {
	readProgress: readJudgeProgress,
	open(database, run) {
		const params = readJudgeParams(run.params);
		const model = (database.$client.prepare<[number], string>('SELECT model FROM generation_runs WHERE id = ?').pluck().get(run.id)!) ?? '';
		const driver = new JudgeDriver(database, { id: run.id, datasetId: run.datasetId, model, params });
		return { driver, steps: params.steps, batch: params.batch ? { pollMs: params.pollSeconds * 1000 } : undefined };
	},
	workFraction(_run, progress) {
		return judgeWorkFraction(progress);
	},
	labels(progress) {
		return Object.fromEntries(Object.keys(progress.judge.problems).map((k) => [k, JUDGE_PROBLEM_LABELS[k] ?? k]));
	}
};
