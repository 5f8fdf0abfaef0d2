import { cachedStatements, db, transaction, type Db } from '../db';
import type { Audit, AuditKind, AuditStatus } from '../db/tables';
import { median } from '../../stats/descriptive';
import type { GoldSpec } from '../../audits/gold';
import { MAX_GUIDELINES_LENGTH } from '../../audits/guidelines';
import { AuditError } from './errors';
import { activeUsers, insertItems, orderSalt, resolveGold } from './create';
import { setAsideReviewerLabels } from '../archive/labels';
import { ACTIVE_REVIEWER } from './reviewer-accounts';
import { firstGoldAnswers } from './routing';
import { goldScore, type AnswersLike } from '../../audits/qualification';
import { storedFlag } from '../db/stored';

/** Researchers' side of audits: listing, progress, reviewers, open/closed, gold. */

/**
 * A lease `s` on an item being labelled at a moment (bound twice, as `?, ?`): live then, and shown on
 * its reviewer's screen by then. The "next item" the screen prefetches holds a lease too, but is not
 * being labelled: counting it doubled every open review screen. The one definition of "being
 * labelled now", "holding" and what a close or an archive stops.
 */
const BEING_LABELLED_AT = `s.status = 'active' AND s.shown_at <= ? AND s.expires_at > ?`;

export interface AuditListRow {
	id: number;
	name: string;
	kind: AuditKind;
	status: AuditStatus;
	datasetId: number;
	datasetName: string;
	itemCount: number;
	overlap: number;
	reviewers: number;
	labels: number;
	completeItems: number;
	createdAt: number;
	archivedAt: number | null;
}

/** Audits, newest first; archived ones (or those of an archived dataset) only when asked for. */
export function listAudits(options: { datasetId?: number; archived?: boolean } = {}, database: Db = db()): AuditListRow[] {
	return database.$client
		.prepare<[number | null, number | null, number], AuditListRow>(
			`SELECT a.id, a.name, a.kind, a.status, a.dataset_id AS datasetId, d.name AS datasetName, a.item_count AS itemCount,
				a.overlap, a.created_at AS createdAt, a.archived_at AS archivedAt,
				(SELECT count(*) FROM audit_reviewers r WHERE r.audit_id = a.id AND ${ACTIVE_REVIEWER}) AS reviewers,
				coalesce(p.labels, 0) AS labels, coalesce(p.complete, 0) AS completeItems
			 FROM audits a JOIN datasets d ON d.id = a.dataset_id
			 LEFT JOIN (SELECT audit_id, sum(label_count) AS labels, sum(label_count >= (SELECT overlap FROM audits WHERE id = audit_id)) AS complete
				FROM audit_items WHERE is_gold = 0 GROUP BY audit_id) p ON p.audit_id = a.id
			 WHERE (? IS NULL OR a.dataset_id = ?) AND (a.archived_at IS NOT NULL) = ? AND a.status <> 'preparing'
			 ORDER BY a.status = 'closed', a.created_at DESC, a.id DESC`
		)
		.all(options.datasetId ?? null, options.datasetId ?? null, options.archived ? 1 : 0);
}

/** The ids of the audits named `name` (archived ones too; not those still being written), oldest first. */
export function auditIdsNamed(name: string, database: Db = db()): number[] {
	return database.$client.prepare<[string], number>(`SELECT id FROM audits WHERE name = ? AND status <> 'preparing' ORDER BY id`).pluck().all(name);
}

export function getAudit(id: number, database: Db = db()): Audit | undefined {
	return database.query.audits.findFirst({ where: (a, { and, eq, ne }) => and(eq(a.id, id), ne(a.status, 'preparing')) }).sync();
}

export function requireAudit(id: number, database: Db = db()): Audit {
	const audit = getAudit(id, database);
	if (!audit) throw new AuditError('No such audit.', 404, 'not_found');
	return audit;
}

/** An audit that may be changed: archived audits (or audits of an archived dataset) are read-only. */
export function requireWritableAudit(id: number, database: Db = db()): Audit {
	const audit = requireAudit(id, database);
	if (audit.archivedAt !== null) throw new AuditError('This audit is archived, so it is read-only. Restore it to change it.', 409, 'archived');
	return audit;
}

export interface ReviewerStats {
	userId: number;
	email: string;
	name: string;
	removed: boolean;
	/** The account is disabled: not an active reviewer (no leases, left out of the stuck count) until enabled again. */
	disabled: boolean;
	labelled: number;
	skipped: number;
	/** Items on the reviewer's screen right now (BEING_LABELLED_AT); 0 in a closed audit, where none can lead to a label. */
	holding: number;
	/**
	 * Median active seconds per label: the page visible and in use (the review screen's clock). Not
	 * the wall time from first shown to submitted, which counts time away from an item held overnight.
	 */
	medianActiveSeconds: number | null;
	/** Gold items labelled (whole items, not answers: a quality item's three questions are one). */
	goldAnswered: number;
	/**
	 * Gold items with every answer right, on the first answer sent as qualification scores it (an
	 * edit in My labels does not change it). Qualification counts single answers instead (its
	 * correct/total): 2 of 3 items all right can be 8 of 9 answers right.
	 */
	goldCorrect: number;
	lastActivity: number | null;
}

export interface AuditProgress {
	items: number;
	needed: number;
	labels: number;
	completeItems: number;
	/** Items no active reviewer can still take (everyone left, disabled accounts aside, has labelled or skipped them). */
	stuckItems: number;
	skips: number;
	/** Items being labelled now (BEING_LABELLED_AT); always 0 for a closed audit, whose labels are refused. */
	activeLeases: number;
	/** A closed audit: the items that were being labelled when it closed (their labels refused); null while open. */
	leasesOpenAtClose: number | null;
	reviewers: ReviewerStats[];
}

/** Progress of an audit and of each reviewer, in a handful of grouped queries. */
export function auditProgress(auditId: number, options: { now?: number } = {}, database: Db = db()): AuditProgress {
	const audit = requireAudit(auditId, database);
	const c = database.$client;
	const now = options.now ?? Date.now();
	// A closed audit refuses every label: its leases are no longer work being done.
	const open = audit.status === 'open';
	const totals = c
		.prepare<[number, number], { labels: number; complete: number }>(
			`SELECT coalesce(sum(label_count), 0) AS labels, coalesce(sum(label_count >= ?), 0) AS complete
			 FROM audit_items WHERE audit_id = ? AND is_gold = 0`
		)
		.get(audit.overlap, auditId)!;
	const reviewers = c
		.prepare<[number, number, number], Omit<ReviewerStats, 'removed' | 'disabled' | 'labelled' | 'medianActiveSeconds' | 'goldAnswered' | 'goldCorrect' | 'lastActivity'> & { removed: number; disabled: number }>(
			`SELECT r.user_id AS userId, u.email, u.name, r.removed_at IS NOT NULL AS removed, u.disabled_at IS NOT NULL AS disabled,
				(SELECT count(*) FROM audit_assignments s WHERE s.audit_id = r.audit_id AND s.reviewer_id = r.user_id AND s.status = 'skipped') AS skipped,
				(SELECT count(*) FROM audit_assignments s WHERE s.audit_id = r.audit_id AND s.reviewer_id = r.user_id AND ${BEING_LABELLED_AT}) AS holding
			 FROM audit_reviewers r JOIN users u ON u.id = r.user_id WHERE r.audit_id = ? ORDER BY r.removed_at IS NOT NULL, u.email`
		)
		.all(now, now, auditId);
	// Each reviewer's active times and latest label, in one pass over the audit's labels (a latest
	// label looked up per reviewer read every label again: 60 ms at 100,000 labels).
	const activeTimes = new Map<number, number[]>();
	const lastActivity = new Map<number, number>();
	for (const [reviewer, active, updatedAt] of c.prepare<[number], [number, number, number]>('SELECT reviewer_id, active_ms, updated_at FROM audit_labels WHERE audit_id = ?').raw().all(auditId)) {
		let list = activeTimes.get(reviewer);
		if (!list) activeTimes.set(reviewer, (list = []));
		list.push(active);
		const last = lastActivity.get(reviewer);
		if (last === undefined || updatedAt > last) lastActivity.set(reviewer, updatedAt);
	}
	const gold = goldScores(audit, database);
	const stuck = { n: countStuckItems(auditId, audit.overlap, database) };
	const skips = c.prepare<[number], number>(`SELECT count(*) FROM audit_assignments WHERE audit_id = ? AND status = 'skipped'`).pluck().get(auditId)!;
	return {
		items: audit.itemCount,
		needed: audit.itemCount * audit.overlap,
		labels: totals.labels,
		completeItems: totals.complete,
		stuckItems: stuck.n,
		skips,
		activeLeases: open ? itemsBeingLabelled(auditId, now, database).beingLabelled : 0,
		leasesOpenAtClose: open ? null : audit.closedAt ? itemsBeingLabelled(auditId, audit.closedAt.getTime(), database).beingLabelled : 0,
		reviewers: reviewers.map((r) => {
			const list = activeTimes.get(r.userId) ?? [];
			const med = median(list);
			return {
				...r,
				holding: open ? r.holding : 0,
				removed: r.removed === 1,
				disabled: r.disabled === 1,
				lastActivity: lastActivity.get(r.userId) ?? null,
				labelled: list.length,
				medianActiveSeconds: med === null ? null : med / 1000,
				goldAnswered: gold.get(r.userId)?.answered ?? 0,
				goldCorrect: gold.get(r.userId)?.correct ?? 0
			};
		})
	};
}

/**
 * Per reviewer, gold items answered and answered right, each scored on the FIRST answer its
 * reviewer sent (as qualification and the review screen score it: an edit in My labels changes
 * neither), or as stored for a label with no logged first answer. An item is right when every
 * answer goldScore checks matches: quality, the three questions (not the reason); rating, every
 * gold rating; conversation, the verdict on the whole dialogue; pairwise, the pair's verdict.
 */
function goldScores(audit: Audit, database: Db): Map<number, { answered: number; correct: number }> {
	const scores = new Map<number, { answered: number; correct: number }>();
	if (!audit.goldCount) return scores;
	const c = database.$client;
	const kind = audit.kind;
	const ratingsOf = (rows: Array<{ key: number; responseId: number; rating: string }>) => {
		const byKey = new Map<number, Array<{ responseId: number; rating: string }>>();
		for (const r of rows) {
			const list = byKey.get(r.key);
			if (list) list.push({ responseId: r.responseId, rating: r.rating });
			else byKey.set(r.key, [{ responseId: r.responseId, rating: r.rating }]);
		}
		return byKey;
	};
	const goldRatings =
		kind === 'rating'
			? ratingsOf(
					c
						.prepare<[number], { key: number; responseId: number; rating: string }>(
							`SELECT g.item_id AS key, g.response_id AS responseId, g.rating FROM audit_gold_ratings g JOIN audit_items i ON i.id = g.item_id WHERE i.audit_id = ?`
						)
						.all(audit.id)
				)
			: new Map<number, Array<{ responseId: number; rating: string }>>();
	const labelRatings =
		kind === 'rating'
			? ratingsOf(
					c
						.prepare<[number], { key: number; responseId: number; rating: string }>(
							`SELECT r.label_id AS key, r.response_id AS responseId, r.rating FROM audit_label_ratings r JOIN audit_items i ON i.id = r.item_id
							 WHERE r.audit_id = ? AND i.is_gold = 1`
						)
						.all(audit.id)
				)
			: new Map<number, Array<{ responseId: number; rating: string }>>();
	type Flags = { iv: number | null; nv: number | null; ov: number | null; pref: string | null };
	const answersOf = (f: Flags, ratings: Array<{ responseId: number; rating: string }> | undefined): AnswersLike => ({
		instructionValid: storedFlag(f.iv),
		inputValid: storedFlag(f.nv),
		outputValid: storedFlag(f.ov),
		preference: f.pref,
		ratings: ratings ?? []
	});
	const gold = new Map<number, AnswersLike>();
	for (const g of c
		.prepare<[number], Flags & { itemId: number }>(
			`SELECT item_id AS itemId, instruction_valid AS iv, input_valid AS nv, output_valid AS ov, preference AS pref FROM audit_gold_answers WHERE audit_id = ?`
		)
		.all(audit.id)) {
		const answers = answersOf(g, goldRatings.get(g.itemId));
		// A gold item with nothing to check (a rating item none of whose responses has a gold rating) is not counted.
		if (goldScore(kind, answers, answers).total > 0) gold.set(g.itemId, answers);
	}
	const first = new Map(firstGoldAnswers(audit.id, database).map((f) => [f.labelId, f.answers]));
	for (const l of c
		.prepare<[number], Flags & { id: number; itemId: number; reviewerId: number }>(
			`SELECT l.id, l.item_id AS itemId, l.reviewer_id AS reviewerId, l.instruction_valid AS iv, l.input_valid AS nv, l.output_valid AS ov, l.preference AS pref
			 FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = ? AND i.is_gold = 1`
		)
		.all(audit.id)) {
		const expected = gold.get(l.itemId);
		if (!expected) continue;
		const score = goldScore(kind, first.get(l.id) ?? answersOf(l, labelRatings.get(l.id)), expected);
		const own = scores.get(l.reviewerId) ?? { answered: 0, correct: 0 };
		own.answered++;
		if (score.total > 0 && score.correct === score.total) own.correct++;
		scores.set(l.reviewerId, own);
	}
	return scores;
}

export interface CloseResult {
	/** Items on reviewers' screens when the audit closed (BEING_LABELLED_AT): their labels are refused from now on. */
	beingLabelled: number;
	/** The reviewers holding them. */
	reviewers: number;
}

/** Closes the audit; says how many items were being labelled then (their leases stay, with their drafts, for a reopening). */
export function closeAudit(auditId: number, database: Db = db()): CloseResult {
	requireWritableAudit(auditId, database);
	const c = database.$client;
	const now = Date.now();
	return transaction(database, () => {
		const changed = c.prepare<[number, number]>(`UPDATE audits SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'`).run(now, auditId).changes;
		if (!changed) {
			requireAudit(auditId, database);
			return { beingLabelled: 0, reviewers: 0 };
		}
		return itemsBeingLabelled(auditId, now, database);
	});
}

/**
 * The items of an audit being labelled at a moment (BEING_LABELLED_AT), and the reviewers labelling
 * them: what closing or archiving it then stops (an audit already closed stops nothing: ask only of an open one).
 */
export function itemsBeingLabelled(auditId: number, at = Date.now(), database: Db = db()): CloseResult {
	return database.$client
		.prepare<[number, number, number], CloseResult>(
			`SELECT count(*) AS beingLabelled, count(DISTINCT s.reviewer_id) AS reviewers FROM audit_assignments s WHERE s.audit_id = ? AND ${BEING_LABELLED_AT}`
		)
		.get(auditId, at, at)!;
}

/**
 * What archiving the audit now stops, as closeAudit says of closing: the items being labelled, while
 * it is open (a closed audit takes no labels already). Asked just before archiving (src/lib/server/archive).
 */
export function workStoppedByArchiving(auditId: number, database: Db = db()): CloseResult {
	const audit = requireAudit(auditId, database);
	return audit.status === 'open' && audit.archivedAt === null ? itemsBeingLabelled(auditId, Date.now(), database) : { beingLabelled: 0, reviewers: 0 };
}

export function reopenAudit(auditId: number, database: Db = db()): void {
	requireWritableAudit(auditId, database);
	const changed = database.$client.prepare<[number]>(`UPDATE audits SET status = 'open', closed_at = NULL WHERE id = ? AND status = 'closed'`).run(auditId).changes;
	if (!changed) requireAudit(auditId, database);
}

/**
 * Adds reviewers (or brings back removed ones, who keep their earlier work: their labels, and the
 * items whose leases their removal ended, which they get back with their drafts while the items
 * have room).
 */
export function addReviewers(auditId: number, userIds: number[], database: Db = db()): number {
	const audit = requireWritableAudit(auditId, database);
	activeUsers(userIds, database);
	const c = database.$client;
	return transaction(database, () => {
		let added = 0;
		const now = Date.now();
		for (const userId of new Set(userIds)) {
			added += c
				.prepare<[number, unknown, number, number]>(
					`INSERT INTO audit_reviewers (audit_id, user_id, order_salt, added_at) VALUES (?, ?, ?, ?)
					 ON CONFLICT (audit_id, user_id) DO UPDATE SET removed_at = NULL WHERE removed_at IS NOT NULL`
				)
				.run(auditId, userId, orderSalt(auditId, userId, audit.seed), now).changes;
			// Leases a removal released before removals let them lapse instead (never submitted, so
			// finished_at is unset, unlike a label set aside): routable to them again, as lapsed leases are.
			c.prepare<[number, number]>(
				`UPDATE audit_assignments SET status = 'expired' WHERE audit_id = ? AND reviewer_id = ? AND status = 'released' AND finished_at IS NULL`
			).run(auditId, userId);
		}
		return added;
	});
}

/**
 * Stops routing items to a reviewer: their leases lapse at once (the items return to the pool;
 * the drafts stay, and a reviewer added back resumes those items while they have room, as after
 * any lapse). Their submitted labels stay and count, unless `setAsideLabels`: then the labels
 * stop counting (those items need labels from someone else) and are kept in the archive, from
 * where they can be brought back (src/lib/server/archive/labels.ts). Nothing is deleted.
 */
export function removeReviewer(
	auditId: number,
	userId: number,
	options: { setAsideLabels?: boolean; actorId?: number | null } = {},
	database: Db = db()
): { released: number; setAside: number } {
	requireWritableAudit(auditId, database);
	const c = database.$client;
	return transaction(database, () => {
		const changed = c.prepare<[number, number, number]>(`UPDATE audit_reviewers SET removed_at = ? WHERE audit_id = ? AND user_id = ? AND removed_at IS NULL`).run(Date.now(), auditId, userId).changes;
		if (!changed) {
			// Removed earlier: said so (they are listed as removed), not as if they had never reviewed it.
			const removed = c
				.prepare<[number, number], string>(`SELECT u.email FROM audit_reviewers r JOIN users u ON u.id = r.user_id WHERE r.audit_id = ? AND r.user_id = ? AND r.removed_at IS NOT NULL`)
				.pluck()
				.get(auditId, userId);
			if (removed !== undefined) {
				throw new AuditError(`${removed} was already removed from this audit (restore-labels / add-reviewers to bring them back).`, 400, 'invalid', 'reviewer');
			}
			throw new AuditError('That account is not a reviewer of this audit.', 400, 'invalid', 'reviewer');
		}
		const leases = c
			.prepare<[number, number], { id: number; itemId: number }>(`SELECT id, item_id AS itemId FROM audit_assignments WHERE audit_id = ? AND reviewer_id = ? AND status = 'active'`)
			.all(auditId, userId);
		for (const lease of leases) {
			c.prepare<[number]>(`UPDATE audit_assignments SET status = 'expired' WHERE id = ?`).run(lease.id);
			c.prepare<[number]>(`UPDATE audit_items SET claimed_count = claimed_count - 1 WHERE id = ?`).run(lease.itemId);
		}
		const setAside = options.setAsideLabels ? setAsideReviewerLabels(c, auditId, userId, options.actorId ?? null) : 0;
		return { released: leases.length, setAside };
	});
}

export function updateGuidelines(auditId: number, guidelines: string, savedBy: number | null = null, database: Db = db()): void {
	const text = guidelines.trim();
	if (text.length > MAX_GUIDELINES_LENGTH) throw new AuditError('The guidelines are too long.', 400, 'invalid', 'guidelines');
	requireWritableAudit(auditId, database);
	const c = database.$client;
	transaction(database, () => {
		const previous = c
			.prepare<[number], { text: string; changedAt: number | null; createdAt: number; createdBy: number | null }>(
				'SELECT guidelines AS text, guidelines_changed_at AS changedAt, created_at AS createdAt, created_by AS createdBy FROM audits WHERE id = ?'
			)
			.get(auditId)!;
		if (previous.text === text) return;
		const now = Date.now();
		// When they changed is kept, and every version with it: the methods paragraph counts the labels
		// given under each, rather than presenting guidelines edited mid-audit as what every reviewer read.
		c.prepare<[string, number, number]>('UPDATE audits SET guidelines = ?, guidelines_changed_at = ? WHERE id = ?').run(text, now, auditId);
		const insert = c.prepare<[number, number, string, number, number | null]>(
			'INSERT INTO audit_guidelines_versions (audit_id, version, text, saved_at, saved_by) VALUES (?, ?, ?, ?, ?)'
		);
		const last = c.prepare<[number], number | null>('SELECT max(version) FROM audit_guidelines_versions WHERE audit_id = ?').pluck().get(auditId) ?? 0;
		// The first change records the text it replaces as well: until now the audit row alone held it
		// (an audit from before versions were kept: its text as last saved).
		if (last === 0) insert.run(auditId, 1, previous.text, previous.changedAt ?? previous.createdAt, previous.changedAt === null ? previous.createdBy : null);
		insert.run(auditId, Math.max(last, 1) + 1, text, now, savedBy);
	});
}

/** Adds gold items to an existing audit (and sets the rate they are mixed in at). */
export function addGold(auditId: number, specs: GoldSpec[], goldRate: number, createdBy: number | null, database: Db = db()): number {
	const audit = requireWritableAudit(auditId, database);
	if (specs.some((g) => g.kind !== audit.kind)) throw new AuditError('Gold answers must match the kind of audit.', 400, 'invalid', 'gold');
	if (!(goldRate > 0 && goldRate <= 0.5)) throw new AuditError('The gold rate must be above 0 and at most 50%.', 400, 'invalid', 'goldRate');
	const items = resolveGold(audit.datasetId, specs, audit.models, audit.includeRejected, audit.seed + audit.goldCount + 1, database);
	const c = database.$client;
	// The same instance twice in one audit (as gold, or as gold and sampled) would let a reviewer see
	// it twice and repeat the earlier answer; the sample is drawn, so it cannot be left out of the frame now.
	const existing = c.prepare<[number, number, number, number, number], { isGold: number }>(
		`SELECT is_gold AS isGold FROM audit_items WHERE audit_id = ? AND task_id = ? AND coalesce(instance_id, 0) = ?
		 AND coalesce(conversation_id, 0) = ? AND coalesce(pair_id, 0) = ? ORDER BY is_gold DESC LIMIT 1`
	);
	for (const item of items) {
		const found = existing.get(auditId, item.taskId, item.instanceId ?? 0, item.conversationId ?? 0, item.pairId ?? 0);
		if (found) {
			const what = item.conversationId
				? `conversation ${item.conversationId}`
				: item.pairId
					? `pair ${item.pairId}`
					: item.instanceId
						? `instance ${item.instanceId}`
						: `task ${item.taskId}`;
			throw new AuditError(
				found.isGold ? `Gold: ${what} is already a gold item.` : `Gold: ${what} is in the audit's sample; a reviewer would meet it twice. Choose another.`,
				400,
				'invalid',
				'gold'
			);
		}
	}
	return transaction(database, () => {
		const position = (c.prepare<[number], { p: number }>('SELECT coalesce(max(position), -1) + 1 AS p FROM audit_items WHERE audit_id = ?').get(auditId)!).p;
		insertItems(database, auditId, items, position, createdBy, Date.now());
		c.prepare<[number, number, number]>('UPDATE audits SET gold_count = gold_count + ?, gold_rate = ? WHERE id = ?').run(items.length, goldRate, auditId);
		return items.length;
	});
}

export interface AuditItemRow {
	position: number;
	taskId: number;
	instanceId: number | null;
	instruction: string;
	stratum: string | null;
	isGold: boolean;
	labelCount: number;
	claimedCount: number;
}

export function listAuditItems(auditId: number, options: { page?: number; pageSize?: number; gold?: boolean } = {}, database: Db = db()) {
	const pageSize = Math.min(Math.max(options.pageSize ?? 50, 1), 200);
	const gold = options.gold ? 1 : 0;
	const c = database.$client;
	const total = (c.prepare<[number, number], { n: number }>('SELECT count(*) AS n FROM audit_items WHERE audit_id = ? AND is_gold = ?').get(auditId, gold)!).n;
	const pages = Math.max(1, Math.ceil(total / pageSize));
	const page = Math.min(Math.max(options.page ?? 1, 1), pages);
	const rows = c
		.prepare<[number, number, number, number], Omit<AuditItemRow, 'isGold'> & { isGold: number }>(
			`SELECT i.position, i.task_id AS taskId, i.instance_id AS instanceId, substr(t.instruction, 1, 300) AS instruction, i.stratum,
				i.is_gold AS isGold, i.label_count AS labelCount, i.claimed_count AS claimedCount
			 FROM audit_items i JOIN tasks t ON t.id = i.task_id WHERE i.audit_id = ? AND i.is_gold = ?
			 ORDER BY i.position LIMIT ? OFFSET ?`
		)
		.all(auditId, gold, pageSize, (page - 1) * pageSize);
	return { rows: rows.map((r) => ({ ...r, isGold: r.isGold === 1 })), total, page, pages, pageSize };
}

/**
 * Sampled items that cannot reach k labels any more: their labels plus the active reviewers (current,
 * account not disabled) who have neither labelled, skipped nor been released from them fall short of the overlap.
 *
 * Asked on every reviewer's next and submit, so it must not group every assignment of the audit
 * (300,000 at 100,000 items × k = 3: about 0.1 s each time). A current reviewer's "submitted" row
 * stands for a label counted in label_count (setting labels aside releases the row), so
 * label_count + R − finished < k needs more than R − k skips and releases on the item by current
 * reviewers (R of them): only items with that many are counted exactly, and finding them reads
 * the audit's skips and releases alone. (With fewer reviewers than k, every item short of k is.)
 */
export function countStuckItems(auditId: number, overlap: number, database: Db = db()): number {
	const c = cachedStatements(database);
	const { n: currentReviewers } = c.prepare<[number], { n: number }>(`SELECT count(*) AS n FROM audit_reviewers r WHERE r.audit_id = ? AND ${ACTIVE_REVIEWER}`).get(auditId)!;
	const finished = `SELECT count(*) FROM audit_assignments s
		JOIN audit_reviewers r ON r.audit_id = s.audit_id AND r.user_id = s.reviewer_id AND ${ACTIVE_REVIEWER}
		WHERE s.item_id = i.id AND s.status IN ('submitted', 'skipped', 'released')`;
	if (currentReviewers < overlap) {
		// Fewer reviewers than k: any item short of k labels may be stuck, set aside or not.
		return c
			.prepare<[number, number, number, number], { n: number }>(
				`SELECT count(*) AS n FROM audit_items i
				 WHERE i.audit_id = ? AND i.is_gold = 0 AND i.label_count < ? AND i.label_count + ? - (${finished}) < ?`
			)
			.get(auditId, overlap, currentReviewers, overlap)!.n;
	}
	return c
		.prepare<[number, number, number, number, number], { n: number }>(
			`SELECT count(*) AS n FROM audit_items i
			 JOIN (SELECT s.item_id FROM audit_assignments s
				JOIN audit_reviewers r ON r.audit_id = s.audit_id AND r.user_id = s.reviewer_id AND ${ACTIVE_REVIEWER}
				WHERE s.audit_id = ? AND s.status IN ('skipped', 'released') GROUP BY s.item_id HAVING count(*) > ?) set_aside ON set_aside.item_id = i.id
			 WHERE i.is_gold = 0 AND i.label_count < ? AND i.label_count + ? - (${finished}) < ?`
		)
		.get(auditId, currentReviewers - overlap, overlap, currentReviewers, overlap)!.n;
}
