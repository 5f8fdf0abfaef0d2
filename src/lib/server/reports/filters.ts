/** The filter report of an audit stratified by filter verdict: loads what $lib/reports/filter-report reads. */
import { db, type Db } from '../db';
import { filterReport, itemVerdictsOf, type FilterReport, type SweepRow } from '$lib/reports';
import { verdictStratum } from '$lib/audits/sampling';
import { latestFilterRun } from '../filters/apply';
import { ReportError } from './errors';
import { loadReportInput } from './load';
import { readRunParams } from '../runs/generation/params';

/**
 * The ROUGE-L rule whose similarities the dataset's tasks hold: the latest *Apply filters* (it
 * overwrites them), else the generation run that wrote the dataset (Self-Instruct and Alpaca runs
 * store each candidate's highest similarity as they go; Unnatural Instructions has no ROUGE-L).
 */
function appliedRougeL(datasetId: number, database: Db): { enabled: boolean; threshold: number } | null {
	const run = latestFilterRun(datasetId, database);
	if (run) return run.config.instruction.rougeL;
	const generation = database.$client.prepare<[number], { params: string }>("SELECT params FROM generation_runs WHERE dataset_id = ? AND pipeline IN ('self-instruct', 'alpaca') ORDER BY id LIMIT 1").get(datasetId);
	if (!generation) return null;
	const params = readRunParams(JSON.parse(generation.params));
	return params.pipeline === 'unnatural' ? null : params.filters.instruction.rougeL;
}

export interface AuditFilterReport extends FilterReport {
	audit: { id: number; name: string; datasetId: number };
	/** Set when the filters were applied again after the sample was drawn. */
	warning: string | null;
}

/** Whether an audit has a filter report (it was stratified by filter verdict). */
export function hasFilterReport(auditId: number, database: Db = db()): boolean {
	const row = database.$client.prepare<[number]>("SELECT 1 FROM audits WHERE id = ? AND status <> 'preparing' AND stratify = 'verdict' AND strata IS NOT NULL").get(auditId);
	return !!row;
}

export function auditFilterReport(auditId: number, options: { confidence?: number } = {}, database: Db = db()): AuditFilterReport {
	const c = database.$client;
	const audit = c.prepare<[number], { id: number; name: string; datasetId: number; stratify: string; strata: string | null; createdAt: number }>('SELECT id, name, dataset_id AS datasetId, stratify, strata, created_at AS createdAt FROM audits WHERE id = ? AND status <> \'preparing\'').get(auditId);
	if (!audit) throw new ReportError(`No audit ${auditId}.`, 404);
	if (audit.stratify !== 'verdict' || !audit.strata) {
		throw new ReportError(`Audit "${audit.name}" was not stratified by filter verdict, so it has no filter report; create one with stratify "verdict".`, 409);
	}
	const verdicts = itemVerdictsOf(loadReportInput(auditId, database));
	const rougeByTask = new Map<number, number | null>();
	for (const r of c
		.prepare<[number], { id: number; rouge: number | null }>('SELECT DISTINCT t.id, t.filter_rouge_l AS rouge FROM audit_items i JOIN tasks t ON t.id = i.task_id WHERE i.audit_id = ?')
		.all(auditId)) {
		rougeByTask.set(r.id, r.rouge);
	}
	const rows: SweepRow[] = [];
	const raw = c
		.prepare<[number], [number, number | null, string | null, string | null, string | null, string | null]>(
			`SELECT t.id, t.filter_rouge_l, t.filter_status, t.filter_rule, i.filter_status, i.filter_rule
			 FROM tasks t JOIN instances i ON i.task_id = t.id
			 WHERE t.dataset_id = ? AND (t.filter_status IS NOT NULL OR i.filter_status IS NOT NULL)`
		)
		.raw()
		.all(audit.datasetId);
	for (const [taskId, rouge, ts, tr, is, ir] of raw) {
		const stratum = verdictStratum({ status: ts, rule: tr }, { status: is, rule: ir });
		if (stratum) rows.push({ taskId, stratum, rougeL: rouge });
	}
	const run = latestFilterRun(audit.datasetId, database);
	const rouge = appliedRougeL(audit.datasetId, database);
	const report = filterReport({
		strata: JSON.parse(audit.strata),
		verdicts,
		rougeByTask,
		rows,
		appliedThreshold: rouge?.enabled ? rouge.threshold : null,
		confidence: options.confidence ?? 0.95
	});
	const warning =
		run && run.createdAt.getTime() > audit.createdAt
			? 'The filters were applied again after this sample was drawn: the weights are the rows of each stratum when it was drawn, but the threshold sweep reads the verdicts and similarities stored now.'
			: null;
	return { ...report, audit: { id: audit.id, name: audit.name, datasetId: audit.datasetId }, warning };
}
