import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { createAudit } from '../../src/lib/server/audits/create';
import { heartbeat, nextAssignment, skipItem, submitLabel, takeBackSkip } from '../../src/lib/server/audits/routing';
import { listMyAudits, reviewItemView, reviewProgress, reviewSkips } from '../../src/lib/server/audits/review';
import { addReviewers, auditProgress, closeAudit, countStuckItems, removeReviewer } from '../../src/lib/server/audits/audits';
import { restoreReviewerLabels } from '../../src/lib/server/archive/labels';
import { createRng } from '../../src/lib/random';
import { AuditError } from '../../src/lib/server/audits/errors';
import { setDisabled } from '../../src/lib/server/auth/users';
import { ALL_YES, makeDataset, makeUsers, submissionId } from './audit-fixtures';

// Skips seen from the reviewer's side: their own remaining count, the list of their skips, taking
// one back ("review now"), and the audit's stuck count the done screen explains.

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

async function audit(items: number, overlap: number, reviewers: number) {
	const datasetId = await makeDataset(db, `d${Math.random()}`, items);
	const users = makeUsers(db, reviewers);
	const a = createAudit({ datasetId, kind: 'quality', sampleSize: items, seed: 3, overlap, reviewerIds: users.map((u) => u.id) }, db);
	return { auditId: a.id, users };
}

function take(auditId: number, reviewerId: number): string {
	const next = nextAssignment(auditId, reviewerId, {}, db);
	if (next.status !== 'assigned') throw new Error(`expected an item, got ${next.status}`);
	return next.ref;
}

function label(auditId: number, reviewerId: number, ref: string) {
	return submitLabel(auditId, reviewerId, { ref, submissionId: submissionId(), answer: ALL_YES }, {}, db);
}

describe('a reviewer’s skips', () => {
	it('count against their remaining items, are listed, and show up as stuck when nobody else can label them', async () => {
		const { auditId, users } = await audit(4, 1, 1);
		const [ana] = users;
		expect(reviewProgress(auditId, ana.id, db)).toMatchObject({ mine: 0, remaining: 4, skipped: 0, stuck: null });
		const skipped = take(auditId, ana.id);
		skipItem(auditId, ana.id, skipped, 'needs a chemist', {}, db);
		for (let i = 0; i < 3; i++) label(auditId, ana.id, take(auditId, ana.id));
		expect(nextAssignment(auditId, ana.id, {}, db)).toEqual({ status: 'done' });
		expect(reviewProgress(auditId, ana.id, db)).toMatchObject({ mine: 3, auditLabels: 3, auditNeeded: 4, remaining: 0, skipped: 1, stuck: 1 });
		// The same stuck count as the researcher's audit page.
		expect(auditProgress(auditId, {}, db).stuckItems).toBe(1);
		expect(listMyAudits(ana.id, db)[0]).toMatchObject({ remaining: 0 });
		const skips = reviewSkips(auditId, ana.id, db);
		expect(skips).toHaveLength(1);
		expect(skips[0]).toMatchObject({ ref: skipped, reason: 'needs a chemist', open: true });
		expect(skips[0].instruction).toMatch(/^Instruction number \d/);
	});

	it('can be taken back while the item has room: it becomes their item again, and labelling it completes the audit', async () => {
		const { auditId, users } = await audit(2, 1, 1);
		const [ana] = users;
		const skipped = take(auditId, ana.id);
		skipItem(auditId, ana.id, skipped, '', {}, db);
		label(auditId, ana.id, take(auditId, ana.id));
		expect(takeBackSkip(auditId, ana.id, skipped, {}, db)).toEqual({ ref: skipped });
		// Twice is harmless.
		expect(takeBackSkip(auditId, ana.id, skipped, {}, db)).toEqual({ ref: skipped });
		expect(reviewItemView(auditId, ana.id, skipped, db).state).toBe('assigned');
		expect(reviewSkips(auditId, ana.id, db)).toEqual([]);
		expect(reviewProgress(auditId, ana.id, db)).toMatchObject({ remaining: 1, skipped: 0, stuck: null });
		// The router hands it out as their held lease.
		expect(nextAssignment(auditId, ana.id, {}, db)).toEqual({ status: 'assigned', ref: skipped });
		expect(label(auditId, ana.id, skipped).outcome).toBe('created');
		expect(reviewProgress(auditId, ana.id, db)).toMatchObject({ mine: 2, auditLabels: 2, remaining: 0 });
		const counts = db.$client.prepare('SELECT label_count AS labels, claimed_count AS claimed FROM audit_items WHERE audit_id = ?').all(auditId);
		expect(counts).toEqual([
			{ labels: 1, claimed: 1 },
			{ labels: 1, claimed: 1 }
		]);
	});

	it('cannot be taken back once others completed the item, nor after the audit closed, nor by someone else', async () => {
		const { auditId, users } = await audit(1, 1, 2);
		const [ana, ben] = users;
		const ref = take(auditId, ana.id);
		skipItem(auditId, ana.id, ref, '', {}, db);
		expect(take(auditId, ben.id)).toBe(ref);
		label(auditId, ben.id, ref);
		expect(reviewSkips(auditId, ana.id, db)[0].open).toBe(false);
		expect(reviewProgress(auditId, ana.id, db).skipped).toBe(0);
		const refuse = (fn: () => unknown, status: number, code: string) => {
			try {
				fn();
				throw new Error('expected a refusal');
			} catch (err) {
				expect(err).toBeInstanceOf(AuditError);
				expect(err).toMatchObject({ status, code });
			}
		};
		refuse(() => takeBackSkip(auditId, ana.id, ref, {}, db), 409, 'full');
		refuse(() => takeBackSkip(auditId, ben.id, ref, {}, db), 409, 'labelled');
		closeAudit(auditId, db);
		refuse(() => takeBackSkip(auditId, ana.id, ref, {}, db), 409, 'closed');
		const outsider = makeUsers(db, 1)[0];
		refuse(() => takeBackSkip(auditId, outsider.id, ref, {}, db), 404, 'not_found');
	});

	it('stuck and pending items counted by their definitions, through skips, holds, releases, removals and restored labels (seeded walks)', async () => {
		/** The definition in one aggregate over every finished assignment (what the count avoids on each request). */
		const definition = (auditId: number, overlap: number): number => {
			const c = db.$client;
			const active = `r.removed_at IS NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = r.user_id AND u.disabled_at IS NOT NULL)`;
			const reviewers = c.prepare<[number], number>(`SELECT count(*) FROM audit_reviewers r WHERE r.audit_id = ? AND ${active}`).pluck().get(auditId)!;
			return c
				.prepare<[number, number, number, number, number], number>(
					`SELECT count(*) FROM audit_items i
					 LEFT JOIN (SELECT s.item_id, count(*) AS finished FROM audit_assignments s
						JOIN audit_reviewers r ON r.audit_id = s.audit_id AND r.user_id = s.reviewer_id AND ${active}
						WHERE s.audit_id = ? AND s.status IN ('submitted', 'skipped', 'released') GROUP BY s.item_id) f ON f.item_id = i.id
					 WHERE i.audit_id = ? AND i.is_gold = 0 AND i.label_count < ? AND i.label_count + ? - coalesce(f.finished, 0) < ?`
				)
				.pluck()
				.get(auditId, auditId, overlap, reviewers, overlap)!;
		};
		let stuckSeen = 0;
		let waits = 0;
		for (const seed of [1, 2, 3, 4]) {
			const overlap = 2 + (seed % 2);
			const { auditId, users } = await audit(12, overlap, 5);
			const random = createRng(seed);
			const removed = new Set<number>();
			const disabled = new Set<number>();
			for (let step = 0; step < 120; step++) {
				const who = users[Math.floor(random() * users.length)];
				const roll = random();
				if (disabled.has(who.id)) {
					// A disabled account cannot sign in: it only comes back.
					if (roll < 0.3) {
						setDisabled(who.id, false, db);
						disabled.delete(who.id);
					}
				} else if (roll > 0.96) {
					setDisabled(who.id, true, db);
					disabled.add(who.id);
				} else if (removed.has(who.id)) {
					// Back on the audit, half the time with the labels set aside restored.
					if (roll < 0.3) {
						addReviewers(auditId, [who.id], db);
						const setAside = db.$client.prepare<[number, number], number>('SELECT count(*) FROM audit_archived_labels WHERE audit_id = ? AND reviewer_id = ?').pluck().get(auditId, who.id)!;
						if (setAside > 0 && random() < 0.5) restoreReviewerLabels(auditId, who.id, db);
						removed.delete(who.id);
					}
				} else if (roll < 0.06 && users.length - removed.size > 1) {
					removeReviewer(auditId, who.id, { setAsideLabels: random() < 0.5 }, db);
					removed.add(who.id);
				} else {
					const next = nextAssignment(auditId, who.id, {}, db);
					if (next.status === 'assigned') {
						if (roll < 0.4) skipItem(auditId, who.id, next.ref, '', {}, db);
						else if (roll < 0.85) label(auditId, who.id, next.ref);
						// else held: others wait for it
					} else {
						// What the reviewer waits for: sampled items short of k they have no row on.
						const pending = db.$client
							.prepare<[number, number, number], number>(
								`SELECT count(*) FROM audit_items i WHERE i.audit_id = ? AND i.is_gold = 0 AND i.label_count < ?
								 AND NOT EXISTS (SELECT 1 FROM audit_assignments s WHERE s.item_id = i.id AND s.reviewer_id = ?)`
							)
							.pluck()
							.get(auditId, overlap, who.id)!;
						expect(next.status === 'waiting' ? next.pending : 0, `seed ${seed}, step ${step}`).toBe(pending);
						if (next.status === 'waiting') waits++;
						else expect(reviewProgress(auditId, who.id, db).remaining).toBe(0);
					}
				}
				const expected = definition(auditId, overlap);
				expect(countStuckItems(auditId, overlap, db), `seed ${seed}, step ${step}`).toBe(expected);
				// Counted where at least k reviewers remain: the path every large audit takes.
				if (users.filter((u) => !removed.has(u.id) && !disabled.has(u.id)).length >= overlap) stuckSeen = Math.max(stuckSeen, expected);
			}
		}
		// The walks reach stuck items with k or more reviewers left (the comparison is not all zeros).
		expect(stuckSeen).toBeGreaterThan(0);
		expect(waits).toBeGreaterThan(0);
	});
});

describe('a disabled reviewer', () => {
	it('is no active reviewer: their leases end, the stuck count leaves them out, the audit shows them disabled; enabled, they count again', async () => {
		const { auditId, users } = await audit(30, 2, 2);
		const [ana, ben] = users;
		for (let i = 0; i < 30; i++) label(auditId, ana.id, take(auditId, ana.id));
		const held = take(auditId, ben.id);
		// On Ben's screen: being labelled (a lease only prefetched is not).
		heartbeat(auditId, ben.id, held, {}, db);
		expect(auditProgress(auditId, {}, db)).toMatchObject({ stuckItems: 0, activeLeases: 1 });

		const { reviewing } = setDisabled(ben.id, true, db);
		expect(reviewing).toEqual([{ id: auditId, name: expect.any(String) }]);
		const progress = auditProgress(auditId, {}, db);
		// Ana has labelled every item, and the only other reviewer cannot sign in: none can reach k = 2.
		expect(progress).toMatchObject({ stuckItems: 30, activeLeases: 0 });
		expect(progress.reviewers.find((r) => r.userId === ben.id)).toMatchObject({ disabled: true, removed: false, holding: 0 });
		expect(progress.reviewers.find((r) => r.userId === ana.id)).toMatchObject({ disabled: false });
		expect(db.$client.prepare('SELECT claimed_count FROM audit_items WHERE ref = ?').pluck().get(held)).toBe(1);
		expect(reviewProgress(auditId, ana.id, db)).toMatchObject({ remaining: 0, stuck: 30 });

		setDisabled(ben.id, false, db);
		expect(auditProgress(auditId, {}, db)).toMatchObject({ stuckItems: 0 });
		expect(auditProgress(auditId, {}, db).reviewers.find((r) => r.userId === ben.id)).toMatchObject({ disabled: false });
		// Back, they get the item whose lease the disabling ended first.
		expect(take(auditId, ben.id)).toBe(held);
	});
});
