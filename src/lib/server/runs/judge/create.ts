/**
 * Creating a judge run: resolve the endpoint, fix the rows it covers and how its calls are made,
 * and write the run row (pipeline 'judge', dataset = the dataset judged). The run is 'queued'
 * until a process claims it (the server's run manager, or `judge` in the CLI).
 */
import { processEnv } from '../../config';
import { db, transaction, type Db } from '../../db';
import type { GenerationRun } from '../../db/tables';
import { getDataset, receivingImport } from '../../datasets/datasets';
import { publicEndpoint } from '../../llm';
import { resolveEndpoint, type RunEndpointChoice } from '../endpoints';
import { DEFAULT_FAILED_CALL_SHARE } from '../engine/failures';
import { getRun } from '../engine/run-rows';
import { RunParamsError } from '../errors';
import { buildJudgeParams, JUDGE_MODE_AUDIT_KIND, type JudgeMode } from './params';
import { firstExchangeOnly, lastUnitId, selectedUnitIds } from './units';
import { emptyJudgeProgress } from './progress';

export interface CreateJudgeRunRequest {
	/** quality (default): the three questions per row; rating: A–D per model response; pairwise: each preference pair, both orders. */
	mode?: JudgeMode;
	/** The dataset judged; with `auditId` alone, the audit's dataset. */
	datasetId?: number;
	/** Judge only the instances this audit showed (its sampled items). */
	auditId?: number;
	/** Also judge rows a filter rejected (whole dataset only). */
	includeRejected?: boolean;
	endpoint: RunEndpointChoice;
	model?: string;
	/** Through the OpenAI Batch API (about half the price, results within 24 h). */
	batch?: boolean;
	pollSeconds?: number;
	/** An edited template (the mode's placeholders, e.g. {{instruction}}, {{input}}, {{output}}); default ours. */
	template?: string;
	maxTokens?: number;
	name?: string;
	createdBy?: number | null;
}

export function createJudgeRun(request: CreateJudgeRunRequest, database: Db = db(), env: NodeJS.ProcessEnv = processEnv()): GenerationRun {
	const { config, name: endpointName } = resolveEndpoint(request.endpoint, request.model, database, env);
	let datasetId = request.datasetId;
	const mode = request.mode ?? 'quality';
	if (request.auditId !== undefined) {
		const audit = database.$client.prepare<[number], { datasetId: number; kind: string }>("SELECT dataset_id AS datasetId, kind FROM audits WHERE id = ? AND status <> 'preparing'").get(request.auditId);
		if (!audit) throw new RunParamsError(`There is no audit ${request.auditId}.`, 'audit');
		const wanted = JUDGE_MODE_AUDIT_KIND[mode];
		if (audit.kind !== wanted)
			throw new RunParamsError(
				mode === 'quality'
					? 'The quality judge answers the three questions: choose a quality audit (or the rating / pairwise judge for this one).'
					: `The ${mode} judge is calibrated against ${wanted} audits: choose a ${wanted} audit.`,
				'audit'
			);
		if (datasetId !== undefined && datasetId !== audit.datasetId) throw new RunParamsError(`Audit ${request.auditId} is of another dataset.`, 'audit');
		datasetId = audit.datasetId;
	}
	if (datasetId === undefined) throw new RunParamsError('Choose the dataset to judge.', 'dataset');
	const dataset = getDataset(datasetId, database);
	if (!dataset) throw new RunParamsError(receivingImport({ id: datasetId }, database) ?? `There is no dataset ${datasetId}.`, 'dataset');
	return transaction(database, () => {
		const upTo = lastUnitId(database, mode);
		const selection =
			request.auditId !== undefined ? ({ kind: 'audit-items', auditId: request.auditId } as const) : ({ kind: 'dataset', includeRejected: !!request.includeRejected } as const);
		const params = buildJudgeParams({
			mode,
			selection,
			upToInstanceId: upTo,
			batch: request.batch,
			pollSeconds: request.pollSeconds,
			template: request.template,
			maxTokens: request.maxTokens
		});
		const units = selectedUnitIds(database, mode, dataset.id, selection, upTo);
		const rows = units.length;
		// A conversation is judged on its first exchange only: the run keeps how many go on past it, to say so.
		const conversations = mode === 'quality' ? firstExchangeOnly(database, units) : null;
		if (conversations) params.firstExchangeOnly = conversations;
		const unitName = { quality: 'rows', rating: 'model responses', pairwise: 'preference pairs' }[mode];
		if (rows === 0) throw new RunParamsError(`Nothing to judge: dataset "${dataset.name}" has no ${selection.kind === 'audit-items' ? 'audited ' : ''}${unitName}.`, 'dataset');
		const now = Date.now();
		const name =
			request.name?.trim() ||
			`Judge${mode === 'quality' ? '' : ` (${mode})`} · ${dataset.name}${selection.kind === 'audit-items' ? ` (audit ${request.auditId} items)` : ''} · ${config.model}${params.batch ? ' · batch' : ''}`;
		const result = database.$client
			.prepare<[string, number, string, number | null, string, string, number, string, string, number, number, number, number | null]>(
				`INSERT INTO generation_runs (pipeline, name, status, dataset_id, endpoint_source, endpoint_id, endpoint, model, target, params, seeds,
					progress, failed_call_share, created_at, updated_at, created_by)
				 VALUES ('judge', ?, 'queued', ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?, ?, ?)`
			)
			.run(
				name.slice(0, 200),
				dataset.id,
				request.endpoint.kind,
				request.endpoint.kind === 'stored' ? request.endpoint.id : null,
				JSON.stringify({ name: endpointName, ...publicEndpoint(config) }),
				config.model,
				rows,
				JSON.stringify(params),
				JSON.stringify(emptyJudgeProgress(rows, config.priceInputPer1M !== undefined || config.priceOutputPer1M !== undefined)),
				DEFAULT_FAILED_CALL_SHARE,
				now,
				now,
				request.createdBy ?? null
			);
		return getRun(Number(result.lastInsertRowid), database)!;
	});
}
