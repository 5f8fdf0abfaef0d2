/**
 * The labels and items downloads are written a block at a time (the server answers other requests
 * between blocks): over several blocks they hold every label or item once, in download order, with
 * one header, from one snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { createTestDb } from '../support/db';
import { buildLargeQualityAudit } from '../support/large-audit';
import type { Db } from '../../src/lib/server/db';
import { itemsDownload, itemVerdicts, itemVerdictsOffThread, labelsDownload, verdictsCsv } from '../../src/lib/server/reports';

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
