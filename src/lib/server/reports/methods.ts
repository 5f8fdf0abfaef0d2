/** What the methods paragraph needs beyond the report: the audit's sampling settings and the population's size. */
import { db, type Db } from '../db';
import { datasetStatistics } from '../datasets/statistics';
import { methodsParagraph, type MethodsFacts, type MethodsJudge, type MethodsText } from '$lib/reports/methods';
import type { JudgeAuditCalibration } from '../judge/calibration';
import type { AuditReport } from '$lib/reports/report';
import { ReportError } from './errors';

export function methodsFacts(auditId: number, database: Db = db()): MethodsFacts {
	const row = database.$client
		.prepare<[number], { datasetId: number; instanceMode: 'one' | 'all'; stratify: string; includeRejected: number; blind: number; guidelines: string; goldRate: number }>(
			`SELECT dataset_id AS datasetId, instance_mode AS instanceMode, stratify, include_rejected AS includeRejected, blind, guidelines, gold_rate AS goldRate
			 FROM audits WHERE id = ? AND status <> 'preparing'`
		)
		.get(auditId);
	if (!row) throw new ReportError(`No audit ${auditId}.`, 404);
	// The population the sample was drawn from: kept rows only unless rejected ones were sampled too.
	const stats = datasetStatistics(row.datasetId, { keptOnly: !row.includeRejected }, database);
	return {
		population: { instructions: stats.instructions, instances: stats.instances },
		instanceMode: row.instanceMode,
		stratify: row.stratify,
		includeRejected: row.includeRejected === 1,
		blind: row.blind === 1,
		guidelineWords: row.guidelines.trim() ? row.guidelines.trim().split(/\s+/).length : 0,
		goldRate: row.goldRate,
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
					fallback: e.fallback !== null
				}
			: null,
		note: c.estimateNote
	};
}

/** The methods paragraph of an audit's report, with the judge's PPI estimate when one was calibrated on it. */
export function auditMethods(report: AuditReport, database: Db = db(), judge: JudgeAuditCalibration | null = null): MethodsText {
	return methodsParagraph(report, { ...methodsFacts(report.audit.id, database), judge: judge ? methodsJudge(judge) : null });
}
