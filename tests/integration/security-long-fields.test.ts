/**
 * Issue #17 item 11: one huge record cannot make pages megabytes long. An import refuses a record
 * longer than MAX_RECORD_CHARS with the file and line; a dataset's list and a task's page carry
 * long fields clipped, with their full length and "Show all" to load a field whole.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, snapshotDb, streamOf } from '../support/db';
import { startBuiltApp, signInOverHttp, type BuiltApp } from '../support/built-app';
import type { Db } from '../../src/lib/server/db';
import { importFile, ImportError } from '../../src/lib/server/datasets/import';
import { getTaskDetail, listTasks, taskPageView } from '../../src/lib/server/datasets/browse';
import { readConfig } from '../../src/lib/server/config';
import { FIELD_CLIP_CHARS, LIST_CLIP_CHARS } from '../../src/lib/text/clip';

const MB = 1024 * 1024;

describe('the largest record an import accepts', () => {
	let db: Db;
	let cleanup: () => void;
	beforeEach(() => ({ db, cleanup } = createTestDb()));
	afterEach(() => cleanup());

	const small = { instruction: 'Say hi.', input: '', output: 'hi' };
	const huge = (n: number) => ({ instruction: 'Repeat.', input: '', output: 'x'.repeat(n) });

	it('is 1,000,000 characters by default and MAX_RECORD_CHARS sets it', () => {
		expect(readConfig({}).maxRecordChars).toBe(1_000_000);
		expect(readConfig({ MAX_RECORD_CHARS: '5000000' }).maxRecordChars).toBe(5_000_000);
	});

	it.each([
		['JSON Lines, in small chunks', (rows: unknown[]) => jsonl(rows), 4096, 'rows.jsonl: line 3: the line is longer than 1,000,000 characters'],
		['JSON Lines, the whole line in one chunk', (rows: unknown[]) => jsonl(rows), 4 * MB, 'rows.jsonl: line 3: the line is longer than 1,000,000 characters'],
		['a JSON array', (rows: unknown[]) => JSON.stringify(rows, null, 1), 4096, 'rows.jsonl: item 2 (line '],
		['a JSON array, the whole item in one chunk', (rows: unknown[]) => JSON.stringify(rows), 4 * MB, 'rows.jsonl: item 2 (line 1, column ']
	])('refuses a longer record, naming the file and where (%s), and changes nothing', async (_, write, chunk, message) => {
		await importFile(streamOf(jsonl([small])), { datasetName: 'kept', fileName: 'first.jsonl' }, db);
		const before = snapshotDb(db);
		const error = await importFile(streamOf(write([small, { ...small, instruction: 'Two.' }, huge(2_000_000)]), chunk), { datasetName: 'big', fileName: 'rows.jsonl' }, db).catch((e) => e);
		expect(error).toBeInstanceOf(ImportError);
		expect(error.message).toContain(message);
		expect(error.message).toContain('the most one record may hold (MAX_RECORD_CHARS)');
		expect(snapshotDb(db)).toBe(before);
	});

	it('accepts a record just under the limit', async () => {
		const summary = await importFile(streamOf(jsonl([huge(999_000)])), { datasetName: 'fits', fileName: 'fits.jsonl' }, db);
		expect(summary.instancesAdded).toBe(1);
	});
});

describe('clipped fields (in process)', () => {
	let db: Db;
	let cleanup: () => void;
	let datasetId: number;
	beforeAll(async () => {
		({ db, cleanup } = createTestDb());
		const rows = [{ instruction: 'I'.repeat(50_000), input: 'N'.repeat(900_000), output: 'O'.repeat(900_000) }];
		datasetId = (await importFile(streamOf(jsonl(rows)), { datasetName: 'long', fileName: 'long.jsonl', maxRecordChars: 2 * MB }, db)).datasetId;
	});
	afterAll(() => cleanup());

	it('a list row carries at most LIST_CLIP_CHARS of each field', () => {
		const [row] = listTasks(datasetId, {}, db).rows;
		expect(row.instruction.length).toBe(LIST_CLIP_CHARS);
		expect(row.firstInput!.length).toBe(LIST_CLIP_CHARS);
		expect(row.firstOutput!.length).toBe(LIST_CLIP_CHARS);
	});

	it('the task page view clips every field, with its length, and sends the ones asked for whole', () => {
		const detail = getTaskDetail(datasetId, listTasks(datasetId, {}, db).rows[0].id, db)!;
		const view = taskPageView(detail);
		expect(view.task.instruction).toEqual({ text: 'I'.repeat(FIELD_CLIP_CHARS), length: 50_000 });
		expect(view.instances[0].input.length).toBe(900_000);
		expect(view.instances[0].input.text.length).toBe(FIELD_CLIP_CHARS);
		expect(JSON.stringify(view).length).toBeLessThan(4 * FIELD_CLIP_CHARS);
		const id = view.instances[0].id;
		const opened = taskPageView(detail, new Set([`instance-${id}-output`]));
		expect(opened.instances[0].output.text.length).toBe(900_000);
		expect(opened.instances[0].input.text.length).toBe(FIELD_CLIP_CHARS);
		expect(taskPageView(detail, new Set(['all'])).task.instruction.text.length).toBe(50_000);
	});
});

describe('page weight with a 10 MB record (built app)', () => {
	let app: BuiltApp;
	let cookie: string;
	let datasetPath: string;
	let taskPath: string;
	beforeAll(async () => {
		// Raised limits, so the 10 MB record of the issue can be imported at all.
		app = await startBuiltApp({ MAX_RECORD_CHARS: String(40 * MB) });
		cookie = await signInOverHttp(app);
		const big = 'y'.repeat(10 * MB);
		const rows = [
			{ instruction: `Summarise this very long document. ${big}`, input: big, output: big },
			{ instruction: 'A short one.', input: '', output: 'ok' }
		];
		const res = await fetch(`${app.url}/api/datasets/import?dataset=huge&fileName=huge.jsonl`, {
			method: 'POST',
			headers: { cookie, origin: app.url, 'content-type': 'application/octet-stream' },
			body: jsonl(rows)
		});
		expect(res.status, await res.clone().text()).toBe(200);
		const { summary } = (await res.json()) as { summary: { datasetId: number } };
		datasetPath = `/datasets/${summary.datasetId}`;
		const list = await (await fetch(`${app.url}${datasetPath}`, { headers: { cookie } })).text();
		taskPath = /href="(\/datasets\/\d+\/tasks\/\d+)"/.exec(list)![1];
	}, 300_000);
	afterAll(async () => app?.stop());

	async function page(path: string): Promise<string> {
		const res = await fetch(`${app.url}${path}`, { headers: { cookie, accept: 'text/html', 'accept-encoding': 'identity' } });
		expect(res.status).toBe(200);
		return res.text();
	}

	it('the dataset page stays small', async () => {
		const html = await page(datasetPath);
		expect(html.length).toBeLessThan(200_000);
	});

	it('the task page stays small, says how much is shown and links to the rest', async () => {
		const html = await page(taskPath);
		expect(html.length).toBeLessThan(200_000);
		expect(html).toContain('Showing the first 10,000 of 10,485,760 characters.');
		expect(html).toMatch(/href="\?full=instance-\d+-output"/);
	});

	it('"Show all" sends that one field whole', async () => {
		const html = await page(taskPath);
		const href = /href="(\?full=instance-\d+-output)"/.exec(html)![1];
		const opened = await page(`${taskPath}${href}`);
		expect(opened.length).toBeGreaterThan(10 * MB);
		expect(opened.length).toBeLessThan(2 * 10 * MB + 500_000); // the field, in the HTML and in the page data
	});
});
