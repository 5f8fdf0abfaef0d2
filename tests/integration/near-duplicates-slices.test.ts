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

/** These datasets are templated on purpose (the costly case): every pair is scored, past the page's limit. */
const ALL_PAIRS = Number.POSITIVE_INFINITY;

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
		// grouping kept the event loop. Measured in this process's CPU time as well as wall time:
		// on a loaded machine a 20 ms slice can take several times that on the wall clock, while
		// the CPU it used between two turns is what the slicing bounds.
		let last = performance.now();
		let lastCpu = process.cpuUsage();
		let longest = 0;
		let longestCpu = 0;
		let ticks = 0;
		const timer = setInterval(() => {
			const now = performance.now();
			const cpu = process.cpuUsage(lastCpu);
			longest = Math.max(longest, now - last);
			longestCpu = Math.max(longestCpu, (cpu.user + cpu.system) / 1000);
			last = now;
			lastCpu = process.cpuUsage();
			ticks++;
		}, 2);
		const started = performance.now();
		const [first, second] = await Promise.all([nearDuplicateReport(datasetId, 0.7, db, 'components', undefined, ALL_PAIRS), nearDuplicateReport(datasetId, 0.7, db, 'components', undefined, ALL_PAIRS)]);
		const took = performance.now() - started;
		clearInterval(timer);

		expect(took).toBeGreaterThan(300);
		expect(ticks).toBeGreaterThan(10);
		// Slices of 20 ms, plus a batch read: CPU time held between two turns of the timer. (The
		// wall-clock bound is only a sanity check, wide enough for a machine shared with others.)
		expect(longestCpu).toBeLessThan(100);
		expect(longest).toBeLessThan(1000);
		expect(second).toBe(first);

		const tasks = db.$client.prepare('SELECT id, instruction FROM tasks WHERE dataset_id = ? ORDER BY id').all(datasetId) as { id: number; instruction: string }[];
		const expected = nearDuplicateClusters(tasks, { threshold: 0.7 });
		expect(first.groups).toEqual(expected);
		expect(first.instructions).toBe(2000);
		expect(first.groups.length).toBeGreaterThan(0);
		// A later visit is answered from the cache.
		expect(await nearDuplicateReport(datasetId, 0.7, db, 'components', undefined, ALL_PAIRS)).toBe(first);
	}, 120_000);

	it('stop once every visitor waiting for them has left, and go on while one still waits', async () => {
		const rows = Array.from({ length: 2000 }, (_, i) => ({ instruction: `Describe a quiet morning in a small town for a young reader, version ${i}.`, input: '', output: `text ${i}` }));
		const { datasetId } = await importFile(streamOf(jsonl(rows)), { datasetName: 'left', fileName: 'l.jsonl' }, db);
		const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

		// Two visitors; one leaves: the other still gets the groups.
		const leaving = new AbortController();
		const left = nearDuplicateReport(datasetId, 0.8, db, 'components', leaving.signal, ALL_PAIRS);
		const staying = nearDuplicateReport(datasetId, 0.8, db, 'components', new AbortController().signal, ALL_PAIRS);
		await sleep(100);
		leaving.abort(new Error('visitor left'));
		await expect(left).rejects.toThrow('visitor left');
		expect((await staying).instructions).toBe(2000);

		// The only visitor leaves: the grouping stops (the process goes idle) and the next visit starts afresh.
		const only = new AbortController();
		const alone = nearDuplicateReport(datasetId, 0.75, db, 'components', only.signal, ALL_PAIRS);
		await sleep(100);
		only.abort(new Error('gone'));
		await expect(alone).rejects.toThrow('gone');
		await sleep(50);
		const cpu = process.cpuUsage();
		await sleep(400);
		const used = process.cpuUsage(cpu);
		expect((used.user + used.system) / 1000).toBeLessThan(150);
		const again = await nearDuplicateReport(datasetId, 0.75, db, 'components', undefined, ALL_PAIRS);
		expect(again.instructions).toBe(2000);
		expect(again.groups).toEqual(nearDuplicateClusters(db.$client.prepare('SELECT id, instruction FROM tasks WHERE dataset_id = ? ORDER BY id').all(datasetId) as { id: number; instruction: string }[], { threshold: 0.75 }));
	}, 120_000);
});

describe('a dataset whose instructions are nearly all alike', () => {
	it('stops at the pair limit, quickly, and says after how many instructions', async () => {
		const rows = Array.from({ length: 600 }, (_, i) => ({ instruction: `Write a short poem about the sea for a child, number ${i}.`, input: '', output: `poem ${i}` }));
		rows.push({ instruction: 'Name three primary colours.', input: '', output: 'red' }, { instruction: 'Name three primary colours please.', input: '', output: 'blue' });
		const { datasetId } = await importFile(streamOf(jsonl(rows)), { datasetName: 'alike', fileName: 'a.jsonl' }, db);
		const report = await nearDuplicateReport(datasetId, 0.7, db, 'components', undefined, 10_000);
		// 600 alike make 179,700 pairs: the limit is passed at the 142nd (142 · 141 / 2 = 10,011 pairs).
		expect(report.stoppedAt).toEqual({ instructionsRead: 142, pairLimit: 10_000 });
		expect(report.instructions).toBe(602);
		expect(report.groups).toHaveLength(1);
		expect(report.groups[0].members).toHaveLength(142);
		expect(report.groups[0].pairCount).toBe(10_011);
		// Under the limit nothing is said and every instruction is grouped.
		const whole = await nearDuplicateReport(datasetId, 0.7, db, 'components', undefined, 200_000);
		expect(whole.stoppedAt).toBeUndefined();
		expect(whole.groups.map((g) => g.members.length)).toEqual([600, 2]);
	});
});
