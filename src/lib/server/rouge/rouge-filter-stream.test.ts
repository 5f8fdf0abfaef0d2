import { describe, expect, it } from 'vitest';
import { ExhaustivePool } from '$lib/rouge/exhaustive';
import { NearDuplicateIndex } from '$lib/rouge/near-duplicate-index';
import { makeStream } from '../../../../tests/support/near-duplicate-streams';
import { RougeFilterStream, type FilteredRecord, type RougeFilterOptions } from './rouge-filter-stream';

interface Item {
	id: number;
	text: string;
}

/** `items` in source batches of `chunk`, optionally failing after `failAfter` items. */
async function* source(items: Item[], chunk: number, failAfter = Infinity): AsyncGenerator<Item[]> {
	for (let at = 0; at < items.length; at += chunk) {
		if (at >= failAfter) throw new Error(`bad record after ${failAfter}`);
		yield items.slice(at, Math.min(at + chunk, failAfter));
	}
}

async function filterAll(filter: RougeFilterStream, items: Item[], chunk = 97): Promise<FilteredRecord<Item>[]> {
	const out: FilteredRecord<Item>[] = [];
	for await (const verdicts of filter.filter(source(items, chunk), (item) => item.text)) out.push(...verdicts);
	return out;
}

/** The same filter with the exhaustive scan, pair by pair: every decision, maximum and top k. */
function expectExact(items: Item[], seeds: string[], verdicts: FilteredRecord<Item>[], threshold: number, topK: number): number {
	expect(verdicts.map((v) => v.record.id)).toEqual(items.map((i) => i.id));
	const pool = new ExhaustivePool();
	for (const s of seeds) pool.add(s);
	let rejected = 0;
	for (const { record, result } of verdicts) {
		const expected = pool.query(record.text, threshold, topK);
		expect(result.exceeds, record.text).toBe(expected.exceeds);
		if (expected.exceeds) {
			rejected++;
			expect(result.max).toEqual(expected.max);
			expect(result.matches).toEqual(expected.matches);
		} else {
			expect(result.max).toBeNull();
			// A hint: some pool instruction's real F, never above the threshold.
			if (result.bestExamined) expect(result.bestExamined.score).toBeLessThanOrEqual(threshold);
			pool.add(record.text);
		}
	}
	return rejected;
}

describe('the ROUGE-L filter over a stream, in worker threads', () => {
	const seeds = makeStream(5, 30, 200, 0);
	const items = makeStream(77, 2600, 160, 0.3).map((text, k) => ({ id: k, text }));

	const cases: [string, RougeFilterOptions][] = [
		['two threads, small batches, from the start', { threads: 2, batchSize: 7, threadsFromTokens: 0 }],
		['three threads (uneven shares), once the pool holds 5,000 tokens', { threads: 3, batchSize: 64, threadsFromTokens: 5_000 }],
		['a batch of one', { threads: 2, batchSize: 1, threadsFromTokens: 20_000 }]
	];
	for (const [name, options] of cases) {
		it(`decides exactly as the exhaustive scan: ${name}`, async () => {
			const filter = new RougeFilterStream({ threshold: 0.7, topK: 4, ...options });
			for (const s of seeds) filter.addSeed(s);
			const verdicts = await filterAll(filter, items);
			expect(filter.threadsUsed).toBe(options.threads);
			const rejected = expectExact(items, seeds, verdicts, 0.7, 4);
			expect(rejected).toBeGreaterThan(300);
			expect(filter.size).toBe(seeds.length + items.length - rejected);
		});
	}

	it('filters a small stream (or one core) in this thread, exactly as one index', async () => {
		const few = items.slice(0, 400);
		const filter = new RougeFilterStream({ threshold: 0.6, topK: 3, threads: 2 }); // 400 short ones: far below the default
		const verdicts = await filterAll(filter, few);
		expect(filter.threadsUsed).toBe(0);
		const index = new NearDuplicateIndex({ minThreshold: 0.6 });
		for (const { record, result } of verdicts) {
			const expected = index.query(record.text, 0.6, 3);
			expect(result).toEqual(expected);
			if (!expected.exceeds) index.add(record.text);
		}
		const alone = new RougeFilterStream({ threshold: 0.6, topK: 3, threads: 1, threadsFromTokens: 0 });
		expect((await filterAll(alone, few)).map((v) => v.result)).toEqual(verdicts.map((v) => v.result));
		expect(alone.threadsUsed).toBe(0);
	});

	it('gives the same decisions, maxima and top k whatever the number of threads', async () => {
		const run = async (threads: number) => {
			const filter = new RougeFilterStream({ threshold: 0.7, topK: 2, threads, batchSize: 50, threadsFromTokens: 1_000 });
			return (await filterAll(filter, items.slice(0, 1500))).map(({ result: { exceeds, max, matches } }) => ({ exceeds, max, matches }));
		};
		expect(await run(3)).toEqual(await run(2));
	});

	it('gives the verdicts of every record before a failing source, then its error', async () => {
		const filter = new RougeFilterStream({ threshold: 0.7, topK: 2, threads: 2, batchSize: 16, threadsFromTokens: 400 });
		const seen: number[] = [];
		const run = async () => {
			for await (const verdicts of filter.filter(source(items, 50, 450), (item) => item.text)) seen.push(...verdicts.map((v) => v.record.id));
		};
		await expect(run()).rejects.toThrow('bad record after 450');
		expect(seen).toEqual(items.slice(0, 450).map((i) => i.id));
		expect(filter.threadsUsed).toBe(2);
	});

	it('refuses seeds once filtering started, and a second stream', async () => {
		const filter = new RougeFilterStream({ threads: 0 });
		await filterAll(filter, items.slice(0, 5));
		expect(() => filter.addSeed('late')).toThrow(/before the stream/);
		await expect(filterAll(filter, items.slice(0, 5))).rejects.toThrow(/one stream/);
	});
});
