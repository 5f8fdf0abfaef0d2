/**
 * A removed reviewer's labels, set aside instead of deleted: they stop counting (their items go
 * back to the pool for someone else) but stay verbatim in audit_archived_labels, from where a
 * researcher can bring them back and only an administrator's purge, after a backup, deletes them.
 */
import type Database from 'better-sqlite3';
import { db, transaction, type Db } from '../db';
import { createBackup } from '../backups/backup';
import { ArchiveError } from './errors';
import { releaseLapsedLeases } from '../audits/routing';
import type { Actor, PurgeResult } from './archive';

interface LabelRow {
	id: number;
	audit_id: number;
	item_id: number;
	reviewer_id: number;
	instruction_valid: number | null;
	input_valid: number | null;
	output_valid: number | null;
	error_reason: string | null;
	/** Pairwise: the verdict in the pair's A/B order (absent in labels set aside before it was kept). */
	preference?: string | null;
	comment: string;
	duration_ms: number;
	active_ms: number;
	submitted_at: number;
	updated_at: number;
	revision: number;
	/** The guidelines versions it was given and last changed under (absent in labels set aside before they were kept). */
	first_guidelines_version?: number | null;
	guidelines_version?: number | null;
}
interface RatingRow {
	response_id: number;
	model: string;
	rating: string;
}
interface TurnRow {
	position: number;
	valid: number;
	rating: string;
}
/**
 * What audit_archived_labels.label holds: the label row as it was, with its ratings and (conversation
 * audits) its per-turn verdicts, which would otherwise go with the row (bundles read it).
 */
export type StoredLabel = LabelRow & { ratings: RatingRow[]; turns?: TurnRow[] };

/**
 * Moves every label of a reviewer in an audit to the archive, in the caller's transaction, and
 * frees their items' slots (the reviewer's assignments become "released"). Returns how many.
 */
export function setAsideReviewerLabels(c: Database.Database, auditId: number, reviewerId: number, actorId: number | null, now = Date.now()): number {
	const labels = c.prepare<[number, number], LabelRow>('SELECT * FROM audit_labels WHERE audit_id = ? AND reviewer_id = ?').all(auditId, reviewerId);
	const ratings = c.prepare<[number], RatingRow>('SELECT response_id, model, rating FROM audit_label_ratings WHERE label_id = ? ORDER BY response_id');
	const turns = c.prepare<[number], TurnRow>('SELECT position, valid, rating FROM audit_label_turns WHERE label_id = ? ORDER BY position');
	const keep = c.prepare<[number, number, number, number, string, number, number | null]>(
		'INSERT INTO audit_archived_labels (id, audit_id, item_id, reviewer_id, label, archived_at, archived_by) VALUES (?, ?, ?, ?, ?, ?, ?)'
	);
	// Prepared once, not per label: a reviewer may have thousands, all in one write transaction.
	const dropRatings = c.prepare<[number]>('DELETE FROM audit_label_ratings WHERE label_id = ?');
	const dropLabel = c.prepare<[number]>('DELETE FROM audit_labels WHERE id = ?');
	const freeSlot = c.prepare<[number]>('UPDATE audit_items SET label_count = label_count - 1, claimed_count = claimed_count - 1 WHERE id = ?');
	const release = c.prepare<[number, number]>(`UPDATE audit_assignments SET status = 'released' WHERE item_id = ? AND reviewer_id = ?`);
	for (const label of labels) {
		const turnRows = turns.all(label.id);
		const stored: StoredLabel = { ...label, ratings: ratings.all(label.id), ...(turnRows.length ? { turns: turnRows } : {}) };
		keep.run(label.id, auditId, label.item_id, reviewerId, JSON.stringify(stored), now, actorId);
		dropRatings.run(label.id);
		dropLabel.run(label.id);
		freeSlot.run(label.item_id);
		release.run(label.item_id, reviewerId);
	}
	return labels.length;
}

/** Set-aside labels per reviewer of an audit (for its page). */
export function setAsideCounts(auditId: number, database: Db = db()): Map<number, number> {
	const rows = database.$client
		.prepare<[number], { reviewerId: number; n: number }>('SELECT reviewer_id AS reviewerId, count(*) AS n FROM audit_archived_labels WHERE audit_id = ? GROUP BY reviewer_id')
		.all(auditId);
	return new Map(rows.map((r) => [r.reviewerId, r.n]));
}

export interface RestoreLabelsResult {
	restored: number;
	/** Labels left in the archive, with why (the item filled up meanwhile, …). */
	kept: { itemPosition: number; reason: string }[];
}

/**
 * Brings a reviewer's set-aside labels back into the audit: each counts again, on an item that
 * still has room for it (an item others have filled to k, or whose free slots other reviewers'
 * live leases hold, keeps the label in the archive).
 */
export function restoreReviewerLabels(auditId: number, reviewerId: number, database: Db = db()): RestoreLabelsResult {
	const c = database.$client;
	// Leases that have lapsed hold no slot: swept first (routing sweeps only when someone asks for an
	// item), so a lapsed one is not taken for a reviewer labelling now.
	releaseLapsedLeases(auditId, {}, database);
	return transaction(database, () => {
		const audit = c.prepare<[number], { overlap: number; archivedAt: number | null }>('SELECT overlap, archived_at AS archivedAt FROM audits WHERE id = ?').get(auditId);
		if (!audit) throw new ArchiveError('No such audit.', 404, 'not_found');
		if (audit.archivedAt !== null) throw new ArchiveError('The audit is archived: restore it first.', 409, 'archived');
		const archived = c.prepare<[number, number], {
			id: number;
			itemId: number;
			label: string;
		}>('SELECT id, item_id AS itemId, label FROM audit_archived_labels WHERE audit_id = ? AND reviewer_id = ? ORDER BY id').all(auditId, reviewerId);
		if (!archived.length) throw new ArchiveError('This reviewer has no set-aside labels in this audit.', 404, 'not_found');
		const result: RestoreLabelsResult = { restored: 0, kept: [] };
		// Prepared once, not per label: a reviewer may have thousands, all in one write transaction.
		const itemOf = c.prepare<[number], { position: number; isGold: number; labels: number; claimed: number }>(
			'SELECT position, is_gold AS isGold, label_count AS labels, claimed_count AS claimed FROM audit_items WHERE id = ?'
		);
		const labelledAgain = c.prepare<[number, number]>('SELECT 1 FROM audit_labels WHERE item_id = ? AND reviewer_id = ?');
		const insertLabel = c.prepare<[number, number, number, number, number | null, number | null, number | null, string | null, string | null, string, number, number, number, number, number, number | null, number | null]>(
			`INSERT INTO audit_labels (id, audit_id, item_id, reviewer_id, instruction_valid, input_valid, output_valid, error_reason, preference,
				comment, duration_ms, active_ms, submitted_at, updated_at, revision, first_guidelines_version, guidelines_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
		);
		const insertTurn = c.prepare<[number, number, number, number, number, string]>('INSERT INTO audit_label_turns (label_id, audit_id, item_id, position, valid, rating) VALUES (?, ?, ?, ?, ?, ?)');
		const insertRating = c.prepare<[number, number, number, number, string, string]>('INSERT INTO audit_label_ratings (label_id, audit_id, item_id, response_id, model, rating) VALUES (?, ?, ?, ?, ?, ?)');
		const assignmentOf = c.prepare<[number, number], { id: number; status: string }>('SELECT id, status FROM audit_assignments WHERE item_id = ? AND reviewer_id = ?');
		const submitted = c.prepare<[number]>(`UPDATE audit_assignments SET status = 'submitted', draft = NULL WHERE id = ?`);
		const takeSlot = c.prepare<[number, number]>('UPDATE audit_items SET label_count = label_count + 1, claimed_count = claimed_count + ? WHERE id = ?');
		const relink = c.prepare<[number, number, number]>(`UPDATE audit_submissions SET label_id = ? WHERE item_id = ? AND reviewer_id = ? AND outcome IN ('created', 'edited')`);
		const unarchive = c.prepare<[number]>('DELETE FROM audit_archived_labels WHERE id = ?');
		for (const row of archived) {
			const label = JSON.parse(row.label) as StoredLabel;
			const item = itemOf.get(row.itemId)!;
			if (labelledAgain.get(row.itemId, reviewerId)) {
				result.kept.push({ itemPosition: item.position, reason: 'the reviewer has labelled this item again' });
				continue;
			}
			if (!item.isGold && item.labels >= audit.overlap) {
				result.kept.push({ itemPosition: item.position, reason: `the item already has its ${audit.overlap} label(s)` });
				continue;
			}
			const assignment = assignmentOf.get(row.itemId, reviewerId);
			// An active lease of this reviewer already holds a slot; any other state needs a free one.
			const claim = assignment?.status === 'active' ? 0 : 1;
			// A slot held by someone else's live lease is theirs: taking it would leave their answer
			// with no room when they submit.
			if (!item.isGold && claim && item.claimed >= audit.overlap) {
				const working = item.claimed - item.labels;
				result.kept.push({
					itemPosition: item.position,
					reason: `its free slot${working === 1 ? ' is' : 's are'} held by ${working === 1 ? 'a reviewer' : `${working} reviewers`} labelling it now; bring it back after they finish or their lease lapses`
				});
				continue;
			}
			insertLabel.run(
				label.id,
				auditId,
				row.itemId,
				reviewerId,
				label.instruction_valid,
				label.input_valid,
				label.output_valid,
				label.error_reason,
				label.preference ?? null,
				label.comment,
				label.duration_ms,
				label.active_ms,
				label.submitted_at,
				label.updated_at,
				label.revision,
				label.first_guidelines_version ?? null,
				label.guidelines_version ?? null
			);
			for (const r of label.ratings) insertRating.run(label.id, auditId, row.itemId, r.response_id, r.model, r.rating);
			for (const t of label.turns ?? []) insertTurn.run(label.id, auditId, row.itemId, t.position, t.valid, t.rating);
			if (assignment) submitted.run(assignment.id);
			takeSlot.run(claim, row.itemId);
			relink.run(label.id, row.itemId, reviewerId);
			unarchive.run(row.id);
			result.restored++;
		}
		return result;
	});
}

/**
 * Deletes a reviewer's set-aside labels for good: an administrator, typing the reviewer's email,
 * after a verified backup.
 */
export async function purgeReviewerLabels(auditId: number, reviewerId: number, actor: Actor, confirm: string | undefined, database: Db = db()): Promise<PurgeResult> {
	if (actor.role !== 'admin') throw new ArchiveError('Only an administrator can purge.', 403, 'forbidden');
	const c = database.$client;
	const who = c.prepare<[number], string>('SELECT email FROM users WHERE id = ?').pluck().get(reviewerId);
	const audit = c.prepare<[number], string>('SELECT name FROM audits WHERE id = ?').pluck().get(auditId);
	if (!who || !audit) throw new ArchiveError('No such audit or reviewer.', 404, 'not_found');
	const n = () => c.prepare<[number, number], number>('SELECT count(*) FROM audit_archived_labels WHERE audit_id = ? AND reviewer_id = ?').pluck().get(auditId, reviewerId)!;
	if (!n()) throw new ArchiveError(`${who} has no set-aside labels in this audit.`, 404, 'not_found');
	if ((confirm ?? '').trim().toLowerCase() !== who) throw new ArchiveError(`Type "${who}" to confirm the purge.`, 409, 'confirm', 'confirm');
	const backup = await createBackup({ kind: 'pre-purge', database });
	return transaction(database, () => {
		const plan = { kind: 'reviewer-labels' as const, id: auditId, name: `${who} in "${audit}"`, confirmWith: who, counts: [{ what: n() === 1 ? 'set-aside label' : 'set-aside labels', n: n() }] };
		c.prepare<[number, number]>('DELETE FROM audit_archived_labels WHERE audit_id = ? AND reviewer_id = ?').run(auditId, reviewerId);
		return { plan, backup };
	});
}
