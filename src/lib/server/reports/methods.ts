/** What the methods paragraph needs beyond the report: the audit's sampling settings and the population's size. */
import { db, type Db } from '../db';
import type { SamplingFrame } from '$lib/audits/sampling';
import { ppiBounded, tieBounds } from '$lib/judge/wording';
import { methodsParagraph, type MethodsFacts, type MethodsJudge, type MethodsText } from '$lib/reports/methods';
import type { JudgeAuditCalibration } from '../judge/calibration';
import type { AuditReport } from '$lib/reports/report';
import { ReportError } from './errors';
import { auditVerdictWeighted } from '../exports/quality';
import { datasetStatistics, type DatasetStatistics } from '../datasets/statistics';

/**
 * Table 1 beside an audit's report: the dataset's figures with the audit's sampling frame, so the
 * table can say how its count relates to the population the methods paragraph gives. Pairwise and
 * conversation frames count pairs and conversations, not the table's instructions: none is given.
 */
export function datasetFiguresForReport(audit: Pick<AuditReport['audit'], 'id' | 'kind' | 'datasetId'>, database: Db = db()): DatasetStatistics {
	const frame = audit.kind === 'quality' || audit.kind === 'rating' ? methodsFacts(audit.id, database).frame : null;
	return { ...datasetStatistics(audit.datasetId, {}, database), auditFrame: frame && { units: frame.units, filtered: frame.filtered } };
}

export function methodsFacts(auditId: number, database: Db = db()): MethodsFacts {
	const c = database.$client;
	const row = c
		.prepare<[number], { kind: string; datasetId: number; instanceMode: 'one' | 'all'; stratify: string; includeRejected: number; blind: number; guidelines: string; guidelinesChangedAt: number | null; goldRate: number; samplingFrame: string | null }>(
			`SELECT kind, dataset_id AS datasetId, instance_mode AS instanceMode, stratify, include_rejected AS includeRejected, blind, guidelines, guidelines_changed_at AS guidelinesChangedAt,
				gold_rate AS goldRate, sampling_frame AS samplingFrame
			 FROM audits WHERE id = ? AND status <> 'preparing'`
		)
		.get(auditId);
	if (!row) throw new ReportError(`No audit ${auditId}.`, 404);
	// Guidelines edited once labels were in are not what every reviewer read: how many labels came before the edit.
	let guidelinesChanged: MethodsFacts['guidelinesChanged'] = null;
	if (row.guidelinesChangedAt !== null) {
		const counts = c
			.prepare<[number, number], { before: number; labels: number }>('SELECT count(*) AS labels, coalesce(sum(submitted_at <= ?), 0) AS before FROM audit_labels WHERE audit_id = ?')
			.get(row.guidelinesChangedAt, auditId)!;
		if (counts.before > 0) guidelinesChanged = { labelsBefore: counts.before, labels: counts.labels };
	}
	return {
		// The frame recorded when the sample was drawn; older audits have none (the dataset's size now is not it).
		frame: row.samplingFrame ? (JSON.parse(row.samplingFrame) as SamplingFrame) : null,
		instanceMode: row.instanceMode,
		stratify: row.stratify,
		includeRejected: row.includeRejected === 1,
		blind: row.blind === 1,
		guidelineWords: row.guidelines.trim() ? row.guidelines.trim().split(/\s+/).length : 0,
		guidelinesChanged,
		goldRate: row.goldRate,
		// A verdict-stratified audit's population figure weights its strata by their sizes, as the export and card do.
		verdictWeighted: row.stratify === 'verdict' && row.kind === 'quality' ? auditVerdictWeighted(c, row.datasetId, auditId) : null,
		judge: null
	};
}

/** What the paragraph says of a judge run calibrated on the audit (report --judge, the report's judge section). */
export function methodsJudge(c: JudgeAuditCalibration): MethodsJudge {
	const e = c.estimate;
	return {
		model: c.run.model,
		runId: c.run.id,
		judgedItems: c.judgedItems,
		estimate: e
			? {
					method: e.method,
					design: e.design,
					estimate: e.estimate,
					lower: e.lower,
					upper: e.upper,
					confidence: e.confidence,
					lambda: e.lambda,
					populationRows: e.populationRows,
					auditedRows: e.auditedRows,
					effectiveSampleSize: e.effectiveSampleSize,
					fallback: e.fallback !== null,
					tieRange: judgeTieRange(c)
				}
			: null,
		note: c.estimateNote
	};
}

/** The judge estimate's headline range with tied audited items counted as "no" and as "yes" (null without ties), as the report page's. */
export function judgeTieRange(c: JudgeAuditCalibration): NonNullable<MethodsJudge['estimate']>['tieRange'] {
	const tr = c.tieRange;
	if (!tr) return null;
	const range = tieBounds(ppiBounded(tr.tiesAsNo), ppiBounded(tr.tiesAsYes));
	return range.low !== null && range.high !== null ? { tiedItems: tr.tiedItems, low: range.low, high: range.high, lower: range.lower, upper: range.upper } : null;
}

/** The methods paragraph of an audit's report, with the judge's PPI estimate when one was calibrated on it. */
export function auditMethods(report: AuditReport, database: Db = db(), judge: JudgeAuditCalibration | null = null): MethodsText {
	return methodsParagraph(report, { ...methodsFacts(report.audit.id, database), judge: judge ? methodsJudge(judge) : null });
}
