import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, streamOf } from '../support/db';
import { buildReviewedWork, type ReviewedWork } from '../support/reviewed-work';
import { lockHoldStats, resetLockHolds, type Db } from '../../src/lib/server/db';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { validate } from '../support/json-schema';
import { auditBundleLines, auditBundleRecords, auditImport, auditName, BundleError, importAuditBundle } from '../../src/lib/server/bundles';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
import { ALL_YES, BAD_OUTPUT, addPredictions, makeDataset, makeUsers, submissionId } from './audit-fixtures';
import { parseGold } from '../../src/lib/audits/gold';
import { buildResponsePairs } from '../../src/lib/server/datasets/response-pairs';
import { removeReviewer, updateGuidelines } from '../../src/lib/server/audits/audits';
import { restoreReviewerLabels, setAsideCounts } from '../../src/lib/server/archive/labels';
import { comparisonRows, sharegptRows } from './shape-fixtures';
import { auditMethods } from '../../src/lib/server/reports/methods';
import { estimateQuality } from '../../src/lib/server/exports/quality';
import { parseExportParams } from '../../src/lib/server/exports/params';
import { auditReport } from '../../src/lib/server/reports';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';
import { listDisagreements, setAdjudication } from '../../src/lib/server/reports';

// An audit moves between two fresh installations: A exports it as a bundle, B (holding the same
// datasets, imported from the same files, and accounts with the same emails) imports it, and
// B's report of it is A's, number for number.
let a: { db: Db; cleanup: () => void };
let b: { db: Db; cleanup: () => void };
let workA: ReviewedWork;
let workB: ReviewedWork;

beforeEach(async () => {
	a = createTestDb();
	workA = await buildReviewedWork(a.db, 'lab');
	b = createTestDb();
	workB = await buildReviewedWork(b.db, 'lab');
});
afterEach(() => {
	a.cleanup();
	b.cleanup();
});

/** A's accounts (by email and name) in B, as the other lab would have created them. */
function sameAccounts(from: Db, to: Db): void {
	const insert = to.$client.prepare(`INSERT OR IGNORE INTO users (email, name, role, password_hash, created_at) VALUES (?, ?, ?, 'x', ?)`);
	for (const u of from.$client.prepare('SELECT email, name, role FROM users ORDER BY id').all() as { email: string; name: string; role: string }[]) {
		insert.run(u.email, u.name, u.role, Date.now());
	}
}

async function* bytes(lines: Iterable<string>): AsyncGenerator<Uint8Array> {
	const encoder = new TextEncoder();
	for (const line of lines) yield encoder.encode(line);
}

/** The report without the ids that differ between installations, nor where an import came from. */
function numbers(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(numbers);
	if (value && typeof value === 'object') {
		return Object.fromEntries(
			Object.entries(value)
				// Position bias too: the order each reviewer saw is derived from ids an import renumbers, so an imported pairwise audit has none.
				.filter(([k]) => !/^(id|auditId|datasetId|itemId|taskId|instanceId|responseId|reviewerId|userId|adjudicatorId|imported|positionBias)$/.test(k))
				.map(([k, v]) => [k, numbers(v)])
		);
	}
	return value;
}

describe('audit bundles', () => {
	it('round-trips a quality and a rating audit between two fresh databases with identical report numbers', async () => {
		sameAccounts(a.db, b.db);
		for (const [which, datasetB] of [
			['quality', workB.quality.datasetId],
			['rating', workB.rating.datasetId]
		] as const) {
			const auditA = workA[which].auditId;
			const imported = await importAuditBundle(bytes(auditBundleLines(auditA, a.db)), { fileName: `${which}.jsonl`, datasetId: datasetB }, b.db);
			const reportA = auditReport(auditA, {}, a.db);
			const reportB = auditReport(imported.auditId, {}, b.db);
			expect(reportB.progress.labels).toBeGreaterThan(0);
			// B's report says where its labels came from; the numbers are A's.
			expect(reportB.audit.imported).toMatchObject({ by: null, file: { name: `${which}.jsonl` } });
			expect(numbers(reportB)).toEqual(numbers(reportA));
			expect(numbers(await listDisagreements(imported.auditId, {}, b.db))).toEqual(numbers(await listDisagreements(auditA, {}, a.db)));
			// And back again: B's bundle of the imported audit is A's, but for when it was exported.
			const again = (db: Db, id: number) => auditBundleRecords(id, db).map((r) => (r.type === 'audit-bundle' ? { ...r, exportedAt: '' } : r));
			expect(again(b.db, imported.auditId)).toEqual(again(a.db, auditA));
		}
		const q = auditReport(workA.quality.auditId, {}, a.db);
		expect(q.progress).toMatchObject({ labels: 17, goldLabels: 2, skips: expect.any(Number) });
		expect(q.basis.adjudicated).toBe(1);
	});

	it('records who imported an audit, when and from which file, and every report and manifest says so', async () => {
		sameAccounts(a.db, b.db);
		const importer = b.db.$client.prepare(`SELECT id, email FROM users WHERE role = 'researcher' ORDER BY id LIMIT 1`).get() as { id: number; email: string };
		const lines = [...auditBundleLines(workA.quality.auditId, a.db)];
		const sha256 = createHash('sha256').update(lines.join('')).digest('hex');
		const before = Date.now();
		const imported = await importAuditBundle(bytes(lines), { fileName: '/tmp/some/forged.jsonl', datasetId: workB.quality.datasetId, createdBy: importer.id }, b.db);
		const provenance = auditImport(imported.auditId, b.db)!;
		expect(provenance).toMatchObject({ by: importer.email, file: { name: 'forged.jsonl', sha256 } });
		expect(Date.parse(provenance.at)).toBeGreaterThanOrEqual(before);
		// B's accounts were made after A's labels: normal for a moved audit, and said plainly.
		expect(provenance.labelsBeforeAccount).toBe(imported.labels);
		const report = auditReport(imported.auditId, {}, b.db);
		expect(report.audit.imported).toEqual(provenance);
		const methods = auditMethods(report, b.db).paragraph;
		expect(methods).toContain(`Imported from the audit bundle forged.jsonl (SHA-256 ${sha256}) by ${importer.email}`);
		expect(methods).toContain(`${imported.labels} labels are dated before their reviewer's account here was created.`);
		const manifest = estimateQuality(b.db.$client, parseExportParams(new URLSearchParams({ dataset: String(workB.quality.datasetId), format: 'jsonl' })));
		const summary = manifest!.audits.find((x) => x.id === imported.auditId)!;
		expect(summary.imported).toEqual({ by: importer.email, at: provenance.at, file: { name: 'forged.jsonl', sha256 } });
		expect(manifest!.audits.find((x) => x.id === workB.quality.auditId)!.imported).toBeNull();
		const schema = JSON.parse(fs.readFileSync('docs/schemas/export-manifest.schema.json', 'utf8'));
		expect(validate({ ...schema, ...schema.$defs.quality }, JSON.parse(JSON.stringify(manifest)))).toEqual([]);
		// An audit made here says nothing of the kind.
		expect(auditImport(workB.quality.auditId, b.db)).toBeNull();
	});

	it('refuses the same audit exported again (a new exportedAt, so another file), and a bundle imported into the database it came from', async () => {
		sameAccounts(a.db, b.db);
		const auditA = workA.quality.auditId;
		const first = [...auditBundleLines(auditA, a.db)];
		const again = [...auditBundleLines(auditA, a.db)].map((line) => {
			const record = JSON.parse(line);
			if (record.type === 'audit-bundle') record.exportedAt = new Date(Date.parse(record.exportedAt) + 60_000).toISOString();
			return JSON.stringify(record) + '\n';
		});
		expect(again.join('')).not.toBe(first.join(''));
		const copy = await importAuditBundle(bytes(first), { fileName: 'b1.jsonl', datasetId: workB.quality.datasetId }, b.db);
		const count = (db: Db) => db.$client.prepare("SELECT count(*) FROM audits WHERE status <> 'preparing'").pluck().get();
		const before = count(b.db);
		const refused = await importAuditBundle(bytes(again), { fileName: 'b1-again.jsonl', datasetId: workB.quality.datasetId }, b.db).catch((e) => e);
		expect(refused).toBeInstanceOf(BundleError);
		expect(refused.status).toBe(409);
		expect(refused.message).toBe(
			`This bundle holds an audit dataset "${b.db.$client.prepare('SELECT name FROM datasets WHERE id = ?').pluck().get(workB.quality.datasetId)}" already has: audit ${copy.auditId} "${copy.name}", imported from the file "b1.jsonl", with the same ${copy.items} items and the same ${copy.labels} labels (reviewers, times and revisions); nothing was imported. Delete or purge that audit first to import it again.`
		);
		expect(count(b.db)).toBe(before);
		// Into the database it was exported from: the origin audit is named.
		const home = await importAuditBundle(bytes(first), { fileName: 'b1.jsonl', datasetId: workA.quality.datasetId }, a.db).catch((e) => e);
		expect(home).toBeInstanceOf(BundleError);
		expect(home.message).toContain(`already has: audit ${auditA} "`);
		expect(home.message).toContain('the audit it was exported from');
		// Labelled further since: another state of the audit, which imports.
		const label = a.db.$client.prepare('SELECT l.reviewer_id AS reviewerId, i.ref, l.revision FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = ? AND i.is_gold = 0 ORDER BY l.id LIMIT 1').get(auditA) as { reviewerId: number; ref: string; revision: number };
		submitLabel(auditA, label.reviewerId, { ref: label.ref, submissionId: submissionId(), baseRevision: label.revision, answer: BAD_OUTPUT }, { now: Date.now() + 1000 }, a.db);
		const later = await importAuditBundle(bytes([...auditBundleLines(auditA, a.db)]), { fileName: 'b1-later.jsonl', datasetId: workB.quality.datasetId }, b.db);
		expect(later.auditId).not.toBe(copy.auditId);
	});

	it('refuses labels, skips and adjudications dated in the future, naming the line and field', async () => {
		sameAccounts(a.db, b.db);
		const lines = [...auditBundleLines(workA.quality.auditId, a.db)];
		const at = lines.findIndex((l) => l.includes('"type":"label"'));
		const future = new Date(Date.now() + 24 * 3600_000).toISOString();
		lines[at] = JSON.stringify({ ...JSON.parse(lines[at]), updatedAt: future }) + '\n';
		const audits = b.db.$client.prepare('SELECT count(*) FROM audits').pluck().get();
		await expect(importAuditBundle(bytes(lines), { fileName: 'future.jsonl', datasetId: workB.quality.datasetId }, b.db)).rejects.toThrow(
			`future.jsonl: line ${at + 1}, updatedAt: updatedAt ${future} is in the future`
		);
		expect(b.db.$client.prepare('SELECT count(*) FROM audits').pluck().get()).toBe(audits);
	});

	it('writes the audit in short transactions as a preparing audit, and gives it its status and reviewers last', async () => {
		sameAccounts(a.db, b.db);
		resetLockHolds();
		const imported = await importAuditBundle(bytes(auditBundleLines(workA.quality.auditId, a.db)), { fileName: 'q.jsonl', datasetId: workB.quality.datasetId }, b.db);
		// The audit row, its rows (one batch here), then its reviewers with its status.
		expect(lockHoldStats()['import bundle']?.transactions).toBe(3);
		const row = b.db.$client.prepare('SELECT status, prepare_owner AS owner, prepare_heartbeat_at AS beat FROM audits WHERE id = ?').get(imported.auditId);
		const original = a.db.$client.prepare('SELECT status FROM audits WHERE id = ?').get(workA.quality.auditId) as { status: string };
		expect(row).toEqual({ status: original.status, owner: null, beat: null });
		expect(b.db.$client.prepare(`SELECT count(*) FROM audits WHERE status = 'preparing'`).pluck().get()).toBe(0);
	});

	it('keeps routing honest after an import: nobody is given an item they labelled or skipped', async () => {
		sameAccounts(a.db, b.db);
		const imported = await importAuditBundle(bytes(auditBundleLines(workA.quality.auditId, a.db)), { fileName: 'q.jsonl', datasetId: workB.quality.datasetId }, b.db);
		const reviewers = b.db.$client.prepare('SELECT user_id FROM audit_reviewers WHERE audit_id = ?').pluck().all(imported.auditId) as number[];
		for (const reviewer of reviewers) {
			const next = nextAssignment(imported.auditId, reviewer, {}, b.db);
			if (next.status !== 'assigned') continue;
			const item = b.db.$client.prepare('SELECT id FROM audit_items WHERE ref = ?').pluck().get(next.ref) as number;
			const done = b.db.$client.prepare(`SELECT count(*) FROM audit_assignments WHERE item_id = ? AND reviewer_id = ? AND status <> 'active'`).pluck().get(item, reviewer);
			expect(done).toBe(0);
		}
	});

	it('refuses a bundle that does not match, listing every mismatch, and writes nothing', async () => {
		// B lacks A's reviewers and holds one instance with another output. A's researcher adjudicated two items: named once.
		const another = a.db.$client
			.prepare('SELECT id FROM audit_items WHERE audit_id = ? AND is_gold = 0 AND id NOT IN (SELECT item_id FROM audit_adjudications) ORDER BY id LIMIT 1')
			.pluck()
			.get(workA.quality.auditId) as number;
		setAdjudication(workA.quality.auditId, another, workA.researcherId, { kind: 'quality', instructionValid: true, inputValid: true, outputValid: true, errorReason: null }, a.db);
		expect(a.db.$client.prepare('SELECT count(*) FROM audit_adjudications WHERE audit_id = ? AND adjudicator_id = ?').pluck().get(workA.quality.auditId, workA.researcherId)).toBe(2);
		b.db.$client
			.prepare(`UPDATE instances SET output = 'a different output' WHERE task_id = (SELECT id FROM tasks WHERE dataset_id = ? AND source_id = 't3')`)
			.run(workB.quality.datasetId);
		const audits = b.db.$client.prepare('SELECT count(*) FROM audits').pluck().get();
		let error: BundleError | undefined;
		try {
			await importAuditBundle(bytes(auditBundleLines(workA.quality.auditId, a.db)), { fileName: 'q.jsonl', datasetId: workB.quality.datasetId }, b.db);
		} catch (err) {
			error = err as BundleError;
		}
		expect(error).toBeInstanceOf(BundleError);
		expect(error!.message).toMatch(/^The bundle does not match this installation \(5 problems\); nothing was imported:/);
		const emails = a.db.$client.prepare('SELECT email FROM users WHERE id IN (SELECT user_id FROM audit_reviewers WHERE audit_id = ?)').pluck().all(workA.quality.auditId) as string[];
		for (const email of emails) expect(error!.problems).toContain(`reviewer ${email}: no account with this email here`);
		const adjudicator = `adjudicator ${a.db.$client.prepare('SELECT email FROM users WHERE id = ?').pluck().get(workA.researcherId)}: no account with this email here`;
		expect(error!.problems.filter((p) => p === adjudicator)).toHaveLength(1);
		expect(error!.problems.filter((p) => p.startsWith('item '))).toEqual([
			expect.stringMatching(/^item \d+ \(position \d+\) \("Instruction for task t3: do the thing c…"\): the instance with input "input of t3" has another output here \("a different output", the bundle's: "output of t3"\)$/)
		]);
		expect(b.db.$client.prepare('SELECT count(*) FROM audits').pluck().get()).toBe(audits);
	});

	it('refuses a bundle cut off in the middle, and an item whose task is not in the dataset', async () => {
		sameAccounts(a.db, b.db);
		const lines = [...auditBundleLines(workA.quality.auditId, a.db)];
		await expect(importAuditBundle(bytes(lines.slice(0, -3)), { fileName: 'cut.jsonl', datasetId: workB.quality.datasetId }, b.db)).rejects.toThrow(
			/cut\.jsonl: line \d+: the end record is missing: the file was cut off/
		);
		await expect(importAuditBundle(bytes(lines), { fileName: 'q.jsonl', datasetId: workB.rating.datasetId }, b.db)).rejects.toThrow(/no task in "lab rating" has the instruction/);
	});

	it('refuses a quality label with a question left blank, which the review screen never sends', async () => {
		sameAccounts(a.db, b.db);
		let blanked = '';
		const lines = [...auditBundleLines(workA.quality.auditId, a.db)].map((line) => {
			const record = JSON.parse(line) as { type?: string; item?: number; reviewer?: string; inputValid?: boolean | null };
			if (blanked || record.type !== 'label') return line;
			blanked = `label of ${record.reviewer} on item ${record.item! + 1} (position ${record.item})`;
			return JSON.stringify({ ...record, inputValid: null }) + (line.endsWith('\n') ? '\n' : '');
		});
		const labelsBefore = b.db.$client.prepare('SELECT count(*) FROM audit_labels').pluck().get();
		const error = await importAuditBundle(bytes(lines), { fileName: 'q.jsonl', datasetId: workB.quality.datasetId }, b.db).catch((e) => e);
		expect(error).toBeInstanceOf(BundleError);
		expect((error as BundleError).problems).toEqual([`${blanked}: no answer to inputValid (a quality label answers all three questions yes or no)`]);
		expect(b.db.$client.prepare('SELECT count(*) FROM audit_labels').pluck().get()).toBe(labelsBefore);
	});
});

describe('audit bundles of every kind', () => {
	it('write a pairwise or conversation audit too (they were refused: a bundle had no records for choices and per-turn verdicts)', async () => {
		const [r] = makeUsers(a.db, 1);
		const pairs = await importFile(streamOf(JSON.stringify(comparisonRows)), { datasetName: 'pairs', fileName: 'cmp.json' }, a.db);
		const chats = await importFile(streamOf(JSON.stringify(sharegptRows)), { datasetName: 'chats', fileName: 'sg.json' }, a.db);
		const pairwise = createAudit({ datasetId: pairs.datasetId, kind: 'pairwise', reviewerIds: [r.id], seed: 3 }, a.db);
		const conversation = createAudit({ datasetId: chats.datasetId, kind: 'conversation', reviewerIds: [r.id], sampleSize: 10, seed: 1 }, a.db);
		for (const audit of [pairwise, conversation]) {
			expect(auditName(audit.id, a.db)).toBe(audit.name);
			const records = auditBundleRecords(audit.id, a.db);
			expect(records[0]).toMatchObject({ version: 3, audit: { kind: audit.kind } });
			expect(records.at(-1)).toMatchObject({ type: 'end', counts: { items: 2 } });
		}
		// Pairs carry both responses (A then B) and the prompt; conversations every turn.
		expect(auditBundleRecords(pairwise.id, a.db).find((x) => x.type === 'item')).toMatchObject({ prompt: expect.any(String), responses: [{ model: 'completion_a' }, { model: 'completion_b' }] });
		expect(auditBundleRecords(conversation.id, a.db).find((x) => x.type === 'item')).toMatchObject({ conversation: { sourceId: expect.stringMatching(/^c[12]$/), turns: expect.any(Array) } });
	});
});

describe("a removed reviewer's set-aside labels", () => {
	it('travel in the bundle and can be brought back on the copy, with the report of the original after the same', async () => {
		sameAccounts(a.db, b.db);
		for (const [which, datasetB] of [
			['quality', workB.quality.datasetId],
			['rating', workB.rating.datasetId]
		] as const) {
			const auditA = workA[which].auditId;
			const reviewer = a.db.$client.prepare('SELECT reviewer_id FROM audit_labels WHERE audit_id = ? ORDER BY id LIMIT 1').pluck().get(auditA) as number;
			const { setAside } = removeReviewer(auditA, reviewer, { setAsideLabels: true, actorId: workA.researcherId }, a.db);
			expect(setAside).toBeGreaterThan(0);
			const lines = [...auditBundleLines(auditA, a.db)];
			expect(lines.filter((l) => l.startsWith('{"type":"archived-label"'))).toHaveLength(setAside);
			const imported = await importAuditBundle(bytes(lines), { fileName: `${which}.jsonl`, datasetId: datasetB }, b.db);
			expect(imported.archivedLabels).toBe(setAside);
			// Counted by whose labels they are: the removed reviewer's are set aside, not among the labels.
			const labelledBy = a.db.$client.prepare('SELECT count(DISTINCT reviewer_id) FROM audit_labels WHERE audit_id = ?').pluck().get(auditA) as number;
			expect(imported).toMatchObject({ labelReviewers: labelledBy, setAsideReviewers: 1 });
			expect(imported.reviewers).toBeGreaterThan(labelledBy);
			const email = a.db.$client.prepare('SELECT email FROM users WHERE id = ?').pluck().get(reviewer) as string;
			const reviewerB = b.db.$client.prepare('SELECT id FROM users WHERE email = ?').pluck().get(email) as number;
			expect(setAsideCounts(imported.auditId, b.db).get(reviewerB)).toBe(setAside);
			expect(numbers(auditReport(imported.auditId, {}, b.db))).toEqual(numbers(auditReport(auditA, {}, a.db)));
			const again = (db: Db, id: number) => auditBundleRecords(id, db).map((r) => (r.type === 'audit-bundle' ? { ...r, exportedAt: '' } : r));
			expect(again(b.db, imported.auditId)).toEqual(again(a.db, auditA));
			// Bring back on both sides: the same labels count again, and the copy's report is the original's.
			expect(restoreReviewerLabels(imported.auditId, reviewerB, b.db)).toEqual(restoreReviewerLabels(auditA, reviewer, a.db));
			expect(numbers(auditReport(imported.auditId, {}, b.db))).toEqual(numbers(auditReport(auditA, {}, a.db)));
			// The labels brought back keep ids no new label is given.
			const maxId = b.db.$client.prepare('SELECT max(id) FROM audit_labels').pluck().get() as number;
			expect((b.db.$client.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_labels'").pluck().get() as number) >= maxId).toBe(true);
		}
	});

	it('carries the qualification step (it was dropped: the copy gave a reviewer who failed it sampled items); a bundle without it imports with none', async () => {
		sameAccounts(a.db, b.db);
		const auditA = workA.quality.auditId;
		a.db.$client.prepare('UPDATE audits SET qualification_items = min(gold_count, 1), qualification_accuracy = 0.9 WHERE id = ?').run(auditA);
		updateGuidelines(auditA, 'Guidelines as changed once.', workA.researcherId, a.db);
		const rule = (db: Db, id: number) =>
			db.$client.prepare('SELECT qualification_items AS items, qualification_accuracy AS accuracy FROM audits WHERE id = ?').get(id) as { items: number; accuracy: number };
		expect(rule(a.db, auditA)).toEqual({ items: 1, accuracy: 0.9 });
		const lines = [...auditBundleLines(auditA, a.db)];
		const copy = await importAuditBundle(bytes(lines), { fileName: 'q.jsonl', datasetId: workB.quality.datasetId }, b.db);
		expect(rule(b.db, copy.auditId)).toEqual({ items: 1, accuracy: 0.9 });
		expect(numbers(auditReport(copy.auditId, {}, b.db).qualification)).toEqual(numbers(auditReport(auditA, {}, a.db).qualification));
		// The guidelines' versions travel too.
		// With who saved each (by email: the accounts' ids differ between installations).
		const versions = (db: Db, id: number) =>
			db.$client.prepare('SELECT v.version, v.text, v.saved_at AS savedAt, u.email AS savedBy FROM audit_guidelines_versions v LEFT JOIN users u ON u.id = v.saved_by WHERE v.audit_id = ? ORDER BY v.version').all(id);
		expect(versions(a.db, auditA)).toHaveLength(2);
		expect((versions(a.db, auditA)[1] as { savedBy: string | null }).savedBy).toMatch(/@/);
		expect(versions(b.db, copy.auditId)).toEqual(versions(a.db, auditA));
		const older = lines.map((line) => {
			const record = JSON.parse(line);
			if (record.type === 'audit-bundle') {
				delete record.audit.qualification;
				// Another audit (a copy of the same one is refused), drawn a moment later.
				record.audit.createdAt = new Date(Date.parse(record.audit.createdAt) + 1).toISOString();
			}
			return JSON.stringify(record) + '\n';
		});
		const plain = await importAuditBundle(bytes(older), { fileName: 'old.jsonl', datasetId: workB.quality.datasetId }, b.db);
		expect(rule(b.db, plain.auditId)).toEqual({ items: 0, accuracy: 0.8 });
	});

	it("carries the guidelines version each label was given and last changed under; an older bundle without it still imports, counted from the labels' times", async () => {
		sameAccounts(a.db, b.db);
		const auditA = workA.quality.auditId;
		await new Promise((resolve) => setTimeout(resolve, 5));
		updateGuidelines(auditA, 'Guidelines as changed once.', workA.researcherId, a.db);
		// One label changed under version 2 (its reviewer edits it).
		const c = a.db.$client;
		const label = c.prepare('SELECT l.reviewer_id AS reviewerId, i.ref, l.revision FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = ? AND i.is_gold = 0 ORDER BY l.id LIMIT 1').get(auditA) as { reviewerId: number; ref: string; revision: number };
		submitLabel(auditA, label.reviewerId, { ref: label.ref, submissionId: submissionId(), baseRevision: label.revision, answer: BAD_OUTPUT }, {}, a.db);
		const versions = (db: Db, id: number) =>
			db.$client
				.prepare('SELECT u.email, l.submitted_at AS submittedAt, l.first_guidelines_version AS first, l.guidelines_version AS last FROM audit_labels l JOIN users u ON u.id = l.reviewer_id WHERE l.audit_id = ? ORDER BY l.submitted_at, u.email')
				.all(id);
		const inA = versions(a.db, auditA) as { first: number; last: number }[];
		expect(inA.filter((v) => v.first === 1 && v.last === 2)).toHaveLength(1);
		const lines = [...auditBundleLines(auditA, a.db)];
		expect(lines.map((l) => JSON.parse(l)).filter((r) => r.type === 'label' && r.firstGuidelinesVersion === 1 && r.guidelinesVersion === 2)).toHaveLength(1);
		const copy = await importAuditBundle(bytes(lines), { fileName: 'q.jsonl', datasetId: workB.quality.datasetId }, b.db);
		expect(versions(b.db, copy.auditId)).toEqual(versions(a.db, auditA));
		const methods = (db: Db, id: number) => auditMethods(auditReport(id, {}, db), db).paragraph.match(/[^.]*guidelines[^]*?\.(?= [A-Z])/g);
		expect(methods(b.db, copy.auditId)).toEqual(methods(a.db, auditA));
		expect(auditMethods(auditReport(auditA, {}, a.db), a.db).paragraph).toContain('1 label first given under an earlier version was changed after version 2 was saved');

		const fresh = createTestDb();
		try {
			const workC = await buildReviewedWork(fresh.db, 'lab');
			sameAccounts(a.db, fresh.db);
			const older = lines.map((line) => {
				const record = JSON.parse(line);
				if (record.type === 'label') {
					delete record.firstGuidelinesVersion;
					delete record.guidelinesVersion;
				}
				return JSON.stringify(record) + '\n';
			});
			const plain = await importAuditBundle(bytes(older), { fileName: 'old.jsonl', datasetId: workC.quality.datasetId }, fresh.db);
			// Not recorded: counted from the labels' times, as before versions were kept on labels.
			expect((versions(fresh.db, plain.auditId) as { first: number | null; last: number | null }[]).every((v) => v.first === null && v.last === null)).toBe(true);
			expect(auditMethods(auditReport(plain.auditId, {}, fresh.db), fresh.db).paragraph).toContain(`of the ${inA.length} labels, `);
		} finally {
			fresh.cleanup();
		}
	});

	it('a version 1 bundle (without them) is still read', async () => {
		sameAccounts(a.db, b.db);
		const lines = [...auditBundleLines(workA.quality.auditId, a.db)].map((line) => {
			const record = JSON.parse(line);
			if (record.type === 'audit-bundle') record.version = 1;
			if (record.type === 'end') delete record.counts.archivedLabels;
			return JSON.stringify(record) + '\n';
		});
		const imported = await importAuditBundle(bytes(lines), { fileName: 'v1.jsonl', datasetId: workB.quality.datasetId }, b.db);
		expect(imported.archivedLabels).toBe(0);
		expect(imported.labels).toBeGreaterThan(0);
	});
});

describe('a pairwise audit over pairs built from two models’ responses (audit create --pair-models)', () => {
	/** The same dataset in every installation: tasks, then the predictions of two models. */
	async function predictions(db: Db): Promise<number> {
		const datasetId = await makeDataset(db, 'preds', 5);
		await addPredictions(db, 'preds', 5, 'modelX');
		await addPredictions(db, 'preds', 4, 'modelY');
		return datasetId;
	}
	const pairs = (db: Db) =>
		db.$client
			.prepare('SELECT a.model || \'/\' || b.model FROM preference_pairs p JOIN responses a ON a.id = p.response_a_id JOIN responses b ON b.id = p.response_b_id ORDER BY p.id')
			.pluck()
			.all();

	it('imports into an installation holding the same data: the pairs are built there as audit create builds them, and the report is the same', async () => {
		const datasetA = await predictions(a.db);
		const reviewers = makeUsers(a.db, 2);
		const audit = createAudit({ datasetId: datasetA, kind: 'pairwise', pairModels: ['modelX', 'modelY'], reviewerIds: reviewers.map((r) => r.id), seed: 3 }, a.db);
		expect(audit.itemCount).toBe(4);
		let n = 0;
		for (const r of reviewers) {
			for (;;) {
				const next = nextAssignment(audit.id, r.id, {}, a.db);
				if (next.status !== 'assigned') break;
				const choice = (['A', 'B', 'tie', 'both_bad'] as const)[n++ % 4];
				submitLabel(audit.id, r.id, { ref: next.ref, submissionId: submissionId(), answer: { kind: 'pairwise', choice, comment: '' } }, {}, a.db);
			}
		}
		expect(n).toBeGreaterThan(0);
		const lines = [...auditBundleLines(audit.id, a.db)];
		sameAccounts(a.db, b.db);
		const datasetB = await predictions(b.db);
		expect(pairs(b.db)).toEqual([]);
		const imported = await importAuditBundle(bytes(lines), { fileName: 'pairs.jsonl', datasetId: datasetB }, b.db);
		expect(imported).toMatchObject({ items: 4, labels: n });
		expect(pairs(b.db)).toEqual(Array(4).fill('modelX/modelY'));
		expect(numbers(auditReport(imported.auditId, {}, b.db))).toEqual(numbers(auditReport(audit.id, {}, a.db)));
		// The sides reviewers saw are not known in the copy (never guessed from its renumbered ids).
		expect(auditReport(audit.id, {}, a.db).pairwise!.positionBias.length).toBeGreaterThan(0);
		expect(auditReport(imported.auditId, {}, b.db).pairwise!.positionBias).toEqual([]);

		// Where the pairs were built the other way round (modelY as A), the verdicts would change
		// meaning: refused, saying so, and no other pairs built beside them.
		const c = createTestDb();
		try {
			sameAccounts(a.db, c.db);
			const datasetC = await predictions(c.db);
			buildResponsePairs(datasetC, ['modelY', 'modelX'], c.db);
			const refused = await importAuditBundle(bytes(lines), { fileName: 'pairs.jsonl', datasetId: datasetC }, c.db).catch((err: unknown) => err);
			expect(refused).toBeInstanceOf(BundleError);
			expect((refused as BundleError).problems).toHaveLength(4);
			expect((refused as BundleError).problems[0]).toMatch(/the pair here shows these responses the other way round \(A of model "modelY", B of model "modelX"\)/);
			expect(pairs(c.db)).toEqual(Array(4).fill('modelY/modelX'));
		} finally {
			c.cleanup();
		}
	});
});

describe('gold labels edited after their first answer', () => {
	it('keep the first answer sent across export and import: the same qualification and report, and older bundles still import', async () => {
		const datasetA = await makeDataset(a.db, 'qual', 9);
		const datasetB = await makeDataset(b.db, 'qual', 9);
		const instances = a.db.$client.prepare('SELECT n.id FROM instances n JOIN tasks t ON t.id = n.task_id WHERE t.dataset_id = ? ORDER BY n.id LIMIT 3').pluck().all(datasetA) as number[];
		const gold = parseGold(instances.map((id) => `{"instance": ${id}, "instruction": "yes", "input": "yes", "output": "yes"}`).join('\n'), 'quality');
		const [r1, r2] = makeUsers(a.db, 2);
		const audit = createAudit(
			{ datasetId: datasetA, kind: 'quality', sampleSize: 6, seed: 9, reviewerIds: [r1.id, r2.id], gold, goldRate: 0.5, qualificationItems: 3, qualificationAccuracy: 0.8 },
			a.db
		);
		const take = (reviewerId: number) => {
			const next = nextAssignment(audit.id, reviewerId, {}, a.db);
			if (next.status !== 'assigned') throw new Error(next.status);
			return next.ref;
		};
		const send = (reviewerId: number, ref: string, answer: typeof ALL_YES, baseRevision?: number) =>
			submitLabel(audit.id, reviewerId, { ref, submissionId: submissionId(), answer, ...(baseRevision ? { baseRevision } : {}) }, {}, a.db);
		for (let i = 0; i < 3; i++) {
			// r1 answers the gold item right, then turns the output wrong (My labels); r2 the other way round.
			const one = take(r1.id);
			send(r1.id, one, ALL_YES);
			send(r1.id, one, BAD_OUTPUT, 1);
			const two = take(r2.id);
			send(r2.id, two, BAD_OUTPUT);
			send(r2.id, two, ALL_YES, 1);
		}
		// Both then label a sampled item, so the headline depends on who qualified.
		send(r1.id, take(r1.id), ALL_YES);
		const standing = (report: ReturnType<typeof auditReport>) => report.qualification!.reviewers.map((r) => ({ name: r.name, state: r.state, correct: r.correct, total: r.total }));
		const reportA = auditReport(audit.id, {}, a.db);
		expect(standing(reportA)).toEqual(
			expect.arrayContaining([expect.objectContaining({ state: 'qualified', correct: 9, total: 9 }), expect.objectContaining({ state: 'failed', correct: 6, total: 9 })])
		);
		sameAccounts(a.db, b.db);
		const lines = [...auditBundleLines(audit.id, a.db)];
		// Only the edited gold labels carry a first answer.
		expect(lines.filter((l) => l.includes('"firstAnswer"'))).toHaveLength(6);
		const imported = await importAuditBundle(bytes(lines), { fileName: 'qual.jsonl', datasetId: datasetB }, b.db);
		const reportB = auditReport(imported.auditId, {}, b.db);
		expect(standing(reportB)).toEqual(standing(reportA));
		expect(numbers(reportB)).toEqual(numbers(reportA));
		// Exported again, the copy's bundle is the original's (first answers included).
		const again = (db: Db, id: number) => auditBundleRecords(id, db).map((r) => (r.type === 'audit-bundle' ? { ...r, exportedAt: '' } : r));
		expect(again(b.db, imported.auditId)).toEqual(again(a.db, audit.id));

		// A bundle written before first answers were carried still imports: each label's answer is its first.
		const older = lines.map((l) => {
			const record = JSON.parse(l);
			// Another audit (a copy of the same one is refused), drawn a moment later.
			if (record.type === 'audit-bundle') return JSON.stringify({ ...record, audit: { ...record.audit, createdAt: new Date(Date.parse(record.audit.createdAt) + 1).toISOString() } }) + '\n';
			return l.includes('"firstAnswer"') ? JSON.stringify({ ...record, firstAnswer: undefined }) + '\n' : l;
		});
		const old = await importAuditBundle(bytes(older), { fileName: 'older.jsonl', datasetId: datasetB }, b.db);
		expect(standing(auditReport(old.auditId, {}, b.db))).toEqual(
			expect.arrayContaining([expect.objectContaining({ state: 'failed', correct: 6, total: 9 }), expect.objectContaining({ state: 'qualified', correct: 9, total: 9 })])
		);
	});
});
