/**
 * The judge run a report starts: over the rows the audit sampled from (its dataset, with the
 * filter-rejected rows when the audit included them, so the whole-dataset estimate can be
 * given), or over the audit's items only (calibration only).
 */
import { db, type Db } from '../db';
import type { GenerationRun } from '../db/tables';
import type { RunEndpointChoice } from '../runs/endpoints';
import { createJudgeRun } from '../runs/judge/create';
import { lastUnitId, selectedUnitIds } from '../runs/judge/units';
import { ReportError } from '../reports/errors';
import { judgeModeForAudit } from './calibration';

export interface ReportJudgeRunRequest {
	scope: 'dataset' | 'audit';
	endpoint: RunEndpointChoice;
	model?: string;
	batch?: boolean;
	createdBy?: number | null;
}

/** What a report's "whole dataset" run judges: the audit's dataset, filter-rejected rows too when the audit sampled from them. */
export interface ReportJudgeScope {
	includeRejected: boolean;
	/** Units (rows / responses / pairs) such a run would judge now, and how many of them a filter rejected. */
	units: number;
	rejectedUnits: number;
}

function auditRow(auditId: number, database: Db) {
	const audit = database.$client
		.prepare<[number], { datasetId: number; kind: string; includeRejected: number }>("SELECT dataset_id AS datasetId, kind, include_rejected AS includeRejected FROM audits WHERE id = ? AND status <> 'preparing'")
		.get(auditId);
	if (!audit) throw new ReportError(`No audit ${auditId}.`, 404);
	return audit;
}

export function reportJudgeScope(auditId: number, database: Db = db()): ReportJudgeScope | null {
	const audit = auditRow(auditId, database);
	const mode = judgeModeForAudit(audit.kind);
	if (!mode) return null;
	const upTo = lastUnitId(database, mode);
	const count = (includeRejected: boolean) => selectedUnitIds(database, mode, audit.datasetId, { kind: 'dataset', includeRejected }, upTo).length;
	const kept = count(false);
	if (audit.includeRejected !== 1) return { includeRejected: false, units: kept, rejectedUnits: 0 };
	const units = count(true);
	return { includeRejected: true, units, rejectedUnits: units - kept };
}

/** Creates (does not launch) the report's judge run in the mode the audit's kind calls for. */
export function createReportJudgeRun(auditId: number, request: ReportJudgeRunRequest, database: Db = db()): GenerationRun {
	const audit = auditRow(auditId, database);
	const mode = judgeModeForAudit(audit.kind);
	if (!mode) throw new ReportError(`There is no judge for ${audit.kind} audits yet.`);
	return createJudgeRun(
		{
			mode,
			...(request.scope === 'audit' ? { auditId } : { datasetId: audit.datasetId, includeRejected: audit.includeRejected === 1 }),
			endpoint: request.endpoint,
			model: request.model,
			batch: request.batch,
			createdBy: request.createdBy
		},
		database
	);
}
