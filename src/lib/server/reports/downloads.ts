/**
 * The report's downloads: the report itself (JSON, CSV), every label (CSV, JSON Lines: one row per
 * reviewer's label, with reviewer, times and timestamps) and the final label of each item.
 */
import { db, type Db } from '../db';
import { REPORT_CSV_COLUMNS, comparisonCsvRows, reportCsvRows, type AuditComparison, type AuditReport, type ItemVerdict } from '$lib/reports';
import { csvRows, csvTable } from '$lib/formats/csv';
import { loadAudit } from './load';
import { WHOLE_CONVERSATION_POSITION } from '$lib/audits/rubric';
import type { AuditKind } from '$lib/reports/types';
import { storedFlag } from '../db/stored';
import { openReader } from '../exports/query';
import { withShapeVerdicts } from './shapes';
import { choiceFromVerdict, responseOrder, type PairVerdict } from '$lib/audits/order';

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
	/**
	 * Pairwise audits: the choice in the pair's own order (A is response_a), with the two responses'
	 * models; absent for other kinds.
	 */
	pair?: {
		preference: string | null;
		/** The choice as the reviewer's screen showed the pair: A the response shown first (left), B the other (position bias). */
		screen_choice: string | null;
		/** The pair's response shown first (left) to this reviewer: a or b; null in an audit imported from a bundle (not known there). */
		shown_first: 'a' | 'b' | null;
		response_a_id: number;
		model_a: string;
		response_b_id: number;
		model_b: string;
	} | null;
	/** Conversation audits: each judged reply (position in the conversation; -1 = the whole conversation); absent for other kinds. */
	turns?: Array<{ position: number; valid: boolean; rating: string }>;
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

/** Labels per block of a download: each block is read, written and handed out before the next. */
const LABEL_BLOCK = 2_000;

type LabelRow = Omit<LabelRecord, 'is_gold' | 'instruction_valid' | 'input_valid' | 'output_valid' | 'ratings' | 'submitted_at' | 'updated_at'> & {
	id: number;
	is_gold: number;
	instruction_valid: number | null;
	input_valid: number | null;
	output_valid: number | null;
	submitted_at: number;
	updated_at: number;
};

/**
 * An audit's labels in download order (item, then submission), a block at a time, read from one
 * snapshot on a connection of its own (released when the blocks end or are abandoned). At 100,000
 * labels the whole list took 1.2 s to read and as long to write as CSV, all in the server's
 * thread; in blocks, other requests are answered between them. `options.models` is told, before
 * the first block, the rating models the CSV header names: the audit's, then any other in order of
 * first appearance.
 */
export function* labelBlocks(auditId: number, database: Db = db(), options: { models?: (models: string[]) => void } = {}): Generator<LabelRecord[]> {
	const audit = loadAudit(auditId, database); // 404 for an unknown audit
	const reader = openReader(database);
	try {
		const c = reader.client;
		const ids = c
			.prepare<[number], number>('SELECT l.id FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = ? ORDER BY i.position, l.submitted_at, l.id')
			.pluck()
			.all(auditId);
		if (options.models) {
			const order = new Map(ids.map((id, n) => [id, n]));
			const first = new Map<string, [number, string]>();
			for (const [labelId, model] of c.prepare<[number], [number, string]>('SELECT label_id, model FROM audit_label_ratings WHERE audit_id = ?').raw().all(auditId)) {
				const key: [number, string] = [order.get(labelId) ?? Infinity, model];
				const seen = first.get(model);
				if (!seen || key[0] < seen[0]) first.set(model, key);
			}
			const extra = [...first.values()]
				.filter(([, model]) => !audit.models.includes(model))
				.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
				.map(([, model]) => model);
			options.models([...new Set(audit.models), ...extra]);
		}
		const shown = c.prepare<[number], { blind: number; imported: number }>('SELECT blind, imported_at IS NOT NULL AS imported FROM audits WHERE id = ?').get(auditId)!;
		const blind = shown.blind === 1;
		const rowsOf = c.prepare<[string], LabelRow>(
			`SELECT l.id, l.audit_id, l.item_id, i.ref AS item_ref, i.position + 1 AS item_number, i.task_id, i.instance_id,
				i.is_gold, i.stratum, l.reviewer_id, u.email AS reviewer_email, u.name AS reviewer_name,
				l.instruction_valid, l.input_valid, l.output_valid, l.error_reason, l.comment, l.duration_ms, l.active_ms,
				l.submitted_at, l.updated_at, l.revision
			 FROM audit_labels l JOIN audit_items i ON i.id = l.item_id JOIN users u ON u.id = l.reviewer_id
			 WHERE l.id IN (SELECT value FROM json_each(?))`
		);
		const pairsOf = c.prepare<[string], { labelId: number; preference: string | null; response_a_id: number; model_a: string; response_b_id: number; model_b: string }>(
			`SELECT l.id AS labelId, l.preference, p.response_a_id, ra.model AS model_a, p.response_b_id, rb.model AS model_b
			 FROM audit_labels l JOIN audit_items i ON i.id = l.item_id JOIN preference_pairs p ON p.id = i.pair_id
			 JOIN responses ra ON ra.id = p.response_a_id JOIN responses rb ON rb.id = p.response_b_id
			 WHERE l.id IN (SELECT value FROM json_each(?))`
		);
		const turnsOf = c.prepare<[string], { labelId: number; position: number; valid: number; rating: string }>(
			'SELECT label_id AS labelId, position, valid, rating FROM audit_label_turns WHERE label_id IN (SELECT value FROM json_each(?)) ORDER BY label_id, position'
		);
		const ratingsOf = c.prepare<[string], { labelId: number; response_id: number; model: string; rating: string }>(
			'SELECT label_id AS labelId, response_id, model, rating FROM audit_label_ratings WHERE label_id IN (SELECT value FROM json_each(?)) ORDER BY label_id, model, response_id'
		);
		for (let start = 0; start < ids.length; start += LABEL_BLOCK) {
			const block = ids.slice(start, start + LABEL_BLOCK);
			const list = JSON.stringify(block);
			const rows = new Map(rowsOf.all(list).map((r) => [r.id, r]));
			const ratings = new Map<number, LabelRecord['ratings']>();
			if (audit.kind === 'rating') {
				for (const r of ratingsOf.all(list)) {
					let forLabel = ratings.get(r.labelId);
					if (!forLabel) ratings.set(r.labelId, (forLabel = []));
					forLabel.push({ response_id: r.response_id, model: r.model, rating: r.rating });
				}
			}
			const pairs = new Map<number, NonNullable<LabelRecord['pair']>>();
			if (audit.kind === 'pairwise') {
				for (const { labelId, ...pair } of pairsOf.all(list)) {
					const r = rows.get(labelId)!;
					// The order is derived from the reviewer's and the item's ids, renumbered when an audit is imported from a bundle: unknown there.
					const order = shown.imported ? null : responseOrder(2, r.reviewer_id, r.item_id, blind);
					const screen = pair.preference === null || !order ? null : choiceFromVerdict(pair.preference as PairVerdict, order);
					pairs.set(labelId, { preference: pair.preference, screen_choice: screen, shown_first: order ? (order[0] === 0 ? 'a' : 'b') : null, response_a_id: pair.response_a_id, model_a: pair.model_a, response_b_id: pair.response_b_id, model_b: pair.model_b });
				}
			}
			const turns = new Map<number, NonNullable<LabelRecord['turns']>>();
			if (audit.kind === 'conversation') {
				for (const t of turnsOf.all(list)) {
					let forLabel = turns.get(t.labelId);
					if (!forLabel) turns.set(t.labelId, (forLabel = []));
					forLabel.push({ position: t.position, valid: t.valid === 1, rating: t.rating });
				}
			}
			yield block.map((id) => {
				const r = rows.get(id)!;
				return {
					audit_id: r.audit_id,
					item_id: r.item_id,
					item_ref: r.item_ref,
					item_number: r.item_number,
					task_id: r.task_id,
					instance_id: r.instance_id,
					is_gold: r.is_gold === 1,
					stratum: r.stratum,
					reviewer_id: r.reviewer_id,
					reviewer_email: r.reviewer_email,
					reviewer_name: r.reviewer_name,
					instruction_valid: storedFlag(r.instruction_valid),
					input_valid: storedFlag(r.input_valid),
					output_valid: storedFlag(r.output_valid),
					error_reason: r.error_reason,
					ratings: ratings.get(id) ?? [],
					...(audit.kind === 'pairwise' ? { pair: pairs.get(id) ?? null } : {}),
					...(audit.kind === 'conversation' ? { turns: turns.get(id) ?? [] } : {}),
					comment: r.comment,
					duration_ms: r.duration_ms,
					active_ms: r.active_ms,
					submitted_at: new Date(r.submitted_at).toISOString(),
					updated_at: new Date(r.updated_at).toISOString(),
					revision: r.revision
				};
			});
		}
	} finally {
		reader.close();
	}
}

/** Every label of an audit, in download order. */
export function labelRecords(auditId: number, database: Db = db()): LabelRecord[] {
	return [...labelBlocks(auditId, database)].flat();
}

/** The labels download as text chunks, a block of labels each: CSV (header first) or JSON Lines. */
export function* labelsDownload(auditId: number, format: 'csv' | 'jsonl', database: Db = db()): Generator<string> {
	let models: string[] = [];
	let header = format === 'csv';
	const kind = loadAudit(auditId, database).kind;
	for (const block of labelBlocks(auditId, database, format === 'csv' ? { models: (m) => (models = m) } : {})) {
		if (format === 'jsonl') yield labelsJsonl(block);
		else {
			yield labelCsvRows(block, models, header, kind);
			header = false;
		}
	}
	if (header) yield labelCsvRows([], models, true, kind);
}

export function labelsJsonl(records: readonly LabelRecord[]): string {
	return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}

const LABEL_COLUMNS = [
	'audit_id', 'item_id', 'item_ref', 'item_number', 'task_id', 'instance_id', 'is_gold', 'stratum',
	'reviewer_id', 'reviewer_email', 'reviewer_name', 'instruction_valid', 'input_valid', 'output_valid', 'error_reason'
] as const;
const QUALITY_ANSWER_COLUMNS: readonly string[] = ['instruction_valid', 'input_valid', 'output_valid', 'error_reason'];
const LABEL_TRAILING_COLUMNS = ['comment', 'duration_ms', 'active_ms', 'submitted_at', 'updated_at', 'revision'] as const;

const PAIR_COLUMNS = ['preference', 'model_a', 'model_b', 'response_a_id', 'response_b_id', 'shown_first', 'screen_choice'] as const;

/** A conversation label's replies in one cell: "2:valid/A 4:not valid/C" ("whole:" for the conversation as a whole). */
function turnsCell(turns: NonNullable<LabelRecord['turns']>): string {
	return turns.map((t) => `${t.position === WHOLE_CONVERSATION_POSITION ? 'whole' : t.position}:${t.valid ? 'valid' : 'not valid'}/${t.rating}`).join(' ');
}

/**
 * Labels as CSV rows (with the header row when asked); rating audits get one `rating:<model>`
 * column per model, pairwise audits the choice and the pair's models, conversation audits a
 * `turns` column.
 */
function labelCsvRows(records: readonly LabelRecord[], allModels: readonly string[], header: boolean, kind: AuditKind): string {
	// Each kind its own answers: a pairwise label has no quality answers, and only rating audits rate models.
	const columns = kind === 'pairwise' ? LABEL_COLUMNS.filter((c) => !QUALITY_ANSWER_COLUMNS.includes(c)) : LABEL_COLUMNS;
	const models = kind === 'pairwise' || kind === 'conversation' ? [] : allModels;
	const rows = records.map((r) => [
		...columns.map((c) => r[c]),
		...models.map((m) => r.ratings.find((x) => x.model === m)?.rating ?? ''),
		...(kind === 'pairwise' ? PAIR_COLUMNS.map((c) => r.pair?.[c] ?? '') : []),
		...(kind === 'conversation' ? [turnsCell(r.turns ?? [])] : []),
		...LABEL_TRAILING_COLUMNS.map((c) => r[c])
	]);
	const extra = kind === 'pairwise' ? PAIR_COLUMNS : kind === 'conversation' ? ['turns'] : [];
	return header ? csv([...columns, ...models.map((m) => `rating:${m}`), ...extra, ...LABEL_TRAILING_COLUMNS], rows) : csvRows(rows);
}

const VERDICT_COLUMNS = [
	'itemId', 'taskId', 'instanceId', 'position', 'isClassification', 'stratum', 'labels', 'basis', 'adjudicated', 'tie',
	'allValid', 'instructionValid', 'inputValid', 'outputValid', 'category'
] as const;

/** Final label per item as CSV (ties written as empty cells, with tie = true). */
export function verdictsCsv(verdicts: readonly ItemVerdict[], models: readonly string[] = []): string {
	return [...itemsDownload(verdicts, 'csv', models)].join('');
}

/** An audit's items download from its verdicts (itemVerdicts), with the pairwise or conversation verdicts its kind has. */
export function auditItemsDownload(auditId: number, verdicts: readonly ItemVerdict[], format: 'csv' | 'jsonl', database: Db = db()): Generator<string> {
	const audit = loadAudit(auditId, database);
	return itemsDownload(withShapeVerdicts(auditId, audit.kind, verdicts, database), format, audit.models, audit.kind);
}

const PAIRWISE_VERDICT_COLUMNS = ['itemId', 'taskId', 'position', 'stratum', 'labels', 'basis', 'tie'] as const;
const PAIRWISE_CHOICE_COLUMNS = ['modelA', 'modelB', 'preference', 'preferredModel'] as const;

/** A conversation item's replies in one cell: "1:valid 2:tie 3:not valid". */
function repliesCell(replies: NonNullable<ItemVerdict['conversation']>['replies']): string {
	return replies.map((r) => `${r.reply}:${r.tie ? 'tie' : r.valid === null ? '' : r.valid ? 'valid' : 'not valid'}`).join(' ');
}

/** The CSV columns and cells of an item verdict, by the audit's kind: each kind its own judgements, no empty columns of another's. */
function verdictCsvShape(kind: AuditKind | undefined, models: readonly string[]): { columns: string[]; cells: (v: ItemVerdict) => unknown[] } {
	if (kind === 'pairwise') {
		return {
			columns: [...PAIRWISE_VERDICT_COLUMNS, ...PAIRWISE_CHOICE_COLUMNS, 'choseA', 'choseB', 'choseTie', 'choseBothBad'],
			cells: (v) => {
				const p = v.pairwise;
				return [...PAIRWISE_VERDICT_COLUMNS.map((c) => v[c]), ...PAIRWISE_CHOICE_COLUMNS.map((c) => p?.[c] ?? ''), p?.chose.a ?? 0, p?.chose.b ?? 0, p?.chose.tie ?? 0, p?.chose.both_bad ?? 0];
			}
		};
	}
	if (kind === 'conversation') {
		return {
			columns: [...PAIRWISE_VERDICT_COLUMNS, 'conversationValid', 'replies', 'ties'],
			cells: (v) => [...PAIRWISE_VERDICT_COLUMNS.map((c) => v[c]), v.conversation?.conversation.valid ?? '', repliesCell(v.conversation?.replies ?? []), v.ties.join(' ')]
		};
	}
	return {
		columns: [...VERDICT_COLUMNS, 'ties', ...models.map((m) => `rating:${m}`)],
		cells: (v) => [...VERDICT_COLUMNS.map((c) => v[c]), v.ties.join(' '), ...models.map((m) => v.ratingsByResponse?.find((r) => r.model === m)?.rating ?? '')]
	};
}

/** Items per block of a download's text. */
const ITEM_BLOCK = 2_000;

/**
 * The items download (each item's final label) as text chunks, a block of items each: CSV
 * (header first) or JSON Lines. Written a block at a time so that the server answers other
 * requests between them (50,000 items took 0.3 s as CSV).
 */
export function* itemsDownload(verdicts: readonly ItemVerdict[], format: 'csv' | 'jsonl', models: readonly string[] = [], kind?: AuditKind): Generator<string> {
	if (format === 'jsonl') {
		for (let start = 0; start < verdicts.length; start += ITEM_BLOCK) {
			yield verdicts
				.slice(start, start + ITEM_BLOCK)
				.map((v) => JSON.stringify(v) + '\n')
				.join('');
		}
		return;
	}
	const rating = verdicts.some((v) => v.ratingsByResponse);
	const shape = verdictCsvShape(kind, rating ? models : []);
	const rows = (block: readonly ItemVerdict[]) => block.map(shape.cells);
	yield csv(shape.columns, rows(verdicts.slice(0, ITEM_BLOCK)));
	for (let start = ITEM_BLOCK; start < verdicts.length; start += ITEM_BLOCK) yield csvRows(rows(verdicts.slice(start, start + ITEM_BLOCK)));
}
