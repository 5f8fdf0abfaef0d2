/**
 * Creating a run: resolve the endpoint (a stored one, or LLM_* variables), the seed pool and the
 * parameters, then write the run row and its new output dataset in one transaction. The run is
 * 'queued' until a process claims it (the server's run manager, or the CLI).
 */
import { db, transaction, type Db } from '../../db';
import type { GenerationRun, PipelineId } from '../../db/tables';
import { createDataset, DatasetError, findDatasetByName, getDataset, receivingImport } from '../../datasets/datasets';
import { publicEndpoint } from '../../llm';
import { resolveEndpoint, type RunEndpointChoice } from '../endpoints';
import { DEFAULT_FAILED_CALL_SHARE } from '../engine/failures';
import { getRun } from '../engine/run-rows';
import { RunParamsError } from '../errors';
import { buildRunParams, type RunParamsRequest, type RunSeeds, type SeedSource } from './params';
import { emptyProgress } from './progress';
import { defaultSeedTasks, defaultUnnaturalSeedSets, parseUnnaturalSeedSets, seedsWithoutOutput, seedsWithoutOutputText, seedTasksFromDataset, readSeedFile } from './seeds';
import { processEnv } from '../../config';

export type SeedChoice =
	| { kind: 'default' }
	| { kind: 'file'; fileName: string; content: string | Uint8Array }
	| { kind: 'dataset'; datasetId: number };

export interface CreateRunRequest extends Omit<RunParamsRequest, 'seedSource'> {
	name?: string;
	/** Name of the new dataset the run writes to (default "<pipeline> run <id>"). */
	datasetName?: string;
	endpoint: RunEndpointChoice;
	/** Overrides the endpoint's model. */
	model?: string;
	/** Self-Instruct and Alpaca seed pool. */
	seeds?: SeedChoice;
	/** Unnatural Instructions seed sets (JSON text or value); default: ours. */
	seedSets?: unknown;
	/** The file the seed sets were read from, named in their errors (the CLI's --seed-sets). */
	seedSetsFile?: string;
	/** Alpaca: go on although some seed tasks have no output (the prompt would show them with an empty one). */
	allowSeedsWithoutOutputs?: boolean;
	/** The share guard: pause when more than this share of recent calls fail on their own prompt (default 5%). */
	failedCallShare?: number;
	createdBy?: number | null;
}

const PIPELINE_LABEL: Record<PipelineId, string> = { 'self-instruct': 'Self-Instruct', unnatural: 'Unnatural Instructions', alpaca: 'Alpaca' };

export function pipelineLabel(pipeline: PipelineId): string {
	return PIPELINE_LABEL[pipeline];
}

async function resolveSeeds(request: CreateRunRequest, database: Db): Promise<{ seeds: RunSeeds; source: SeedSource }> {
	if (request.pipeline === 'unnatural') {
		if (request.seedSets === undefined || request.seedSets === null || request.seedSets === '') {
			return { seeds: { kind: 'unnatural', sets: defaultUnnaturalSeedSets() }, source: { kind: 'default' } };
		}
		const sets = parseUnnaturalSeedSets(request.seedSets, request.seedSetsFile);
		// The form shows our sets to edit: sent back unchanged they are the defaults, not an edit.
		const edited = JSON.stringify(sets) !== JSON.stringify(defaultUnnaturalSeedSets());
		return { seeds: { kind: 'unnatural', sets }, source: { kind: edited ? 'custom' : 'default' } };
	}
	const choice = request.seeds ?? { kind: 'default' };
	switch (choice.kind) {
		case 'default':
			return { seeds: { kind: 'self-instruct', tasks: defaultSeedTasks() }, source: { kind: 'default' } };
		case 'file': {
			const { tasks, merged } = await readSeedFile(choice.fileName, choice.content);
			return { seeds: { kind: 'self-instruct', tasks }, source: { kind: 'file', fileName: choice.fileName, ...(merged > 0 ? { merged } : {}) } };
		}
		case 'dataset': {
			const dataset = getDataset(choice.datasetId, database);
			if (!dataset) throw new RunParamsError(receivingImport({ id: choice.datasetId }, database) ?? 'The seed dataset does not exist.', 'seeds');
			return {
				seeds: { kind: 'self-instruct', tasks: seedTasksFromDataset(dataset.id, database) },
				source: { kind: 'dataset', datasetId: dataset.id, datasetName: dataset.name }
			};
		}
	}
}

export async function createRun(request: CreateRunRequest, database: Db = db(), env: NodeJS.ProcessEnv = processEnv()): Promise<GenerationRun> {
	const { config, name: endpointName } = resolveEndpoint(request.endpoint, request.model, database, env);
	const { seeds, source } = await resolveSeeds(request, database);
	const params = buildRunParams({ ...request, seedSource: source });
	if (params.pipeline === 'self-instruct' && params.classificationOnly && seeds.kind === 'self-instruct') {
		const classification = seeds.tasks.filter((t) => t.isClassification === true).length;
		if (classification < 2) {
			throw new RunParamsError(`Classification-only mode needs at least 2 seed tasks marked as classification; the seeds have ${classification}.`, 'seeds');
		}
	}
	if (params.pipeline === 'alpaca' && seeds.kind === 'self-instruct' && !request.allowSeedsWithoutOutputs) {
		const without = seedsWithoutOutput(seeds.tasks);
		if (without > 0) throw new RunParamsError(seedsWithoutOutputText(without, seeds.tasks.length), 'seeds');
	}
	const failedCallShare = request.failedCallShare ?? DEFAULT_FAILED_CALL_SHARE;
	if (!(failedCallShare > 0 && failedCallShare <= 1)) {
		throw new RunParamsError('The share of failed calls allowed is above 0% and at most 100%.', 'failedCallShare');
	}
	const label = PIPELINE_LABEL[request.pipeline];
	const wantedDataset = request.datasetName?.trim();
	if (wantedDataset && findDatasetByName(wantedDataset, database)) {
		throw new RunParamsError(`A dataset named "${wantedDataset}" already exists; a run writes to a new dataset.`, 'datasetName');
	}
	return transaction(database, () => {
		const now = Date.now();
		const endpointSnapshot = { name: endpointName, ...publicEndpoint(config) };
		const runName = request.name?.trim() || `${label} · ${params.target} · ${config.model}`;
		const result = database.$client
			.prepare<[string, string, string, number | null, string, string, number, string, string, string, number, number, number, number | null]>(
				`INSERT INTO generation_runs (pipeline, name, status, endpoint_source, endpoint_id, endpoint, model, target, params, seeds,
					progress, failed_call_share, created_at, updated_at, created_by)
				 VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
			)
			.run(
				request.pipeline,
				runName.slice(0, 200),
				request.endpoint.kind,
				request.endpoint.kind === 'stored' ? request.endpoint.id : null,
				JSON.stringify(endpointSnapshot),
				config.model,
				params.target,
				JSON.stringify(params),
				JSON.stringify(seeds),
				JSON.stringify(emptyProgress(config.priceInputPer1M !== undefined || config.priceOutputPer1M !== undefined)),
				failedCallShare,
				now,
				now,
				request.createdBy ?? null
			);
		const runId = Number(result.lastInsertRowid);
		let dataset;
		try {
			dataset = createDataset(
				{
					name: wantedDataset || `${label} run ${runId}`,
					description: `Generated by run ${runId} (${label}, target ${params.target}, model ${config.model}).`,
					createdBy: request.createdBy ?? null
				},
				database
			);
		} catch (err) {
			if (err instanceof DatasetError) throw new RunParamsError(err.message, 'datasetName');
			throw err;
		}
		database.$client.prepare<[number, number]>('UPDATE generation_runs SET dataset_id = ? WHERE id = ?').run(dataset.id, runId);
		return getRun(runId, database)!;
	});
}
