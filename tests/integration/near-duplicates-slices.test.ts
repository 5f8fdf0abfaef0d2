/**
 * The near-duplicates page groups a whole dataset's instructions: minutes at a million. The work
 * runs in slices with the event loop free between them, so the server keeps answering others;
 * two visits at once share one grouping, and the groups are those of the one-pass function.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { nearDuplicateReport } from '../../src/lib/server/filters/near-duplicates';
import { nearDuplicateClusters } from '../../src/lib/rouge/clusters';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

describe('near-duplicate groups of a large dataset', () => {
	it('leave the event loop free every few ms, share one grouping between visits, and equal the one-pass groups', async () => {
		// Templated instructions: every one a near-duplicate of many others (the costly case).
		const topics = ['rivers', 'mountains', 'deserts', 'forests', 'oceans', 'cities'];
		const rows = Array.from({ length: 2000 }, (_, i) => ({
			instruction: `Write a short paragraph about ${topics[i % topics.length]} for a curious reader, example ${i}.`,
			input: '',
			output: `paragraph ${i}`
		}));
		const { datasetId } = await importFile(streamOf(jsonl(rows)), { datasetName: 'templated', fileName: 't.jsonl' }, db);

		// A timer that should fire every 2 ms: the longest wait between its turns is how long the
		// grouping kept the event loop.
		let last = performance.now();
		let longest = 0;
		let ticks = 0;
		const timer = setInterval(() => {
			const now = performance.now();
			longest = Math.max(longest, now - last);
			last = now;
			ticks++;
		}, 2);
		const started = performance.now();
		const [first, second] = await Promise.all([nearDuplicateReport(datasetId, 0.7, db), nearDuplicateReport(datasetId, 0.7, db)]);
		const took = performance.now() - started;
		clearInterval(timer);

		expect(took).toBeGreaterThan(300);
		expect(ticks).toBeGreaterThan(10);
		// Slices of 20 ms, plus a batch read and a busy machine's slack.
		expect(longest).toBeLessThan(150);
		expect(second).toBe(first);

		const tasks = db.$client.prepare('SELECT id, instruction FROM tasks WHERE dataset_id = ? ORDER BY id').all(datasetId) as { id: number; instruction: string }[];
		const expected = nearDuplicateClusters(tasks, { threshold: 0.7 });
		expect(first.groups).toEqual(expected);
		expect(first.instructions).toBe(2000);
		expect(first.groups.length).toBeGreaterThan(0);
		// A later visit is answered from the cache.
		expect(await nearDuplicateReport(datasetId, 0.7, db)).toBe(first);
	}, 120_000);

	it('stop once every visitor waiting for them has left, and go on while one still waits', async () => {
		const rows = Array.from({ length: 2000 }, (_, i) => ({ instruction: `Describe a quiet morning in a small town for a young reader, version ${i}.`, input: '', output: `text ${i}` }));
		const { datasetId } = await importFile(streamOf(jsonl(rows)), { datasetName: 'left', fileName: 'l.jsonl' }, db);
		const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

		// Two visitors; one leaves: the other still gets the groups.
		const leaving = new AbortController();
		const left = nearDuplicateReport(datasetId, 0.8, db, 'components', leaving.signal);
		const staying = nearDuplicateReport(datasetId, 0.8, db, 'components', new AbortController().signal);
		await sleep(100);
		leaving.abort(new Error('visitor left'));
		await expect(left).rejects.toThrow('visitor left');
		expect((await staying).instructions).toBe(2000);

		// The only visitor leaves: the grouping stops (the process goes idle) and the next visit starts afresh.
		const only = new AbortController();
		const alone = nearDuplicateReport(datasetId, 0.75, db, 'components', only.signal);
		await sleep(100);
		only.abort(new Error('gone'));
		await expect(alone).rejects.toThrow('gone');
		await sleep(50);
		const cpu = process.cpuUsage();
		await sleep(400);
		const used = process.cpuUsage(cpu);
		expect((used.user + used.system) / 1000).toBeLessThan(150);
		const again = await nearDuplicateReport(datasetId, 0.75, db);
		expect(again.instructions).toBe(2000);
		expect(again.groups).toEqual(nearDuplicateClusters(db.$client.prepare('SELECT id, instruction FROM tasks WHERE dataset_id = ? ORDER BY id').all(datasetId) as { id: number; instruction: string }[], { threshold: 0.75 }));
	}, 120_000);
});
