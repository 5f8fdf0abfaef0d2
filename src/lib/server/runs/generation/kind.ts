/**
 * Generation as a kind of run: a Self-Instruct or Unnatural Instructions run opens as its
 * pipeline's driver over the run's stored parameters and seed pool.
 */
import type { RunKind } from '../kinds';
import { poolSeeds, readRunParams, type RunSeeds } from './params';
import { readProgress, ruleLabel, workFraction, type RunProgress } from './progress';
import { SelfInstructDriver } from './self-instruct';
import { AlpacaDriver } from './alpaca';
import { UnnaturalDriver } from './unnatural';

export const generationKind: RunKind<RunProgress> = {
	readProgress,

	open(database, run) {
		const params = readRunParams(run.params);
		const seeds = run.seeds as RunSeeds;
		if (params.pipeline === 'alpaca') {
			const driver = new AlpacaDriver(database, {
				id: run.id,
				datasetId: run.datasetId,
				params,
				seeds: poolSeeds(params, seeds)
			});
			return { driver, steps: params.steps };
		}
		const driver =
			params.pipeline === 'self-instruct'
				? new SelfInstructDriver(database, {
						id: run.id,
						datasetId: run.datasetId,
						params,
						seeds: poolSeeds(params, seeds)
					})
				: new UnnaturalDriver(database, {
						id: run.id,
						datasetId: run.datasetId,
						params,
						seedSets: seeds.kind === 'unnatural' ? seeds.sets : []
					});
		return { driver, steps: params.steps };
	},

	workFraction(run, progress) {
		const params = readRunParams(run.params);
		return workFraction(params.pipeline, run.target, progress, params.pipeline === 'unnatural' ? params.rephrasings : 0);
	},

	labels(progress) {
		const rules = ['noInstances', ...Object.keys(progress.rejected), ...Object.keys(progress.instances.byRule), ...Object.keys(progress.formulations.rejected), ...Object.keys(progress.replyProblems), ...Object.keys(progress.replyNotes)];
		return Object.fromEntries(rules.map((r) => [r, ruleLabel(r)]));
	}
};
