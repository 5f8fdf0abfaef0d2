/**
 * The report's downloads: the report itself (JSON, CSV), every label (CSV, JSON Lines: one row per
 * reviewer's label, with reviewer, times and timestamps) and the final label of each item.
 */
import { db, type Db } from '../db';
import { REPORT_CSV_COLUMNS, comparisonCsvRows, reportCsvRows, type AuditComparison, type AuditReport, type ItemVerdict } from '$lib/reports';
import { csvTable } from '$lib/formats/csv';
import { loadAudit } from './load';
import { storedFlag } from '../db/stored';

// The app's one CSV writer: RFC 4180, CRLF, a header row, formula-like text neutralised.
const csv = (columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<unknown>>): string => csvTable(columns, rows);

export function reportCsv(report: AuditReport): string {
	const rows = reportCsvRows(report);
	return csv(REPORT_CSV_COLUMNS, rows.map((r) => REPORT_CSV_COLUMNS.map((c) => r[c])));
}

export function comparisonCsv(comparison: AuditComparison): string {
	const rows = comparisonCsvRows(comparison);
	return csv(REPORT_CSV_COLUMNS, rows.map((r) => REPORT_CSV_COLUMNS.map((c) => r[c])));
}

/** One reviewer's label as downloaded. */
export interface LabelRecord {
	audit_id: number;
	item_id: number;
	item_ref: string;
	/** 1-based position in the drawn sample. */
	item_number: number;
	task_id: number;
	instance_id: number | null;
	is_gold: boolean;
	stratum: string | null;
	reviewer_id: number;
	reviewer_email: string;
	reviewer_name: string;
	instruction_valid: boolean | null;
	input_valid: boolean | null;
	output_valid: boolean | null;
	error_reason: string | null;
	/** Rating audits: one entry per rated response. */
	ratings: Array<{ response_id: number; model: string; rating: string }>;
	comment: string;
	/** Server clock: submit minus when the item was first shown. */
	duration_ms: number;
	/** Client clock: time the page was visible and in use. */
	active_ms: number;
	submitted_at: string;
	updated_at: string;
	/** 1 on the first submit, +1 per edit. */
	revision: number;
}

export function labelRecords(auditId: number, database: Db = db()): LabelRecord[] {
	const c = database.$client;
	loadAudit(auditId, database); // 404 for an unknown audit
	const ratings = new Map<number, LabelRecord['ratings']>();
	for (const r of c
		.prepare<[number], { labelId: number; response_id: number; model: string; rating: string }>('SELECT label_id AS labelId, response_id, model, rating FROM audit_label_ratings WHERE audit_id = ? ORDER BY label_id, model, response_id')
		.all(auditId)) {
		const list = ratings.get(r.labelId) ?? [];
		list.push({ response_id: r.response_id, model: r.model, rating: r.rating });
		ratings.set(r.labelId, list);
	}
	const rows = c
		.prepare<[number], Record<string, unknown> & { id: number }>(
			`SELECT l.id, l.audit_id, l.item_id, i.ref AS item_ref, i.position + 1 AS item_number, i.task_id, i.instance_id,
				i.is_gold, i.stratum, l.reviewer_id, u.email AS reviewer_email, u.name AS reviewer_name,
				l.instruction_valid, l.input_valid, l.output_valid, l.error_reason, l.comment, l.duration_ms, l.active_ms,
				l.submitted_at, l.updated_at, l.revision
			 FROM audit_labels l JOIN audit_items i ON i.id = l.item_id JOIN users u ON u.id = l.reviewer_id
			 WHERE l.audit_id = ? ORDER BY i.position, l.submitted_at, l.id`
		)
		.all(auditId);
	return rows.map((r) => ({
		audit_id: r.audit_id as number,
		item_id: r.item_id as number,
		item_ref: r.item_ref as string,
		item_number: r.item_number as number,
		task_id: r.task_id as number,
		instance_id: r.instance_id as number | null,
		is_gold: r.is_gold === 1,
		stratum: r.stratum as string | null,
		reviewer_id: r.reviewer_id as number,
		reviewer_email: r.reviewer_email as string,
		reviewer_name: r.reviewer_name as string,
		instruction_valid: storedFlag(r.instruction_valid),
		input_valid: storedFlag(r.input_valid),
		output_valid: storedFlag(r.output_valid),
		error_reason: r.error_reason as string | null,
		ratings: ratings.get(r.id) ?? [],
		comment: r.comment as string,
		duration_ms: r.duration_ms as number,
		active_ms: r.active_ms as number,
		submitted_at: new Date(r.submitted_at as number).toISOString(),
		updated_at: new Date(r.updated_at as number).toISOString(),
		revision: r.revision as number
	}));
}

export function labelsJsonl(records: readonly LabelRecord[]): string {
	return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}

const LABEL_COLUMNS = [
	'audit_id', 'item_id', 'item_ref', 'item_number', 'task_id', 'instance_id', 'is_gold', 'stratum',
	'reviewer_id', 'reviewer_email', 'reviewer_name', 'instruction_valid', 'input_valid', 'output_valid', 'error_reason'
] as const;
const LABEL_TRAILING_COLUMNS = ['comment', 'duration_ms', 'active_ms', 'submitted_at', 'updated_at', 'revision'] as const;

/** Labels as CSV, one row per label; rating audits get one `rating:<model>` column per model. */
export function labelsCsv(records: readonly LabelRecord[], models: readonly string[] = []): string {
	const seen = [...new Set([...models, ...records.flatMap((r) => r.ratings.map((x) => x.model))])];
	const header = [...LABEL_COLUMNS, ...seen.map((m) => `rating:${m}`), ...LABEL_TRAILING_COLUMNS];
	return csv(
		header,
		records.map((r) => [
			...LABEL_COLUMNS.map((c) => r[c]),
			...seen.map((m) => r.ratings.find((x) => x.model === m)?.rating ?? ''),
			...LABEL_TRAILING_COLUMNS.map((c) => r[c])
		])
	);
}

const VERDICT_COLUMNS = [
	'itemId', 'taskId', 'instanceId', 'position', 'isClassification', 'stratum', 'labels', 'basis', 'adjudicated', 'tie',
	'allValid', 'instructionValid', 'inputValid', 'outputValid', 'category'
] as const;

/** Final label per item as CSV (ties written as empty cells, with tie = true). */
export function verdictsCsv(verdicts: readonly ItemVerdict[], models: readonly string[] = []): string {
	const rating = verdicts.some((v) => v.ratingsByResponse);
	const header = [...VERDICT_COLUMNS, 'ties', ...(rating ? models.map((m) => `rating:${m}`) : [])];
	return csv(
		header,
		verdicts.map((v) => [
			...VERDICT_COLUMNS.map((c) => v[c]),
			v.ties.join(' '),
			...(rating ? models.map((m) => v.ratingsByResponse?.find((r) => r.model === m)?.rating ?? '') : [])
		])
	);
}
