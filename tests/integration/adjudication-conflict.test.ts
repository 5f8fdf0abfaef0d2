import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { buildQualityAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import type { Db } from '../../src/lib/server/db';
import { clearAdjudication, disagreementEntry, MAX_ADJUDICATION_COMMENT, setAdjudication, type AdjudicationInput } from '../../src/lib/server/reports';

// Two researchers settle the same item from pages loaded before either saved: the second is
// refused (409) with who set the final label and when, and the first's verdict is kept.
let db: Db;
let cleanup: () => void;
let quality: BuiltAudit;
let rita: number;
let sam: number;
beforeAll(async () => {
	({ db, cleanup } = createTestDb());
	const insert = db.$client.prepare(`INSERT INTO users (email, name, role, password_hash, created_at) VALUES (?, ?, 'researcher', 'x', 0) RETURNING id`).pluck();
	rita = Number(insert.get('rita@x.org', 'Rita'));
	sam = Number(insert.get('sam@x.org', 'Sam'));
	quality = await buildQualityAudit(db, { datasetName: 'conflict', name: 'Conflict audit', ...QUALITY_AUDIT_PLAN });
});
afterAll(() => cleanup());

const outputWrong: AdjudicationInput = { kind: 'quality', instructionValid: true, inputValid: true, outputValid: false, errorReason: 'incorrect_output' };
const allYes: AdjudicationInput = { kind: 'quality', instructionValid: true, inputValid: true, outputValid: true, errorReason: null };
const stored = (itemId: number) =>
	db.$client.prepare('SELECT adjudicator_id AS adjudicatorId, output_valid AS outputValid FROM audit_adjudications WHERE item_id = ?').get(itemId);

it('the second of two adjudicators working from the same page is refused, and the first verdict is kept', () => {
	const item = quality.items.t5;
	// Both opened the page while the item had no final label.
	setAdjudication(quality.auditId, item, rita, { ...allYes, basedOn: null }, db);
	expect(() => setAdjudication(quality.auditId, item, sam, { ...outputWrong, basedOn: null }, db)).toThrow(
		expect.objectContaining({ status: 409, message: expect.stringMatching(/^rita@x\.org set this item's final label on .+, after you opened it: instruction yes, input yes, output yes \(correct\)\. Review it and set it again\.$/) })
	);
	expect(stored(item)).toEqual({ adjudicatorId: rita, outputValid: 1 });

	// The page shows who set it and when; made from that state, Sam's change is saved.
	const entry = disagreementEntry(quality.auditId, item, db)!;
	expect(entry.adjudicator).toBe('rita@x.org');
	setAdjudication(quality.auditId, item, sam, { ...outputWrong, basedOn: entry.adjudication!.updatedAt }, db);
	expect(stored(item)).toEqual({ adjudicatorId: sam, outputValid: 0 });
	expect(disagreementEntry(quality.auditId, item, db)!.adjudicator).toBe('sam@x.org');

	// Removing it from the older page is refused too; from the current one it works.
	expect(() => clearAdjudication(quality.auditId, item, db, entry.adjudication!.updatedAt)).toThrow(expect.objectContaining({ status: 409 }));
	expect(stored(item)).toEqual({ adjudicatorId: sam, outputValid: 0 });
	expect(clearAdjudication(quality.auditId, item, db, disagreementEntry(quality.auditId, item, db)!.adjudication!.updatedAt)).toBe(true);
	// Nothing left to remove: said, not reported as done.
	expect(clearAdjudication(quality.auditId, item, db, null)).toBe(false);
});

it('a comment over the limit is refused, not cut', () => {
	const item = quality.items.t3;
	expect(() => setAdjudication(quality.auditId, item, rita, { ...allYes, comment: 'x'.repeat(MAX_ADJUDICATION_COMMENT + 1) }, db)).toThrow(/longer than 2000 characters/);
	expect(stored(item)).toBeUndefined();
});
