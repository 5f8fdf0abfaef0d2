/**
 * The labels, items and bundle downloads are written a block at a time (the server answers other
 * requests between blocks): over several blocks they hold every label or item once, in download
 * order, with one header, from one snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { createTestDb } from '../support/db';
import { buildLargeQualityAudit } from '../support/large-audit';
import type { Db } from '../../src/lib/server/db';
import { itemsDownload, itemVerdicts, itemVerdictsOffThread, labelsDownload, verdictsCsv } from '../../src/lib/server/reports';
import { auditBundleRecordStream } from '../../src/lib/server/bundles';

let db: Db;
let cleanup: () => void;
let auditId: number;

beforeAll(() => {
	({ db, cleanup } = createTestDb());
	// 2,600 items × k = 2: 5,200 labels, three blocks of labels and two of items.
	auditId = buildLargeQualityAudit(db, { items: 2_600, k: 2, reviewers: 8, name: 'blocks' });
});
afterAll(() => cleanup());

/** The labels as the download orders them, straight from SQL. */
const expectedOrder = () =>
	db.$client
		.prepare<[number], { id: number; item_id: number; output_valid: number | null }>(
			'SELECT l.id, l.item_id, l.output_valid FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = ? ORDER BY i.position, l.submitted_at, l.id'
		)
		.all(auditId);

describe('the labels download in blocks', () => {
	it('JSON Lines: every label once, in item then submission order', () => {
		const chunks = [...labelsDownload(auditId, 'jsonl', db)];
		expect(chunks.length).toBe(3);
		const lines = chunks.join('').trimEnd().split('\n').map((line) => JSON.parse(line) as { item_id: number; output_valid: boolean | null; ratings: unknown[] });
		const expected = expectedOrder();
		expect(lines).toHaveLength(5_200);
		expect(lines.map((l) => [l.item_id, l.output_valid])).toEqual(expected.map((e) => [e.item_id, e.output_valid === null ? null : e.output_valid === 1]));
		expect(lines.every((l) => Array.isArray(l.ratings))).toBe(true);
	});

	it('CSV: one header, then every label once in the same order', () => {
		const text = [...labelsDownload(auditId, 'csv', db)].join('');
		const rows = parseCsv(text, { columns: true }) as Record<string, string>[];
		expect(rows).toHaveLength(5_200);
		expect(text.match(/^audit_id,item_id,/gm)).toHaveLength(1);
		expect(rows.map((r) => Number(r.item_id))).toEqual(expectedOrder().map((e) => e.item_id));
	});

	it('reads one snapshot: a label changed midway is not in the rest of the file', () => {
		const chunks = labelsDownload(auditId, 'jsonl', db);
		const first = chunks.next().value as string;
		const last = expectedOrder().at(-1)!;
		db.$client.prepare<[number]>('UPDATE audit_labels SET output_valid = 1 - output_valid WHERE id = ?').run(last.id);
		try {
			const rest = [...chunks].join('');
			const lines = (first + rest).trimEnd().split('\n').map((line) => JSON.parse(line) as { output_valid: boolean | null });
			expect(lines.at(-1)!.output_valid).toBe(last.output_valid === 1);
		} finally {
			db.$client.prepare<[number]>('UPDATE audit_labels SET output_valid = 1 - output_valid WHERE id = ?').run(last.id);
		}
	});

	it('an unknown audit is refused before any block', () => {
		expect(() => labelsDownload(auditId + 99, 'csv', db).next()).toThrow(/No audit/);
	});
});

describe('the items download in blocks', () => {
	it('the report thread gives the same items; CSV and JSON Lines hold each once', async () => {
		const verdicts = itemVerdicts(auditId, {}, db);
		expect(await itemVerdictsOffThread(auditId, db)).toEqual(verdicts);
		const jsonl = [...itemsDownload(verdicts, 'jsonl')];
		expect(jsonl).toHaveLength(2);
		expect(jsonl.join('').trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual(verdicts);
		const csv = [...itemsDownload(verdicts, 'csv')];
		expect(csv).toHaveLength(2);
		const rows = parseCsv(csv.join(''), { columns: true }) as Record<string, string>[];
		expect(rows.map((r) => Number(r.itemId))).toEqual(verdicts.map((v) => v.itemId));
		expect(csv.join('')).toBe(verdictsCsv(verdicts));
	});
});

describe('the audit bundle in blocks', () => {
	it('every item in sample order and every label in id order, counted at the end, from one snapshot', () => {
		const records = auditBundleRecordStream(auditId, db);
		const header = records.next().value!;
		expect(header.type).toBe('audit-bundle');
		// Written after the bundle began: not in it.
		const last = db.$client.prepare<[number], { id: number; output: number }>('SELECT id, output_valid AS output FROM audit_labels WHERE audit_id = ? ORDER BY id DESC LIMIT 1').get(auditId)!;
		db.$client.prepare<[number, number]>('UPDATE audit_labels SET output_valid = ? WHERE id = ?').run(1 - last.output, last.id);
		try {
			const rest = [...records];
			const items = rest.filter((r) => r.type === 'item') as { position: number }[];
			const labels = rest.filter((r) => r.type === 'label') as { item: number; outputValid: boolean | null }[];
			expect(items.map((i) => i.position)).toEqual(Array.from({ length: 2_600 }, (_, n) => n));
			const expected = db.$client
				.prepare<[number], { position: number; output: number }>('SELECT i.position, l.output_valid AS output FROM audit_labels l JOIN audit_items i ON i.id = l.item_id WHERE l.audit_id = ? ORDER BY l.id')
				.all(auditId)
				.map((e, n, all) => [e.position, n === all.length - 1 ? 1 - e.output : e.output]);
			expect(labels.map((l) => [l.item, l.outputValid ? 1 : 0])).toEqual(expected);
			expect(rest.at(-1)).toMatchObject({ type: 'end', counts: { items: 2_600, labels: 5_200, reviewers: 8 } });
		} finally {
			db.$client.prepare<[number, number]>('UPDATE audit_labels SET output_valid = ? WHERE id = ?').run(last.output, last.id);
		}
	});
});
