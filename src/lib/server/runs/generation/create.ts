/**
 * Creating a run: resolve the endpoint (a stored one, or LLM_* variables), the seed pool and the
 * parameters, then write the run row and its new output dataset in one transaction. The run is
 * 'queued' until a process claims it (the server's run manager, or the CLI).
 */
import { db, transaction, type Db } from '../../db';
import type { GenerationRun, PipelineId } from '../../db/tables';
import { createDataset, DatasetError, findDatasetByName, getDataset } from '../../datasets/datasets';
import { endpointFromEnv, EndpointConfigError, publicEndpoint, type EndpointConfig } from '../../llm';
import { endpointConfig, getEndpointView, ENV_ENDPOINT_NAME } from '../endpoints';
import { getRun } from '../engine/run-rows';
import { buildRunParams, RunParamsError, type RunParamsRequest, type RunSeeds, type SeedSource } from './params';
import { emptyProgress } from './progress';
import { defaultSeedTasks, defaultUnnaturalSeedSets, parseUnnaturalSeedSets, seedTasksFromDataset, seedTasksFromFile } from './seeds';

export type RunEndpointChoice = { kind: 'stored'; id: number } | { kind: 'env' };

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
	/** Self-Instruct seed pool. */
	seeds?: SeedChoice;
	/** Unnatural Instructions seed sets (JSON text or value); default: ours. */
	seedSets?: unknown;
	createdBy?: number | null;
}

const PIPELINE_LABEL: Record<PipelineId, string> = { 'self-instruct': 'Self-Instruct', unnatural: 'Unnatural Instructions' };

export function pipelineLabel(pipeline: PipelineId): string {
	return PIPELINE_LABEL[pipeline];
}

/**
 * The endpoint a run's calls go to, key included (server only). A stored endpoint is read
 * afresh, so a key fixed after a failure is used on resume.
 */
export function resolveEndpoint(
	choice: RunEndpointChoice,
	model: string | undefined,
	database: Db = db(),
	env: NodeJS.ProcessEnv = process.env
): { config: EndpointConfig; name: string } {
	if (choice.kind === 'env') {
		let config: EndpointConfig | undefined;
		try {
			config = endpointFromEnv(model ? { ...env, LLM_MODEL: model } : env);
		} catch (err) {
			if (err instanceof EndpointConfigError) throw new RunParamsError(err.message, 'endpoint');
			throw err;
		}
		if (!config) throw new RunParamsError('No endpoint in the environment: set LLM_BASE_URL (or LLM_PRESET) and LLM_MODEL.', 'endpoint');
		return { config, name: ENV_ENDPOINT_NAME };
	}
	const stored = endpointConfig(choice.id, database);
	if (!stored) throw new RunParamsError('That endpoint no longer exists; choose another one in Admin → Endpoints.', 'endpoint');
	const name = getEndpointView(choice.id, database)!.name;
	return { config: model?.trim() ? { ...stored, model: model.trim() } : stored, name };
}

async function resolveSeeds(request: CreateRunRequest, database: Db): Promise<{ seeds: RunSeeds; source: SeedSource }> {
	if (request.pipeline === 'unnatural') {
		if (request.seedSets === undefined || request.seedSets === null || request.seedSets === '') {
			return { seeds: { kind: 'unnatural', sets: defaultUnnaturalSeedSets() }, source: { kind: 'default' } };
		}
		return { seeds: { kind: 'unnatural', sets: parseUnnaturalSeedSets(request.seedSets) }, source: { kind: 'custom' } };
	}
	const choice = request.seeds ?? { kind: 'default' };
	switch (choice.kind) {
		case 'default':
			return { seeds: { kind: 'self-instruct', tasks: defaultSeedTasks() }, source: { kind: 'default' } };
		case 'file':
			return {
				seeds: { kind: 'self-instruct', tasks: await seedTasksFromFile(choice.fileName, choice.content) },
				source: { kind: 'file', fileName: choice.fileName }
			};
		case 'dataset': {
			const dataset = getDataset(choice.datasetId, database);
			if (!dataset) throw new RunParamsError('The seed dataset does not exist.', 'seeds');
			return {
				seeds: { kind: 'self-instruct', tasks: seedTasksFromDataset(dataset.id, database) },
				source: { kind: 'dataset', datasetId: dataset.id, datasetName: dataset.name }
			};
		}
	}
}

export async function createRun(request: CreateRunRequest, database: Db = db(), env: NodeJS.ProcessEnv = process.env): Promise<GenerationRun> {
	const { config, name: endpointName } = resolveEndpoint(request.endpoint, request.model, database, env);
	const { seeds, source } = await resolveSeeds(request, database);
	const params = buildRunParams({ ...request, seedSource: source });
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
			.prepare(
				`INSERT INTO generation_runs (pipeline, name, status, endpoint_source, endpoint_id, endpoint, model, target, params, seeds,
					progress, created_at, updated_at, created_by)
				 VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
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
		database.$client.prepare('UPDATE generation_runs SET dataset_id = ? WHERE id = ?').run(dataset.id, runId);
		return getRun(runId, database)!;
	});
}
