/**
 * A reviewer's progress counters, kept by triggers (migration 0026): finished_below_k, their
 * finished assignments on sampled items still below k (their progress subtracts them from the
 * items short of k), and labels, their labels. Checked against the counts they replace after
 * every one of many random writes to the tables the triggers watch (as any code path would make
 * them), then through the review flow.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createTestDb } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { createAudit } from '../../src/lib/server/audits/create';
import { nextAssignment, skipItem, submitLabel } from '../../src/lib/server/audits/routing';
import { reviewProgress } from '../../src/lib/server/audits/review';
import { createRng } from '../../src/lib/random';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

const FINISHED = ['submitted', 'skipped', 'released'];
const STATUSES = ['active', 'expired', ...FINISHED];

function seed(items: number, reviewers: number, overlap: number) {
	const c = db.$client;
	const now = Date.now();
	const datasetId = Number(c.prepare(`INSERT INTO datasets (name, created_at) VALUES (?, ?)`).run(`d${overlap}`, now).lastInsertRowid);
	const task = c.prepare(`INSERT INTO tasks (dataset_id, instruction, instruction_key, origin, instance_count, created_at) VALUES (?, ?, ?, 'generated', 1, ?)`);
	const instance = c.prepare(`INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, '', ?, ?)`);
	for (let i = 0; i < items; i++) {
		const taskId = Number(task.run(datasetId, `Instruction ${i}`, `Instruction ${i}`, now).lastInsertRowid);
		instance.run(taskId, datasetId, `Output ${i}`, now);
	}
	const user = c.prepare(`INSERT INTO users (email, role, password_hash, created_at) VALUES (?, 'reviewer', 'x', ?)`);
	const ids = Array.from({ length: reviewers }, (_, r) => Number(user.run(`r${r}.k${overlap}@example.org`, now).lastInsertRowid));
	const audit = createAudit({ datasetId, kind: 'quality', sampleSize: items, seed: 3, overlap, reviewerIds: ids }, db);
	return { auditId: audit.id, reviewers: ids };
}

/** Every reviewer row whose counters differ from the counts they stand for. */
function mismatches(): unknown[] {
	return db.$client
		.prepare(
			`SELECT * FROM (SELECT r.audit_id AS auditId, r.user_id AS userId, r.finished_below_k AS kept,
				(SELECT count(*) FROM audit_assignments s JOIN audit_items i ON i.id = s.item_id JOIN audits a ON a.id = s.audit_id
				 WHERE s.audit_id = r.audit_id AND s.reviewer_id = r.user_id AND s.status IN ('submitted', 'skipped', 'released')
				 AND i.is_gold = 0 AND i.label_count < a.overlap) AS counted,
				r.labels AS labelsKept, (SELECT count(*) FROM audit_labels l WHERE l.audit_id = r.audit_id AND l.reviewer_id = r.user_id) AS labelsCounted
			 FROM audit_reviewers r) WHERE kept <> counted OR labelsKept <> labelsCounted`
		)
		.all();
}

describe("a reviewer's finished items below k, kept by triggers", () => {
	it('matches the count after every write to assignments, items, reviewers and the audit k, in any order', () => {
		const { auditId, reviewers } = seed(24, 4, 2);
		const c = db.$client;
		const rng = createRng(16);
		const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
		const items = () => c.prepare('SELECT id FROM audit_items WHERE audit_id = ?').pluck().all(auditId) as number[];
		const assignments = () => c.prepare('SELECT id FROM audit_assignments WHERE audit_id = ?').pluck().all(auditId) as number[];
		const done = new Set<string>();
		const highest = { finished: 0, labels: 0 };
		for (let step = 0; step < 1500; step++) {
			const op = Math.floor(rng() * 12);
			const kind = ['insert assignment', 'status', 'move', 'delete assignment', 'label count', 'gold', 'delete item', 'overlap', 'reviewer row', 'insert label', 'delete label', 'move label'][op];
			if (op === 0 || assignments().length < 4) {
				const item = pick(items());
				const reviewer = pick(reviewers);
				if (item === undefined) break;
				c.prepare(
					`INSERT OR IGNORE INTO audit_assignments (audit_id, item_id, reviewer_id, status, assigned_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`
				).run(auditId, item, reviewer, pick(STATUSES), Date.now(), Date.now() + 60_000);
			} else if (op === 1) {
				c.prepare('UPDATE audit_assignments SET status = ? WHERE id = ?').run(pick(STATUSES), pick(assignments()));
			} else if (op === 2) {
				// Another reviewer or item for an assignment (the unique pair permitting).
				try {
					if (rng() < 0.5) c.prepare('UPDATE audit_assignments SET reviewer_id = ? WHERE id = ?').run(pick(reviewers), pick(assignments()));
					else c.prepare('UPDATE audit_assignments SET item_id = ? WHERE id = ?').run(pick(items()), pick(assignments()));
				} catch (err) {
					expect(String(err)).toMatch(/UNIQUE/);
				}
			} else if (op === 3) {
				c.prepare('DELETE FROM audit_assignments WHERE id = ?').run(pick(assignments()));
			} else if (op === 4) {
				c.prepare('UPDATE audit_items SET label_count = ? WHERE id = ?').run(Math.floor(rng() * 4), pick(items()));
			} else if (op === 5) {
				c.prepare('UPDATE audit_items SET is_gold = 1 - is_gold WHERE id = ?').run(pick(items()));
			} else if (op === 6) {
				// An item with labels cannot go (the labels' foreign key); one without can, its assignments with it.
				const item = pick(items());
				if (rng() < 0.3 && items().length > 8 && !c.prepare('SELECT 1 FROM audit_labels WHERE item_id = ?').get(item)) {
					c.prepare('DELETE FROM audit_items WHERE id = ?').run(item);
				}
			} else if (op === 7) {
				if (rng() < 0.3) c.prepare('UPDATE audits SET overlap = ? WHERE id = ?').run(1 + Math.floor(rng() * 3), auditId);
			} else if (op === 9) {
				c.prepare(
					`INSERT OR IGNORE INTO audit_labels (audit_id, item_id, reviewer_id, output_valid, submitted_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)`
				).run(auditId, pick(items()), pick(reviewers), Date.now(), Date.now());
			} else if (op === 10) {
				const labels = c.prepare('SELECT id FROM audit_labels WHERE audit_id = ?').pluck().all(auditId) as number[];
				if (labels.length) c.prepare('DELETE FROM audit_labels WHERE id = ?').run(pick(labels));
			} else if (op === 11) {
				const labels = c.prepare('SELECT id FROM audit_labels WHERE audit_id = ?').pluck().all(auditId) as number[];
				try {
					if (labels.length) c.prepare('UPDATE audit_labels SET reviewer_id = ? WHERE id = ?').run(pick(reviewers), pick(labels));
				} catch (err) {
					expect(String(err)).toMatch(/UNIQUE/);
				}
			} else {
				// A reviewer's row taken away and put back: it counts again what they finished and labelled.
				const reviewer = pick(reviewers);
				const row = c.prepare('SELECT * FROM audit_reviewers WHERE audit_id = ? AND user_id = ?').get(auditId, reviewer) as Record<string, unknown> | undefined;
				if (row) {
					c.prepare('DELETE FROM audit_reviewers WHERE audit_id = ? AND user_id = ?').run(auditId, reviewer);
					c.prepare('INSERT INTO audit_reviewers (audit_id, user_id, order_salt, added_at, finished_below_k) VALUES (?, ?, ?, ?, 0)').run(
						auditId,
						reviewer,
						row.order_salt,
						row.added_at
					);
				}
			}
			done.add(kind);
			const [finishedMax, labelsMax] = c.prepare('SELECT max(finished_below_k), max(labels) FROM audit_reviewers').raw().get() as number[];
			highest.finished = Math.max(highest.finished, finishedMax);
			highest.labels = Math.max(highest.labels, labelsMax);
			const wrong = mismatches();
			if (wrong.length) throw new Error(`after step ${step} (${kind}): ${JSON.stringify(wrong)}`);
		}
		expect(done.size).toBe(12);
		// The history was not trivial: the counters went well above zero.
		expect(highest.finished).toBeGreaterThan(2);
		expect(highest.labels).toBeGreaterThan(2);
	});

	it("gives the reviewer's progress through the review flow (submits and skips), k = 1 and k = 3", () => {
		for (const overlap of [1, 3]) {
			const { auditId, reviewers } = seed(40, 3, overlap);
			const answer = { kind: 'quality', instruction: true, input: true, output: false, reason: 'incorrect_output', comment: '' };
			let turns = 0;
			for (let round = 0; round < 200; round++) {
				const reviewer = reviewers[round % reviewers.length];
				const next = nextAssignment(auditId, reviewer, {}, db);
				if (next.status !== 'assigned') continue;
				turns++;
				if (round % 7 === 3) skipItem(auditId, reviewer, next.ref, 'unclear', {}, db);
				else submitLabel(auditId, reviewer, { ref: next.ref, submissionId: randomUUID(), answer, activeMs: 1000 }, {}, db);
				expect(mismatches()).toEqual([]);
				const { remaining, mine } = reviewProgress(auditId, reviewer, db);
				expect(mine).toBe(db.$client.prepare('SELECT count(*) FROM audit_labels WHERE audit_id = ? AND reviewer_id = ?').pluck().get(auditId, reviewer));
				// What the progress counted before the counter: the items short of k less this reviewer's finished ones below k.
				const shortOfK = db.$client.prepare('SELECT items_below_k + items_held_to_k FROM audits WHERE id = ?').pluck().get(auditId) as number;
				const finished = db.$client
					.prepare(
						`SELECT count(*) FROM audit_assignments s JOIN audit_items i ON i.id = s.item_id
						 WHERE s.audit_id = ? AND s.reviewer_id = ? AND s.status IN ('submitted', 'skipped', 'released') AND i.is_gold = 0 AND i.label_count < ?`
					)
					.pluck()
					.get(auditId, reviewer, overlap) as number;
				expect(remaining).toBe(shortOfK - finished);
			}
			expect(turns).toBeGreaterThan(30);
		}
	});
});
