/**
 * Disagreements and a researcher's final word on them. Adjudications live in their own tables
 * (audit_adjudications + _ratings): reviewers' labels are never changed, and reports say how many
 * items use an adjudicated label.
 */
import { RATING_KEYS, REASON_KEYS } from '$lib/audits/rubric';
import { db, transaction, type Db } from '../db';
import {
	DISAGREEMENT_FILTERS,
	disagreementEntries,
	type DisagreementCounts,
	type DisagreementEntry,
	type DisagreementFilter,
	type ErrorReason,
	type Rating,
	type ReportAudit
} from '$lib/reports';
import { CATEGORY_LABELS } from '$lib/reports/format';
import { formatDateTime } from '$lib/text/dates';
import { ReportError } from './errors';
import { loadReportInput } from './load';
import { disagreementListOffThread } from './threads';

/**
 * The final label a researcher's form was made from: its `updatedAt` (ISO), or null when the item
 * had none. Saving refuses a form made from another state, so two researchers settling the same
 * item do not overwrite each other unseen. Left out (imports, scripts), nothing is checked.
 */
export type AdjudicationBase = string | null;

export type AdjudicationInput =
	| {
			kind: 'quality';
			instructionValid: boolean;
			inputValid: boolean;
			outputValid: boolean;
			/** Required when an answer is "no"; ignored (stored as null) when all three are "yes". */
			errorReason: ErrorReason | null;
			comment?: string;
			basedOn?: AdjudicationBase;
	  }
	| {
			kind: 'rating';
			/** One rating per response the item shows. */
			ratings: Array<{ responseId: number; rating: Rating }>;
			comment?: string;
			basedOn?: AdjudicationBase;
	  };

export const MAX_ADJUDICATION_COMMENT = 2000;

function itemOf(auditId: number, itemId: number, database: Db) {
	const row = database.$client
		.prepare<[number, number], { id: number; isGold: number; kind: 'quality' | 'rating'; archivedAt: number | null }>(
			`SELECT i.id, i.is_gold AS isGold, a.kind, a.archived_at AS archivedAt FROM audit_items i JOIN audits a ON a.id = i.audit_id WHERE i.id = ? AND i.audit_id = ?`
		)
		.get(itemId, auditId);
	if (!row) throw new ReportError('No such item in this audit.', 404);
	if (row.archivedAt !== null) throw new ReportError('This audit is archived, so it is read-only; restore it to adjudicate.');
	if (row.isGold) throw new ReportError('Gold items have known answers; they are not adjudicated.');
	return row;
}

interface StoredAdjudication {
	id: number;
	updatedAt: number;
	adjudicator: string | null;
	instructionValid: number | null;
	inputValid: number | null;
	outputValid: number | null;
	errorReason: ErrorReason | null;
}

function storedAdjudication(itemId: number, database: Db): StoredAdjudication | undefined {
	return database.$client
		.prepare<[number], StoredAdjudication>(
			`SELECT j.id, j.updated_at AS updatedAt, u.email AS adjudicator, j.instruction_valid AS instructionValid, j.input_valid AS inputValid,
				j.output_valid AS outputValid, j.error_reason AS errorReason
			 FROM audit_adjudications j LEFT JOIN users u ON u.id = j.adjudicator_id WHERE j.item_id = ?`
		)
		.get(itemId);
}

/** Refuses (409) a form made from another final label than the one stored, naming who set it and when. */
function checkBase(stored: StoredAdjudication | undefined, basedOn: AdjudicationBase | undefined, database: Db): void {
	if (basedOn === undefined || !stored) return;
	if (basedOn !== null && Date.parse(basedOn) === stored.updatedAt) return;
	const yn = (v: number | null) => (v === 1 ? 'yes' : v === 0 ? 'no' : '—');
	let verdict: string;
	if (stored.instructionValid !== null || stored.outputValid !== null) {
		verdict = `instruction ${yn(stored.instructionValid)}, input ${yn(stored.inputValid)}, output ${yn(stored.outputValid)} (${CATEGORY_LABELS[stored.errorReason ?? 'correct'].toLowerCase()})`;
	} else {
		verdict = database.$client
			.prepare<[number], { model: string; rating: string }>('SELECT model, rating FROM audit_adjudication_ratings WHERE adjudication_id = ? ORDER BY model')
			.all(stored.id)
			.map((r) => `${r.model} ${r.rating}`)
			.join(', ');
	}
	const who = stored.adjudicator ?? 'Someone (an account since removed, or an import)';
	throw new ReportError(`${who} set this item's final label on ${formatDateTime(stored.updatedAt)}, after you opened it: ${verdict}. Review it and set it again.`, 409);
}

/** Sets (or replaces) the final label of an item. */
export function setAdjudication(auditId: number, itemId: number, adjudicatorId: number | null, input: AdjudicationInput, database: Db = db()): void {
	const c = database.$client;
	const comment = (input.comment ?? '').trim();
	// Refused rather than cut: a researcher's note is not shortened unseen.
	if (comment.length > MAX_ADJUDICATION_COMMENT) throw new ReportError(`The comment is longer than ${MAX_ADJUDICATION_COMMENT} characters.`);
	transaction(database, () => {
		const item = itemOf(auditId, itemId, database);
		if (input.kind !== item.kind) throw new ReportError(`This is a ${item.kind} audit.`);
		checkBase(storedAdjudication(itemId, database), input.basedOn, database);
		const now = Date.now();
		let answers: [number | null, number | null, number | null, ErrorReason | null] = [null, null, null, null];
		let ratings: Array<{ responseId: number; model: string; rating: Rating }> = [];
		if (input.kind === 'quality') {
			const allYes = input.instructionValid && input.inputValid && input.outputValid;
			if (!allYes && !input.errorReason) throw new ReportError('Choose what is wrong with the item.');
			if (input.errorReason && !REASON_KEYS.includes(input.errorReason)) throw new ReportError('Unknown error reason.');
			answers = [+input.instructionValid, +input.inputValid, +input.outputValid, allYes ? null : input.errorReason];
		} else {
			const shown = c
				.prepare<[number], { responseId: number; model: string }>('SELECT ir.response_id AS responseId, r.model FROM audit_item_responses ir JOIN responses r ON r.id = ir.response_id WHERE ir.item_id = ?')
				.all(itemId);
			const given = new Map(input.ratings.map((r) => [r.responseId, r.rating]));
			if (given.size !== input.ratings.length) throw new ReportError('A response is rated twice.');
			for (const r of input.ratings) {
				if (!shown.some((s) => s.responseId === r.responseId)) throw new ReportError(`Response ${r.responseId} is not on this item.`);
				if (!RATING_KEYS.includes(r.rating)) throw new ReportError(`Unknown rating ${String(r.rating)}.`);
			}
			const missing = shown.filter((s) => !given.has(s.responseId));
			if (missing.length) throw new ReportError(`Rate every response (missing: ${missing.map((m) => m.model).join(', ')}).`);
			ratings = shown.map((s) => ({ ...s, rating: given.get(s.responseId)! }));
		}
		const { id } = c
			.prepare<unknown[], { id: number }>(
				`INSERT INTO audit_adjudications (audit_id, item_id, adjudicator_id, instruction_valid, input_valid, output_valid, error_reason, comment, created_at, updated_at)
				 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				 ON CONFLICT (item_id) DO UPDATE SET adjudicator_id = excluded.adjudicator_id, instruction_valid = excluded.instruction_valid,
					input_valid = excluded.input_valid, output_valid = excluded.output_valid, error_reason = excluded.error_reason,
					comment = excluded.comment, updated_at = excluded.updated_at
				 RETURNING id`
			)
			.get(auditId, itemId, adjudicatorId, ...answers, comment, now, now)!;
		c.prepare<[number]>('DELETE FROM audit_adjudication_ratings WHERE adjudication_id = ?').run(id);
		const insert = c.prepare<[number, number, string, unknown]>('INSERT INTO audit_adjudication_ratings (adjudication_id, response_id, model, rating) VALUES (?, ?, ?, ?)');
		for (const r of ratings) insert.run(id, r.responseId, r.model, r.rating);
	});
}

/**
 * Removes an item's adjudication: reports go back to the reviewers' majority. False when the item
 * had none. `basedOn` as for setAdjudication: a final label set since the page showed it is kept.
 */
export function clearAdjudication(auditId: number, itemId: number, database: Db = db(), basedOn?: AdjudicationBase): boolean {
	return transaction(database, () => {
		itemOf(auditId, itemId, database);
		checkBase(storedAdjudication(itemId, database), basedOn, database);
		return database.$client.prepare<[number, number]>('DELETE FROM audit_adjudications WHERE audit_id = ? AND item_id = ?').run(auditId, itemId).changes > 0;
	});
}

export interface DisagreementView extends DisagreementEntry {
	instruction: string;
	/** null when the item has no instance (rating items not tied to one). */
	input: string | null;
	/** Quality: the output under review. */
	output: string | null;
	responses: Array<{ responseId: number; model: string; text: string }>;
	/** The email of who set the final label (null: none, or an account since removed / an import). */
	adjudicator: string | null;
}

export interface DisagreementPage {
	audit: ReportAudit;
	filter: DisagreementFilter;
	counts: DisagreementCounts;
	entries: DisagreementView[];
	total: number;
	page: number;
	pages: number;
}

export function parseDisagreementFilter(value: string | null | undefined): DisagreementFilter {
	return (DISAGREEMENT_FILTERS as readonly string[]).includes(value ?? '') ? (value as DisagreementFilter) : 'all';
}

/**
 * One page of disagreements with the text reviewers saw, for adjudication: the entries computed in
 * the report thread (every label of the audit is read for the verdicts), the texts read here.
 */
export async function listDisagreements(
	auditId: number,
	options: { filter?: DisagreementFilter; page?: number; pageSize?: number } = {},
	database: Db = db()
): Promise<DisagreementPage> {
	const filter = options.filter ?? 'all';
	const list = await disagreementListOffThread(auditId, filter, { size: options.pageSize ?? 25, page: options.page ?? 1 }, database);
	return { ...list, filter, entries: withTexts(list.entries, list.audit.kind, database) };
}

/**
 * One item's disagreement entry whatever the filter (null when the item is neither disputed nor
 * adjudicated): the page shows it in place after a researcher settles it.
 */
export function disagreementEntry(auditId: number, itemId: number, database: Db = db()): DisagreementView | null {
	// That item alone: its entry depends on its own labels and adjudication only.
	const input = loadReportInput(auditId, database, { itemIds: [itemId] });
	// 'all' lists disputed items only: one whose reviewers have since come to agree is listed as adjudicated.
	const find = (filter: DisagreementFilter) => disagreementEntries(input, filter).entries.find((e) => e.itemId === itemId);
	const entry = find('all') ?? find('adjudicated');
	return entry ? withTexts([entry], input.audit.kind, database)[0] : null;
}

/** The text reviewers saw and who adjudicated, for a page of entries (three queries, whatever the page size). */
function withTexts(slice: DisagreementEntry[], kind: ReportAudit['kind'], database: Db): DisagreementView[] {
	const c = database.$client;
	const ids = JSON.stringify(slice.map((e) => e.itemId));
	const texts = new Map(
		(
			c
				.prepare<[string], { id: number; instruction: string; input: string | null; output: string | null }>(
					`SELECT i.id, t.instruction, n.input, n.output FROM audit_items i JOIN tasks t ON t.id = i.task_id
					 LEFT JOIN instances n ON n.id = i.instance_id WHERE i.id IN (SELECT value FROM json_each(?))`
				)
				.all(ids)
		).map((r) => [r.id, r])
	);
	const responses = new Map<number, DisagreementView['responses']>();
	for (const r of c
		.prepare<[string], { itemId: number; responseId: number; model: string; text: string }>(
			`SELECT ir.item_id AS itemId, r.id AS responseId, r.model, r.response AS text FROM audit_item_responses ir
			 JOIN responses r ON r.id = ir.response_id WHERE ir.item_id IN (SELECT value FROM json_each(?)) ORDER BY ir.item_id, ir.position`
		)
		.all(ids)) {
		const list = responses.get(r.itemId) ?? [];
		list.push({ responseId: r.responseId, model: r.model, text: r.text });
		responses.set(r.itemId, list);
	}
	const adjudicators = new Map(
		c
			.prepare<[string], { id: number; email: string }>('SELECT id, email FROM users WHERE id IN (SELECT value FROM json_each(?))')
			.all(JSON.stringify([...new Set(slice.map((e) => e.adjudication?.adjudicatorId).filter((id) => id != null))]))
			.map((u) => [u.id, u.email])
	);
	return slice.map((e) => {
		const t = texts.get(e.itemId);
		return {
			...e,
			instruction: t?.instruction ?? '',
			input: e.instanceId === null ? null : (t?.input ?? ''),
			output: kind === 'quality' ? (t?.output ?? '') : null,
			responses: responses.get(e.itemId) ?? [],
			adjudicator: e.adjudication?.adjudicatorId != null ? (adjudicators.get(e.adjudication.adjudicatorId) ?? null) : null
		};
	});
}
