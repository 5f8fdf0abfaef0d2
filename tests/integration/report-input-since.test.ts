/**
 * An audit's report input built from the one read before it (loadReportInputSince): after every
 * kind of write the report reads — a label revised, set aside and restored, a rating changed, an
 * adjudication, a skip, gold items added, a task's classification — it equals the audit read
 * whole, and only the items changed were read again (the others' objects are the base's own).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { buildQualityAudit, buildRatingAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import type { Db } from '../../src/lib/server/db';
import { clearAdjudication, loadReportInput, setAdjudication } from '../../src/lib/server/reports';
import { loadReportInputSince, type SequencedReportInput } from '../../src/lib/server/reports/load';
import { setAsideReviewerLabels, restoreReviewerLabels } from '../../src/lib/server/archive/labels';
import { addGold } from '../../src/lib/server/audits/audits';
import { archiveAudit, purgeAudit } from '../../src/lib/server/archive/archive';
import type { ReportInput } from '../../src/lib/reports';
import { RATING_PLAN } from '../support/reviewed-work';

let db: Db;
let cleanup: () => void;
let quality: BuiltAudit;
let rating: BuiltAudit;
let researcherId: number;

beforeAll(async () => {
	({ db, cleanup } = createTestDb());
	researcherId = (
		db.$client.prepare(`INSERT INTO users (email, name, role, password_hash, created_at) VALUES ('res@x.org', 'Rita', 'researcher', 'x', 0) RETURNING id`).get() as { id: number }
	).id;
	quality = await buildQualityAudit(db, { datasetName: 'since-quality', name: 'Since quality', ...QUALITY_AUDIT_PLAN });
	rating = await buildRatingAudit(db, { datasetName: 'since-rating', name: 'Since rating', ...RATING_PLAN, tasks: [...RATING_PLAN.tasks], models: [...RATING_PLAN.models], reviewers: [...RATING_PLAN.reviewers] });
});
afterAll(() => cleanup());

/** Reads the audit from `base` after `write`; checks it against a whole read, and which items were read again. */
function afterWrite(auditId: number, base: SequencedReportInput, write: () => void, readAgain: number[]): SequencedReportInput {
	write();
	const next = loadReportInputSince(auditId, db, base);
	expect(next.input).toEqual(loadReportInput(auditId, db));
	expect(next.seq).toBeGreaterThanOrEqual(base.seq);
	expectReadAgain(base.input, next.input, readAgain);
	return next;
}

/** The items (and their labels) of `next` that are not `base`'s own objects are exactly `ids`. */
function expectReadAgain(base: ReportInput, next: ReportInput, ids: number[]) {
	const baseItems = new Set<object>(base.items);
	const baseLabels = new Set<object>(base.labels);
	const items = next.items.filter((i) => !baseItems.has(i)).map((i) => i.id);
	const labelled = [...new Set(next.labels.filter((l) => !baseLabels.has(l)).map((l) => l.itemId))];
	expect(items.sort((a, b) => a - b)).toEqual(ids.filter((id) => next.items.some((i) => i.id === id)).sort((a, b) => a - b));
	for (const itemId of labelled) expect(ids).toContain(itemId);
}

const labelOf = (auditId: number, itemId: number) =>
	db.$client.prepare<[number, number], { id: number; output: number | null }>('SELECT id, output_valid AS output FROM audit_labels WHERE audit_id = ? AND item_id = ? ORDER BY id LIMIT 1').get(auditId, itemId)!;

describe('loadReportInputSince', () => {
	it('without a base, or with nothing changed, gives the audit as a whole read does', () => {
		const first = loadReportInputSince(quality.auditId, db);
		expect(first.input).toEqual(loadReportInput(quality.auditId, db));
		const again = loadReportInputSince(quality.auditId, db, first);
		expect(again.input).toEqual(first.input);
		expect(again.input.labels).toBe(first.input.labels);
		expect(again.input.items).toBe(first.input.items);
	});

	it('reads again only the items of a quality audit that changed, whatever the write', () => {
		const { auditId, items, reviewers } = quality;
		let base = loadReportInputSince(auditId, db);
		const t2 = labelOf(auditId, items.t2);
		base = afterWrite(auditId, base, () => db.$client.prepare('UPDATE audit_labels SET output_valid = ? WHERE id = ?').run(t2.output ? 0 : 1, t2.id), [items.t2]);
		base = afterWrite(auditId, base, () => db.$client.prepare("UPDATE audit_labels SET comment = 'seen again' WHERE id = ?").run(labelOf(auditId, items.t9).id), [items.t9]);

		// A reviewer's labels set aside, then restored: every item they labelled.
		const benItems = db.$client.prepare<[number, number], number>('SELECT item_id FROM audit_labels WHERE audit_id = ? AND reviewer_id = ?').pluck().all(auditId, reviewers.Ben);
		expect(benItems.length).toBeGreaterThan(3);
		base = afterWrite(auditId, base, () => setAsideReviewerLabels(db.$client, auditId, reviewers.Ben, researcherId), benItems);
		base = afterWrite(auditId, base, () => restoreReviewerLabels(auditId, reviewers.Ben, db), benItems);

		// Adjudications and skips are read whole each time; no item is read again for them.
		base = afterWrite(
			auditId,
			base,
			() => setAdjudication(auditId, items.t3, researcherId, { kind: 'quality', instructionValid: true, inputValid: true, outputValid: true, errorReason: null, comment: '' }, db),
			[]
		);
		base = afterWrite(auditId, base, () => clearAdjudication(auditId, items.t3, db), []);
		base = afterWrite(
			auditId,
			base,
			() => db.$client.prepare("UPDATE audit_assignments SET status = 'skipped' WHERE audit_id = ? AND item_id = ? AND reviewer_id = ?").run(auditId, items.t9, reviewers.Cy),
			[]
		);

		// A task's classification: its items.
		base = afterWrite(auditId, base, () => db.$client.prepare('UPDATE tasks SET is_classification = 1 - coalesce(is_classification, 0) WHERE id = ?').run(quality.tasks.t4), [items.t4]);

		// Gold items added: the new items, in their places.
		const before = new Set(base.input.items.map((i) => i.id));
		// A second instance of t1: every instance of the dataset is in the sample, and gold may not be one of them.
		const instance = Number(
			db.$client
				.prepare<[number]>("INSERT INTO instances (task_id, dataset_id, input, output, created_at) SELECT id, dataset_id, 'gold input', 'gold output', 0 FROM tasks WHERE id = ?")
				.run(quality.tasks.t1).lastInsertRowid
		);
		addGold(auditId, [{ kind: 'quality', instanceId: instance, instruction: true, input: true, output: false, reason: 'incorrect_output', note: '' }], 0.5, researcherId, db);
		const added = db.$client.prepare<[number], number>('SELECT id FROM audit_items WHERE audit_id = ?').pluck().all(auditId).filter((id) => !before.has(id));
		expect(added.length).toBe(1);
		const next = loadReportInputSince(auditId, db, base);
		expect(next.input).toEqual(loadReportInput(auditId, db));
		expectReadAgain(base.input, next.input, added);
	});

	it("reads again a rating audit's items whose ratings changed", () => {
		const { auditId, items } = rating;
		let base = loadReportInputSince(auditId, db);
		const label = labelOf(auditId, items.r1);
		base = afterWrite(auditId, base, () => db.$client.prepare("UPDATE audit_label_ratings SET rating = 'D' WHERE label_id = ? AND model = 'm2'").run(label.id), [items.r1]);
		base = afterWrite(
			auditId,
			base,
			() => db.$client.prepare("DELETE FROM audit_label_ratings WHERE label_id = ? AND model = 'm1'").run(labelOf(auditId, items.r2).id),
			[items.r2]
		);
		afterWrite(auditId, base, () => db.$client.prepare("UPDATE responses SET model = 'm1 renamed' WHERE id = ?").run(rating.responses.r3.m1), [items.r3]);
	});

	it('reads the whole audit when much of it changed, and a base of another audit is not built on', () => {
		const { auditId, reviewers } = quality;
		const base = loadReportInputSince(auditId, db);
		db.$client.prepare("UPDATE audit_labels SET comment = comment || '.' WHERE audit_id = ?").run(auditId);
		const next = loadReportInputSince(auditId, db, base);
		expect(next.input).toEqual(loadReportInput(auditId, db));
		expect(next.input.labels.some((l) => base.input.labels.includes(l))).toBe(false);
		expect(reviewers.Ana).toBeGreaterThan(0);

		const other = loadReportInputSince(rating.auditId, db, base);
		expect(other.input).toEqual(loadReportInput(rating.auditId, db));
	});

	it('notes no item of an audit being prepared (no report reads it), and every item once it is open', () => {
		const { auditId } = quality;
		const count = () => db.$client.prepare<[number], number>('SELECT count(*) FROM audit_item_changes WHERE audit_id = ?').pluck().get(auditId)!;
		const position = db.$client.prepare<[number], number>('SELECT max(position) + 1 FROM audit_items WHERE audit_id = ?').pluck().get(auditId)!;
		const add = db.$client.prepare<[number, string, number, number]>(
			'INSERT INTO audit_items (audit_id, ref, position, task_id, instance_id, stratum, is_gold, shuffle_key) SELECT ?, ?, ?, task_id, instance_id, stratum, 0, 1 FROM audit_items WHERE id = ?'
		);
		const before = count();
		db.$client.prepare("UPDATE audits SET status = 'preparing' WHERE id = ?").run(auditId);
		add.run(auditId, 'prepared-ref', position, quality.items.t1);
		expect(count()).toBe(before);
		db.$client.prepare("UPDATE audits SET status = 'open' WHERE id = ?").run(auditId);
		add.run(auditId, 'open-ref', position + 1, quality.items.t1);
		expect(count()).toBe(before + 1);
		db.$client.prepare('DELETE FROM audit_items WHERE ref IN (?, ?)').run('prepared-ref', 'open-ref');
	});

	it("names the audit's reviewers: those added to it, and anyone who labelled or skipped one of its items, removed since or not", async () => {
		const audit = await buildQualityAudit(db, { datasetName: 'reviewers', name: 'Reviewers', ...QUALITY_AUDIT_PLAN });
		const { auditId, reviewers, items } = audit;
		const now = Date.now();
		const user = (email: string, name: string) =>
			db.$client.prepare<[string, string], { id: number }>(`INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, ?, 'reviewer', 'x', 0) RETURNING id`).get(email, name)!.id;
		const dee = user('dee@x.org', 'Dee'); // added to the audit, nothing done yet
		const eve = user('eve@x.org', '  '); // skipped an item only, never added (the name falls back to the email)
		const fay = user('fay@x.org', 'Fay'); // an assignment still open: not a reviewer of the report
		user('gus@x.org', 'Gus'); // nothing to do with the audit
		db.$client.prepare('INSERT INTO audit_reviewers (audit_id, user_id, order_salt, added_at) VALUES (?, ?, 1, ?)').run(auditId, dee, now);
		const assign = db.$client.prepare('INSERT INTO audit_assignments (audit_id, item_id, reviewer_id, status, assigned_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
		assign.run(auditId, items.t1, eve, 'skipped', now, now);
		assign.run(auditId, items.t1, fay, 'assigned', now, now + 60_000);
		// Ana labelled, then left the audit (her skips cleared here): her labels still count, so she is still named.
		db.$client.prepare('DELETE FROM audit_reviewers WHERE audit_id = ? AND user_id = ?').run(auditId, reviewers.Ana);
		db.$client.prepare("DELETE FROM audit_assignments WHERE audit_id = ? AND reviewer_id = ? AND status = 'skipped'").run(auditId, reviewers.Ana);
		expect(db.$client.prepare("SELECT count(*) FROM audit_assignments WHERE audit_id = ? AND reviewer_id = ? AND status = 'skipped'").pluck().get(auditId, reviewers.Ana)).toBe(0);
		const expected = [
			{ id: reviewers.Ana, name: 'Ana' },
			{ id: reviewers.Ben, name: 'Ben' },
			{ id: reviewers.Cy, name: 'Cy' },
			{ id: dee, name: 'Dee' },
			{ id: eve, name: 'eve@x.org' }
		]
			// Nobody was removed with their labels set aside (Ana's row was deleted, not removed).
			.map((r) => ({ ...r, removed: false, setAsideLabels: 0 }))
			.sort((a, b) => a.id - b.id);
		expect(loadReportInput(auditId, db).reviewers).toEqual(expected);
		expect(loadReportInputSince(auditId, db).input.reviewers).toEqual(expected);
	});

	it("forgets an audit's changes when the audit is deleted", async () => {
		const count = () => db.$client.prepare<[number], number>('SELECT count(*) FROM audit_item_changes WHERE audit_id = ?').pluck().get(rating.auditId)!;
		expect(count()).toBeGreaterThan(0);
		archiveAudit(rating.auditId, researcherId, db);
		await purgeAudit(rating.auditId, { id: researcherId, role: 'admin' }, 'Since rating', db);
		expect(count()).toBe(0);
	});
});
