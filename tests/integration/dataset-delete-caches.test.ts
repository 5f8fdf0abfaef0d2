/** Deleting a dataset leaves nothing computed from it behind: cached analyses and near-duplicate groups go with it. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { analyze } from '../../src/lib/server/analyses/analyze';
import { deleteDataset } from '../../src/lib/server/archive';
import { forgetNearDuplicates, nearDuplicateReport } from '../../src/lib/server/filters/near-duplicates';
import type { Db } from '../../src/lib/server/db';

let db: Db;
let cleanup: () => void;
beforeEach(() => ({ db, cleanup } = createTestDb()));
afterEach(() => cleanup());

const rows = (words: string[]) => jsonl(words.map((w, k) => ({ instruction: `Write a short poem about the ${w}.`, input: '', output: `A poem of ${k + 3} lines.` })));
const importRows = async (name: string, words: string[]) => (await importFile(streamOf(rows(words)), { datasetName: name, fileName: `${name}.jsonl` }, db)).datasetId;
const cachedDatasets = () =>
	db.$client.prepare<[], { id: number; seeds: string | null }>("SELECT json_extract(result, '$.datasetId') AS id, json_extract(result, '$.seeds.datasetId') AS seeds FROM analysis_cache ORDER BY id, seeds").all();

describe('deleting a dataset', () => {
	it('removes its cached analyses, and those that used it as seeds, and keeps the others', async () => {
		const gone = await importRows('secret name', ['sea', 'moon', 'sun']);
		const kept = await importRows('kept', ['tree', 'river']);
		await analyze({ kind: 'dataset', datasetId: gone }, {}, db);
		await analyze({ kind: 'dataset', datasetId: kept }, { seeds: { kind: 'none' } }, db);
		await analyze({ kind: 'dataset', datasetId: kept }, { seeds: { kind: 'dataset', datasetId: gone } }, db);
		expect(cachedDatasets()).toHaveLength(3);
		await deleteDataset(gone, db).removal;
		expect(cachedDatasets()).toEqual([{ id: kept, seeds: null }]);
		const left = db.$client.prepare<[], string>('SELECT result FROM analysis_cache').pluck().all().join('\n');
		expect(left).not.toContain('secret name');
	});

	it('its near-duplicate groups are forgotten (a new dataset given the same id would otherwise be shown them)', async () => {
		const id = await importRows('groups', ['sea', 'sea!', 'moon']);
		const first = await nearDuplicateReport(id, 0.7, db);
		expect(await nearDuplicateReport(id, 0.7, db)).toBe(first);
		forgetNearDuplicates(id);
		const again = await nearDuplicateReport(id, 0.7, db);
		expect(again).not.toBe(first);
		expect(again.groups).toEqual(first.groups);
	});
});
