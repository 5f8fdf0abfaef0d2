/** What the methods paragraph needs beyond the report: the audit's sampling settings and the population's size. */
import { db, type Db } from '../db';
import type { SamplingFrame } from '$lib/audits/sampling';
import { headlineFallback, ppiBounded, tieBounds } from '$lib/judge/wording';
import { methodsParagraph, type MethodsFacts, type MethodsJudge, type MethodsText } from '$lib/reports/methods';
import type { JudgeAuditCalibration } from '../judge/calibration';
import type { AuditReport } from '$lib/reports/report';
import { ReportError } from './errors';
import { EARLIER_GUIDELINES, labelFirstGuidelinesVersion, labelGuidelinesVersion } from '../audits/guidelines-versions';
import { auditVerdictWeighted } from '../exports/quality';
import { datasetStatistics, type DatasetStatistics } from '../datasets/statistics';
import { judgeModelsText } from '$lib/runs/judge-models';

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
		.prepare<[number], { kind: string; datasetId: number; instanceMode: 'one' | 'all'; stratify: string; includeRejected: number; blind: number; guidelines: string; goldRate: number; samplingFrame: string | null }>(
			`SELECT kind, dataset_id AS datasetId, instance_mode AS instanceMode, stratify, include_rejected AS includeRejected, blind, guidelines,
				gold_rate AS goldRate, sampling_frame AS samplingFrame
			 FROM audits WHERE id = ? AND status <> 'preparing'`
		)
		.get(auditId);
	if (!row) throw new ReportError(`No audit ${auditId}.`, 404);
	// Guidelines edited once labels were in are not what every reviewer read: the labels given under each version.
	const guidelinesHistory = guidelinesHistoryOf(c, auditId, row.guidelines);
	return {
		// The frame recorded when the sample was drawn; older audits have none (the dataset's size now is not it).
		frame: row.samplingFrame ? (JSON.parse(row.samplingFrame) as SamplingFrame) : null,
		instanceMode: row.instanceMode,
		stratify: row.stratify,
		includeRejected: row.includeRejected === 1,
		blind: row.blind === 1,
		guidelineWords: wordCount(row.guidelines),
		guidelinesHistory,
		goldRate: row.goldRate,
		// A verdict-stratified audit's population figure weights its strata by their sizes, as the export and card do.
		verdictWeighted: row.stratify === 'verdict' && row.kind === 'quality' ? auditVerdictWeighted(c, row.datasetId, auditId) : null,
		judge: null
	};
}

/**
 * The audit's guidelines versions (audit_guidelines_versions; an audit never edited since versions
 * were kept has its one text, saved when last changed or at creation) with the labels as they stand
 * under each: a label counts under the version in force when it was last changed (an answer changed
 * after a rewrite was given under the new text), and those first given under an earlier version are
 * counted too; `labelsBefore`: labels under an earlier text that was not kept.
 */
function guidelinesHistoryOf(c: Db['$client'], auditId: number, current: string): NonNullable<MethodsFacts['guidelinesHistory']> {
	const kept = c
		.prepare<[number], { version: number; text: string; savedAt: number }>(
			'SELECT version, text, saved_at AS savedAt FROM audit_guidelines_versions WHERE audit_id = ? ORDER BY version'
		)
		.all(auditId);
	const versions = kept.length ? kept : [{ version: 1, text: current }];
	const counts = c
		.prepare<[number], { version: number; first: number; n: number }>(
			`SELECT ${labelGuidelinesVersion('l')} AS version, ${labelFirstGuidelinesVersion('l')} AS first, count(*) AS n
			 FROM audit_labels l WHERE l.audit_id = ? GROUP BY 1, 2`
		)
		.all(auditId);
	const count = (match: (r: { version: number; first: number }) => boolean) => counts.reduce((n, r) => n + (match(r) ? r.n : 0), 0);
	return {
		labelsBefore: count((r) => r.version === EARLIER_GUIDELINES),
		versions: versions.map((v) => ({
			version: v.version,
			words: wordCount(v.text),
			labels: count((r) => r.version === v.version),
			changedFromEarlier: count((r) => r.version === v.version && r.first < v.version)
		}))
	};
}

const wordCount = (text: string) => (text.trim() ? text.trim().split(/\s+/).length : 0);

/** What the paragraph says of a judge run calibrated on the audit (report --judge, the report's judge section). */
export function methodsJudge(c: JudgeAuditCalibration): MethodsJudge {
	const e = c.estimate;
	return {
		model: judgeModelsText(c.run.model, c.run.models).text,
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
					fallback: e.fallback === 'no-audit' ? true : e.fallback,
					tieRange: judgeTieRange(c)
				}
			: null,
		unreadableRows: c.population.unparsedRows,
		note: c.estimateNote
	};
}

/** The judge estimate's headline range with tied audited items counted as "no" and as "yes" (null without ties), as the report page's. */
export function judgeTieRange(c: JudgeAuditCalibration): NonNullable<MethodsJudge['estimate']>['tieRange'] {
	const tr = c.tieRange;
	if (!tr) return null;
	const range = tieBounds(ppiBounded(tr.tiesAsNo), ppiBounded(tr.tiesAsYes));
	const fallback = headlineFallback(c.estimate!, tr);
	return range.low !== null && range.high !== null
		? { tiedItems: tr.tiedItems, low: range.low, high: range.high, lower: range.lower, upper: range.upper, fallback: fallback === 'no-audit' ? null : fallback }
		: null;
}

/** The methods paragraph of an audit's report, with the judge's PPI estimate when one was calibrated on it. */
export function auditMethods(report: AuditReport, database: Db = db(), judge: JudgeAuditCalibration | null = null): MethodsText {
	return methodsParagraph(report, { ...methodsFacts(report.audit.id, database), judge: judge ? methodsJudge(judge) : null });
}
