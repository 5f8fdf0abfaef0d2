import { FUNCTION_CALL_SPEAKER, toolCallsText } from '$lib/formats/conversation';
import { cachedStatements, db, type Db } from '../db';
import type { AuditKind, AuditStatus } from '../db/tables';
import { choiceFromVerdict, goldJitter, goldStillToCome, responseOrder } from '../../audits/order';
import { renderGuidelines } from '../../audits/guidelines';
import type { Answer, Draft } from '../../audits/answers';
import type { HistoryEntry, ReviewAuditInfo, ReviewItemView, ReviewProgress, SkippedEntry } from '../../audits/views';
import { summarizeAnswer } from '../../audits/answers';
import { draftSchema } from '../../audits/answer-schemas';
import { WHOLE_CONVERSATION_POSITION, type ErrorReason, type PairChoice, type RatingLevel } from '../../audits/rubric';
import type { PairVerdict } from '../db/tables';
import type { ReviewExample, ReviewTurn } from '../../audits/views';
import { membership, qualificationStatus, statements, type Membership } from './routing';
import { notFound } from './errors';
import { countStuckItems } from './audits';
import { suggestionForInstance } from './suggestions';

/**
 * What a reviewer may read: their audits, the items assigned to them and their own labels. Every
 * function starts from membership(), so anything else is the same 404.
 */

export type { ReviewResponse, ReviewItemView, ReviewProgress, ReviewAuditInfo, HistoryEntry } from '../../audits/views';

interface ItemRow {
	id: number;
	taskId: number;
	instanceId: number | null;
	instruction: string;
	input: string | null;
	output: string | null;
	classification: number | null;
	origin: string;
	sourceId: string | null;
	status: string;
	draft: string | null;
	shownAt: number | null;
	conversationId: number | null;
}



interface LabelRow {
	id: number;
	instructionValid: number | null;
	inputValid: number | null;
	outputValid: number | null;
	errorReason: ErrorReason | null;
	preference: PairVerdict | null;
	comment: string;
	submittedAt: number;
	updatedAt: number;
	revision: number;
}

/**
 * Sampled items a reviewer could still get or holds now: items short of k (the audit's counters:
 * claimed below k, or claimed to k with fewer than k labels, an open lease holding the rest that
 * may lapse) less those this reviewer finished — labelled, skipped or released — while still short
 * of k (their own assignments, one row per item and reviewer, counted in finished_below_k). A
 * lapsed lease of theirs still counts: they may get it back. The sampled part of what the
 * reviewer is shown as left (shownRemaining adds the gold), read with this SQL expression (`a`:
 * the audit, `r`: the reviewer's row).
 */
const REMAINING = 'a.items_below_k + a.items_held_to_k - r.finished_below_k';

/**
 * What the reviewer is shown as left: the sampled items (REMAINING) plus the gold items they hold
 * unfinished and those routing will still give them (goldStillToCome). Counting sampled items
 * alone, the count stood still after a gold item's submit and so told which items were gold;
 * this way every submit or skip takes one off and no assignment changes it, gold or not.
 * Nothing is left for a reviewer who failed qualification. Audits without gold read nothing more.
 */
function shownRemaining(m: Membership, reviewerId: number, sampled: number, database: Db): { remaining: number; notQualified?: true } {
	if (m.goldCount <= 0) return { remaining: sampled };
	if (failedQualification(m, reviewerId, database)) return { remaining: 0, notQualified: true };
	const s = statements(database);
	const held = cachedStatements(database)
		.prepare<[number, number, number], { gold: number; sampled: number }>(
			`SELECT coalesce(sum(i.is_gold = 1), 0) AS gold, coalesce(sum(i.is_gold = 0 AND i.label_count < ?), 0) AS sampled
			 FROM audit_assignments s JOIN audit_items i ON i.id = s.item_id
			 WHERE s.audit_id = ? AND s.reviewer_id = ? AND s.status IN ('active', 'expired')`
		)
		.get(m.overlap, m.auditId, reviewerId)!;
	// Routing's own counts (nextAssignment), so the forecast follows the path it will take.
	const assigned = s.countOwn.get(m.auditId, reviewerId)!.n;
	const gold = s.countOwnGold.get(m.auditId, reviewerId)!.n;
	const toCome = goldStillToCome({
		assigned,
		gold,
		goldLeft: m.goldCount - gold,
		// Sampled items held are in `sampled` already; the rest they could still be given.
		sampledLeft: Math.max(0, sampled - held.sampled),
		rate: m.goldRate,
		jitter: goldJitter(m.orderSalt),
		qualificationLeft: Math.min(m.qualificationItems, m.goldCount) - gold
	});
	return { remaining: sampled + held.gold + toCome };
}

export function reviewProgress(auditId: number, reviewerId: number, database: Db = db()): ReviewProgress {
	const c = cachedStatements(database);
	const m = membership(auditId, reviewerId, database);
	// Counters, kept by triggers on the audit's items, assignments and labels (migrations 0019 and
	// 0026), not counts over up to 100,000 items, 300,000 labels or the reviewer's whole history on
	// every submit and next (a count of the reviewer's finished items took 15 ms after 19,000 labels).
	const counters = c
		.prepare<[number, number], { mine: number; itemLabels: number; remaining: number; guidelinesVersion: number }>(
			`SELECT r.labels AS mine, a.item_labels AS itemLabels, ${REMAINING} AS remaining, coalesce(a.guidelines_changed_at, 0) AS guidelinesVersion
			 FROM audits a JOIN audit_reviewers r ON r.audit_id = a.id AND r.user_id = ? WHERE a.id = ?`
		)
		.get(reviewerId, auditId)!;
	const { mine } = counters;
	const { remaining, notQualified } = shownRemaining(m, reviewerId, counters.remaining, database);
	const skipped = (c
		.prepare<[number, number, number], { n: number }>(
			`SELECT count(*) AS n FROM audit_assignments s JOIN audit_items i ON i.id = s.item_id
			 WHERE s.audit_id = ? AND s.reviewer_id = ? AND s.status = 'skipped' AND (i.is_gold = 1 OR i.claimed_count < ?)`
		)
		.get(auditId, reviewerId, m.overlap)!).n;
	const withGold = m.goldCount > 0;
	return {
		mine,
		// Hidden on an audit with gold: see ReviewProgress.
		auditLabels: withGold ? null : counters.itemLabels,
		auditNeeded: withGold ? null : m.itemCount * m.overlap,
		remaining,
		skipped,
		// Only the done screen shows it; counting it reads the audit's skips and releases.
		stuck: remaining > 0 ? null : countStuckItems(auditId, m.overlap, database),
		...(notQualified ? { notQualified } : {}),
		guidelinesVersion: counters.guidelinesVersion
	};
}

/** Whether routing gives this reviewer no sampled items because they failed qualification (see nextAssignment). */
function failedQualification(m: Membership, reviewerId: number, database: Db): boolean {
	return Math.min(m.qualificationItems, m.goldCount) > 0 && qualificationStatus(m, reviewerId, database).state === 'failed';
}

/** The items this reviewer skipped, newest first, each with whether it can still be taken back. */
export function reviewSkips(auditId: number, reviewerId: number, database: Db = db()): SkippedEntry[] {
	const m = membership(auditId, reviewerId, database);
	const rows = cachedStatements(database)
		.prepare<[number, number, number], Omit<SkippedEntry, 'open'> & { open: number }>(
			`SELECT i.ref, substr(t.instruction, 1, 200) AS instruction, s.finished_at AS skippedAt, s.skip_reason AS reason,
				(i.is_gold = 1 OR i.claimed_count < ?) AS open
			 FROM audit_assignments s JOIN audit_items i ON i.id = s.item_id JOIN tasks t ON t.id = i.task_id
			 WHERE s.audit_id = ? AND s.reviewer_id = ? AND s.status = 'skipped'
			 ORDER BY s.finished_at DESC, s.id DESC`
		)
		.all(m.overlap, auditId, reviewerId);
	return rows.map((r) => ({ ...r, open: r.open === 1 }));
}

export function reviewAuditInfo(auditId: number, reviewerId: number, database: Db = db()): ReviewAuditInfo {
	const m = membership(auditId, reviewerId, database);
	const a = cachedStatements(database)
		.prepare<[number], Omit<ReviewAuditInfo, 'guidelinesHtml' | 'blind'> & { guidelines: string; blind: number }>(
			`SELECT id, name, kind, status, blind, overlap, item_count AS itemCount, lease_seconds AS leaseSeconds, guidelines,
				coalesce(guidelines_changed_at, 0) AS guidelinesVersion FROM audits WHERE id = ? AND status <> 'preparing'`
		)
		.get(auditId)!;
	const { guidelines, ...rest } = a;
	return { ...rest, itemCount: m.goldCount > 0 ? null : a.itemCount, blind: a.blind === 1, guidelinesHtml: guidelines ? renderGuidelines(guidelines) : '' };
}

/** One of the reviewer's own items (held or labelled); anything else is a 404. */
export function reviewItemView(auditId: number, reviewerId: number, ref: string, database: Db = db()): ReviewItemView {
	const m = membership(auditId, reviewerId, database);
	return itemView(m, reviewerId, ref, database);
}

function itemView(m: Membership, reviewerId: number, ref: string, database: Db): ReviewItemView {
	const c = cachedStatements(database);
	const row = c
		.prepare<[number, string, number], ItemRow>(
			`SELECT i.id, i.task_id AS taskId, i.instance_id AS instanceId, t.instruction, n.input, n.output,
				t.is_classification AS classification, t.origin, t.source_id AS sourceId,
				s.status, s.draft, s.shown_at AS shownAt, i.conversation_id AS conversationId
			 FROM audit_items i
			 JOIN audit_assignments s ON s.item_id = i.id AND s.reviewer_id = ?
			 JOIN tasks t ON t.id = i.task_id
			 LEFT JOIN instances n ON n.id = i.instance_id
			 WHERE i.ref = ? AND i.audit_id = ?`
		)
		.get(reviewerId, ref, m.auditId);
	if (!row || row.status === 'skipped' || row.status === 'released') throw notFound();

	const responses =
		m.kind === 'rating' || m.kind === 'pairwise' ? statements(database).itemResponses.all(row.id) : [];
	const turns: ReviewTurn[] = [];
	if (m.kind === 'conversation' && row.conversationId !== null) {
		let row_ = 0;
		for (const t of c
			.prepare<[number], { position: number; role: string; content: string; sourceRole: string | null; extra: string | null }>('SELECT position, role, content, source_role AS sourceRole, extra FROM conversation_turns WHERE conversation_id = ? ORDER BY position')
			.all(row.conversationId)) {
			// A chat-format reply's tool calls are shown after its text (alone when it has none), so the
			// reviewer judges the calls too, not only the words around them or an empty reply.
			const calls = t.role === 'assistant' && t.extra ? toolCallsText(JSON.parse(t.extra) as Record<string, unknown>) : null;
			turns.push({
				position: t.position,
				role: t.role,
				text: calls === null ? t.content : t.content.trim() === '' ? calls : `${t.content}\n\n${calls}`,
				row: t.role === 'assistant' && m.conversationUnit === 'turn' ? row_++ : null,
				...(t.role === 'assistant' && (t.sourceRole === FUNCTION_CALL_SPEAKER || calls !== null) ? { toolCall: true } : {})
			});
		}
		if (m.conversationUnit === 'conversation') turns.push({ position: WHOLE_CONVERSATION_POSITION, role: 'conversation', text: '', row: 0 });
	}
	const examples = c
		.prepare<[number], ReviewExample>('SELECT kind, input, output, explanation FROM task_examples WHERE task_id = ? ORDER BY kind DESC, position LIMIT 20')
		.all(row.taskId);
	const texts = new Map(
		responses.length
			? (c
					.prepare<[string], { id: number; response: string }>(`SELECT id, response FROM responses WHERE id IN (SELECT value FROM json_each(?))`)
					.all(JSON.stringify(responses.map((r) => r.id)))).map((r) => [r.id, r.response])
			: []
	);
	const order = responseOrder(responses.length, reviewerId, row.id, m.blind);
	const shown = order.map((canonical, i) => ({ slot: i + 1, model: m.blind ? null : responses[canonical].model, text: texts.get(responses[canonical].id) ?? '' }));

	let answer: Answer | null = null;
	let label: LabelRow | undefined;
	if (row.status === 'submitted') {
		label = c
			.prepare<[number, number], LabelRow>(
				`SELECT id, instruction_valid AS instructionValid, input_valid AS inputValid, output_valid AS outputValid,
					error_reason AS errorReason, preference, comment, submitted_at AS submittedAt, updated_at AS updatedAt, revision
				 FROM audit_labels WHERE item_id = ? AND reviewer_id = ?`
			)
			.get(row.id, reviewerId)!;
		if (m.kind === 'conversation') {
			const judged = c
				.prepare<[number], { valid: number; rating: RatingLevel }>('SELECT valid, rating FROM audit_label_turns WHERE label_id = ? ORDER BY position')
				.all(label.id);
			answer = { kind: 'conversation', turns: judged.map((t) => ({ valid: t.valid === 1, rating: t.rating })), comment: label.comment };
		} else if (m.kind === 'pairwise') {
			answer = { kind: 'pairwise', choice: choiceFromVerdict(label.preference ?? 'tie', order), comment: label.comment };
		} else if (m.kind === 'quality') {
			answer = {
				kind: 'quality',
				instruction: label.instructionValid === 1,
				input: label.inputValid === 1,
				output: label.outputValid === 1,
				reason: label.errorReason,
				comment: label.comment
			};
		} else {
			const ratings = new Map(
				(c.prepare<[number], {
					responseId: number;
					rating: RatingLevel;
				}>('SELECT response_id AS responseId, rating FROM audit_label_ratings WHERE label_id = ?').all(label.id)).map((r) => [r.responseId, r.rating])
			);
			answer = { kind: 'rating', ratings: order.map((canonical) => ratings.get(responses[canonical].id) ?? 'D'), comment: label.comment };
		}
	}
	let draft: Draft | null = null;
	if (row.draft && row.status !== 'submitted') {
		const parsed = draftSchema.safeParse(JSON.parse(row.draft));
		const rowsOk = (d: Draft) =>
			d.kind === 'rating' ? d.ratings.length === shown.length : d.kind === 'conversation' ? d.turns.length === turns.filter((t) => t.row !== null).length : true;
		if (parsed.success && parsed.data.kind === m.kind && rowsOk(parsed.data as Draft)) {
			draft = parsed.data as Draft;
		}
	}
	return {
		ref,
		kind: m.kind,
		instruction: row.instruction,
		input: row.instanceId === null ? null : (row.input ?? ''),
		output: m.kind === 'quality' ? (row.output ?? '') : null,
		responses: shown,
		turns,
		examples,
		state: row.status === 'submitted' ? 'submitted' : 'assigned',
		draft,
		answer,
		revision: label?.revision ?? 0,
		submittedAt: label?.submittedAt ?? null,
		updatedAt: label?.updatedAt ?? null,
		shownAt: row.shownAt,
		context: m.blind ? null : { classification: row.classification === null ? null : row.classification === 1, origin: row.origin, sourceId: row.sourceId },
		suggestion: m.kind === 'quality' && row.instanceId !== null ? suggestionForInstance(m.auditId, row.instanceId, database) : null
	};
}

/** The reviewer's own labels, newest first (what Back walks through). */
export function reviewHistory(auditId: number, reviewerId: number, options: { limit?: number; offset?: number } = {}, database: Db = db()): HistoryEntry[] {
	const m = membership(auditId, reviewerId, database);
	const c = cachedStatements(database);
	const limit = Math.min(Math.max(options.limit ?? 500, 1), 5000);
	const offset = Math.max(0, Math.floor(options.offset ?? 0));
	const rows = c
		.prepare<[number, number, number, number], {
		id: number;
		itemId: number;
		ref: string;
		submittedAt: number;
		updatedAt: number;
		revision: number;
		instruction: string;
		a: number;
		b: number;
		c: number;
		reason: string | null;
		preference: PairVerdict | null;
	}>(
			`SELECT l.id, i.id AS itemId, i.ref, l.submitted_at AS submittedAt, l.updated_at AS updatedAt, l.revision,
				substr(t.instruction, 1, 200) AS instruction, l.instruction_valid AS a, l.input_valid AS b, l.output_valid AS c, l.error_reason AS reason,
				l.preference
			 FROM audit_labels l JOIN audit_items i ON i.id = l.item_id JOIN tasks t ON t.id = i.task_id
			 WHERE l.audit_id = ? AND l.reviewer_id = ? ORDER BY l.submitted_at DESC, l.id DESC LIMIT ? OFFSET ?`
		)
		.all(m.auditId, reviewerId, limit, offset);
	const ratingsByLabel = new Map<number, Map<number, string>>();
	// Each item's responses in canonical order, read once for all the rows (not once per row).
	const responsesByItem = new Map<number, number[]>();
	if (m.kind === 'rating' && rows.length) {
		const shown = c
			.prepare<[string], { itemId: number; responseId: number }>(
				`SELECT x.item_id AS itemId, x.response_id AS responseId FROM audit_item_responses x
				 WHERE x.item_id IN (SELECT value FROM json_each(?)) ORDER BY x.item_id, x.position`
			)
			.all(JSON.stringify([...new Set(rows.map((r) => r.itemId))]));
		for (const r of shown) {
			let list = responsesByItem.get(r.itemId);
			if (!list) responsesByItem.set(r.itemId, (list = []));
			list.push(r.responseId);
		}
		const ratings = c
			.prepare<[string], { labelId: number; responseId: number; rating: string }>(
				`SELECT r.label_id AS labelId, r.response_id AS responseId, r.rating FROM audit_label_ratings r
				 WHERE r.label_id IN (SELECT value FROM json_each(?))`
			)
			.all(JSON.stringify(rows.map((r) => r.id)));
		for (const r of ratings) {
			let byResponse = ratingsByLabel.get(r.labelId);
			if (!byResponse) ratingsByLabel.set(r.labelId, (byResponse = new Map()));
			byResponse.set(r.responseId, r.rating);
		}
	}
	return rows.map((r) => {
		let summary: string;
		if (m.kind === 'conversation') {
			const judged = c.prepare<[number], { valid: number; rating: RatingLevel }>('SELECT valid, rating FROM audit_label_turns WHERE label_id = ? ORDER BY position').all(r.id);
			summary = summarizeAnswer({ kind: 'conversation', turns: judged.map((t) => ({ valid: t.valid === 1, rating: t.rating })), comment: '' });
		} else if (m.kind === 'pairwise') {
			const order = responseOrder(2, reviewerId, r.itemId, m.blind);
			summary = summarizeAnswer({ kind: 'pairwise', choice: choiceFromVerdict(r.preference ?? 'tie', order), comment: '' });
		} else if (m.kind === 'quality') {
			summary = summarizeAnswer({ kind: 'quality', instruction: r.a === 1, input: r.b === 1, output: r.c === 1, reason: r.reason as ErrorReason | null, comment: '' });
		} else {
			const responses = responsesByItem.get(r.itemId) ?? [];
			const order = responseOrder(responses.length, reviewerId, r.itemId, m.blind);
			const byResponse = ratingsByLabel.get(r.id);
			summary = order.map((canonical) => byResponse?.get(responses[canonical]) ?? '?').join(' · ');
		}
		return { ref: r.ref, submittedAt: r.submittedAt, updatedAt: r.updatedAt, revision: r.revision, instruction: r.instruction, summary };
	});
}

export interface MyAudit {
	id: number;
	name: string;
	kind: AuditKind;
	status: AuditStatus;
	overlap: number;
	/** Null on an audit with gold items, as are the audit's labels (see ReviewProgress). */
	itemCount: number | null;
	mine: number;
	auditLabels: number | null;
	auditNeeded: number | null;
	/** Items this reviewer could still get or holds now, gold included (see shownRemaining). */
	remaining: number;
	lastActivity: number | null;
	/** The reviewer did not qualify (the audit's qualification step): nothing left, for that reason. */
	notQualified?: true;
}

/** The audits a user reviews in, with their progress (the /review home): counters, not counts over every item. */
export function listMyAudits(userId: number, database: Db = db()): MyAudit[] {
	const audits = cachedStatements(database)
		.prepare<[number], MyAudit & { gold: number }>(
			`SELECT a.id, a.name, a.kind, a.status, a.overlap, a.item_count AS itemCount, r.labels AS mine,
				a.item_labels AS auditLabels, a.item_count * a.overlap AS auditNeeded, ${REMAINING} AS remaining,
				(SELECT max(l.updated_at) FROM audit_labels l WHERE l.audit_id = a.id AND l.reviewer_id = r.user_id) AS lastActivity,
				a.gold_count > 0 AS gold
			 FROM audit_reviewers r JOIN audits a ON a.id = r.audit_id
			 WHERE r.user_id = ? AND r.removed_at IS NULL AND a.archived_at IS NULL
			 ORDER BY a.status = 'closed', a.created_at DESC, a.id DESC`
		)
		.all(userId);
	// Only audits with gold are asked more (a few small reads each).
	return audits.map(({ gold, ...a }) =>
		gold ? { ...a, itemCount: null, auditLabels: null, auditNeeded: null, ...shownRemaining(membership(a.id, userId, database), userId, a.remaining, database) } : a
	);
}
