import { describe, expect, it } from 'vitest';
import { ExhaustivePool } from './exhaustive';
import { LENGTH_BUCKETS, mergeNearDuplicateResults, NearDuplicateIndex, type NearDuplicateResult } from './near-duplicate-index';
import { Vocabulary } from './vocabulary';
import { minLcsAbove, LcsBounds } from './bounds';
import { fmeasureFromLcs } from './score';
import { editWords, makeStream } from '../../../tests/support/near-duplicate-streams';
import { createRng as rng } from '../random';

/**
 * Runs the Self-Instruct filter loop with both and checks every answer is the same; `start` gives
 * an index and a pool that already hold the same instructions.
 */
function compareWithExhaustive(
	stream: string[],
	threshold: number,
	topK: number,
	seeds: string[] = [],
	start: { index: NearDuplicateIndex; pool: ExhaustivePool } = { index: new NearDuplicateIndex({ minThreshold: Math.min(threshold, 0.5) }), pool: new ExhaustivePool() }
) {
	const { index, pool } = start;
	for (const s of seeds) {
		index.add(s);
		pool.add(s);
	}
	let rejected = 0;
	for (const candidate of stream) {
		const fast = index.query(candidate, threshold, topK);
		const slow = pool.query(candidate, threshold, topK);
		expect(fast.exceeds, candidate).toBe(slow.exceeds);
		expect(fast.matches).toEqual(slow.matches);
		if (slow.exceeds) {
			expect(fast.max).toEqual(slow.max);
			rejected++;
		} else {
			expect(fast.max).toBeNull();
			// What the index saw is a real pair at or below the threshold, never above the pool maximum.
			if (fast.bestExamined) {
				expect(fast.bestExamined.score).toBeLessThanOrEqual(threshold);
				expect(fast.bestExamined.score).toBeLessThanOrEqual(slow.max?.score ?? 0);
			}
			index.add(candidate);
			pool.add(candidate);
		}
	}
	return rejected;
}

describe('minLcsAbove', () => {
	it('is the least LCS whose rouge_score F exceeds the threshold', () => {
		for (const t of [0, 0.3, 0.5, 0.7, 0.9, 1]) {
			for (let m = 0; m <= 40; m++) {
				for (let n = 0; n <= 40; n++) {
					let expected = Math.min(m, n) + 1;
					if (m === 0 || n === 0) expected = 1;
					else
						for (let l = 0; l <= Math.min(m, n); l++)
							if (fmeasureFromLcs(l, m, n) > t) {
								expected = l;
								break;
							}
					expect(minLcsAbove(t, m, n)).toBe(expected);
				}
			}
		}
	});

	it('follows the last bit of 2·p·r/(p+r): 7 of 8 vs 12 tokens passes 0.7', () => {
		expect(minLcsAbove(0.7, 8, 12)).toBe(7);
		expect(new LcsBounds(0.7).need(8, 12)).toBe(7);
	});
});

describe('NearDuplicateIndex', () => {
	it('finds exact duplicates and reports the maximum and top-k', () => {
		const index = new NearDuplicateIndex<string>();
		index.add('Give me a recipe for chocolate cake.', 'a');
		index.add('Write a poem about the sea.', 'b');
		index.add('Give me a recipe for a chocolate cake!', 'c');
		const r = index.query('give me a recipe for chocolate cake', 0.7, 10);
		expect(r.exceeds).toBe(true);
		expect(r.max).toEqual({ entry: 0, score: 1 });
		expect(r.matches.map((m) => index.payload(m.entry))).toEqual(['a', 'c']);
		expect(r.matches[1].score).toBeCloseTo(14 / 15, 12);
		expect(index.query('give me a recipe for chocolate cake', 0.7, 1).matches).toHaveLength(1);
		expect(index.query('Write a program that sorts numbers.', 0.7).exceeds).toBe(false);
	});

	it('rejects at exactly 2·L/(m+n) = 0.7 when rouge_score F is 0.7000000000000001', () => {
		const index = new NearDuplicateIndex();
		index.add('w1 w2 w3 w4 w5 w6 w7 p8 p9 p10 p11 p12');
		const r = index.query('w1 w2 w3 w4 w5 w6 w7 t8', 0.7);
		expect(r.exceeds).toBe(true);
		expect(r.max?.score).toBe(0.7000000000000001);
	});

	it('handles empty candidates, empty pool instructions and repeated tokens', () => {
		const index = new NearDuplicateIndex();
		expect(index.query('anything at all here').exceeds).toBe(false);
		index.add('');
		index.add('?!');
		expect(index.query('').exceeds).toBe(false);
		index.add('the the the the cat');
		expect(index.query('the the the cat').exceeds).toBe(true);
		expect(index.query('the cat the cat').exceeds).toBe(false); // LCS 3 of 4 vs 5: F = 2/3
	});

	it('refuses a threshold below the one it was built for', () => {
		const index = new NearDuplicateIndex({ minThreshold: 0.7 });
		expect(() => index.query('x', 0.5)).toThrow(RangeError);
		expect(() => new NearDuplicateIndex({ minThreshold: 1.5 })).toThrow(RangeError);
	});

	for (const threshold of [0.5, 0.7, 0.9]) {
		it(`decides exactly like the exhaustive scan at threshold ${threshold} (random + planted near-duplicates)`, () => {
			let rejected = 0;
			for (let seed = 1; seed <= 4; seed++) {
				const stream = makeStream(seed * 101 + threshold * 10, 700, 60 + seed * 40, 0.3);
				const seeds = makeStream(seed, 40, 200, 0);
				rejected += compareWithExhaustive(stream, threshold, 1 + seed * 3, seeds);
			}
			// The data must exercise both outcomes.
			expect(rejected).toBeGreaterThan(100);
			expect(rejected).toBeLessThan(4 * 700 - 100);
		});
	}

	it('stays exact across the re-ranking rebuilds of a growing pool', () => {
		// Over 1,000 kept instructions: rebuilds at 256 and 512 pool entries happen mid-stream.
		const stream = makeStream(99, 2500, 3000, 0.15);
		const rejected = compareWithExhaustive(stream, 0.7, 5);
		expect(rejected).toBeGreaterThan(50);
	});

	it('answers as the exhaustive scan after instructions were added in bulk (addAll: one rebuild), before and after single adds', () => {
		for (const [seed, bulk] of [
			[7, 40],
			[8, 600]
		] as const) {
			const index = new NearDuplicateIndex({ minThreshold: 0.7 });
			const pool = new ExhaustivePool();
			const first = makeStream(seed, 30, 400, 0.2);
			for (const s of first) {
				index.add(s);
				pool.add(s);
			}
			// Near-duplicates of one another go in too: a bulk is added as it is, not filtered.
			const more = makeStream(seed + 50, bulk, 400, 0.3);
			index.addAll(more.map((text) => index.prepare(text)));
			for (const s of more) pool.add(s);
			expect(index.size).toBe(30 + bulk);
			// Candidates: a stream of their own, with light edits of the bulk's instructions among them.
			const random = rng(seed);
			const candidates = makeStream(seed + 100, 400, 400, 0.3);
			for (let k = 0; k < 150; k++) {
				const words = more[Math.floor(random() * more.length)].split(' ');
				editWords(words, 1, random, () => `w${Math.floor(400 * random())}`, { substitute: 0.5, insert: 0.7 });
				candidates.splice(Math.floor(random() * candidates.length), 0, words.join(' '));
			}
			const rejected = compareWithExhaustive(candidates, 0.7, 5, [], { index, pool });
			expect(rejected).toBeGreaterThan(100);
		}
	});

	it('stays exact for long instructions (multi-word bit vectors, wide counters)', () => {
		const random = rng(5);
		const long = (len: number) => Array.from({ length: len }, () => `w${Math.floor(300 * random() ** 2)}`).join(' ');
		const stream: string[] = [];
		for (let k = 0; k < 120; k++) {
			if (k > 0 && random() < 0.4) {
				const ws = stream[Math.floor(random() * stream.length)].split(' ');
				for (let e = 0; e < 30; e++) ws[Math.floor(random() * ws.length)] = `w${Math.floor(300 * random())}`;
				stream.push(ws.join(' '));
			} else stream.push(long(250 + Math.floor(random() * 150)));
		}
		expect(compareWithExhaustive(stream, 0.7, 4)).toBeGreaterThan(10);
	});

	it('stays exact over long texts of 100–200 tokens: saturated signatures, new tokens between rebuilds, edits up to about the threshold', () => {
		const random = rng(11);
		let fresh = 0;
		// Common words (every 64-bit signature saturated) plus a few never seen before per text,
		// so that texts sorted between rebuilds mix frozen ranks and new ones.
		const word = () => (random() < 0.03 ? `new${fresh++}` : `w${Math.floor(400 * random() ** 2)}`);
		const stream: string[] = [];
		for (let k = 0; k < 400; k++) {
			if (k > 0 && random() < 0.35) {
				const ws = stream[Math.floor(random() * stream.length)].split(' ');
				// From a few edits up to about as many as keep F near 0.7.
				editWords(ws, Math.floor(random() * ws.length * 0.4), random, word, { substitute: 0.4, insert: 0.6 });
				stream.push(ws.join(' '));
			} else stream.push(Array.from({ length: 100 + Math.floor(random() * 101) }, word).join(' '));
		}
		expect(compareWithExhaustive(stream, 0.7, 5)).toBeGreaterThan(20);
	});

	it('finds pairs whose common tokens are the most frequent ones (first two at the edge of the probed zone)', () => {
		// The common tokens c1…c7 are in every filler, so after the re-ranking at 256 entries they
		// sort last: the chain of common elements then starts at the last position that can still
		// pass (i = m − need, j = n − need) and its second element sits on the zone's edge.
		const common = 'c1 c2 c3 c4 c5 c6 c7';
		const cases: [x: string, yHead: number, exceeds: boolean, score: number][] = [
			// 9 and 11 tokens, LCS 7: 2·7/20 = 0.7 exactly, but rouge_score's F is 0.7000000000000001.
			[`u1 u2 ${common}`, 4, true, 0.7000000000000001],
			// 10 and 10 tokens, LCS 7: F is 0.7 exactly in doubles too, so not above.
			[`u1 u2 u3 ${common}`, 3, false, 0.7],
			// 7 tokens inside 13: the candidate's whole chain, from position 0.
			[common, 6, true, 0.7000000000000001],
			// One common token fewer than needed.
			[`u1 u2 u3 c1 c2 c3 c4 c5 c6`, 4, false, 0.6]
		];
		for (const [single, copies] of [
			[true, 1], // a short inverted list: entries checked one by one
			[false, 40] // a long one: (length, position) buckets
		] as const) {
			for (const [x, yHead, exceeds, score] of cases) {
				const index = new NearDuplicateIndex();
				const pool = new ExhaustivePool();
				for (let k = 0; k < 300; k++) {
					const filler = `${common} ${Array.from({ length: 12 }, (_, q) => `f${k}x${q}`).join(' ')}`;
					index.add(filler);
					pool.add(filler);
				}
				// Pool instructions y: yHead tokens of their own, then c1…c7.
				for (let k = 0; k < copies; k++) {
					const y = `${Array.from({ length: yHead }, (_, q) => `v${k}x${q}`).join(' ')} ${common}`;
					index.add(y);
					pool.add(y);
				}
				const fast = index.query(x, 0.7, 100);
				const slow = pool.query(x, 0.7, 100);
				expect(fast.exceeds, `${x} (${single ? 'short' : 'long'} list)`).toBe(exceeds);
				expect(slow.exceeds).toBe(exceeds);
				expect(slow.max?.score).toBe(score);
				expect(fast.matches).toEqual(slow.matches);
				if (exceeds) expect(fast.matches).toHaveLength(copies);
			}
		}
	});

	it('finds long texts whose common tokens are the most frequent ones (their first ℓ = 6 at the edge of the probed zone)', () => {
		// Long texts get a larger ℓ. The 60 common tokens c0…c59 are each in a third of the fillers,
		// so after the re-ranking at 256 entries they sort after every token of a text's own: the
		// chain of common elements starts at i = j = 25, and its sixth element sits on the zone's
		// edge (m − need + ℓ − 1 = 85 − 60 + 5 = 30).
		const common = Array.from({ length: 60 }, (_, q) => `c${q}`);
		const random = rng(5);
		const own = (tag: string, count: number) => Array.from({ length: count }, (_, q) => `${tag}x${q}`);
		const cases: [x: string[], exceeds: boolean][] = [
			// 85 and 85 tokens, LCS 60: F = 120/170 ≈ 0.706.
			[[...own('u', 25), ...common], true],
			// One common token fewer: LCS 59, F = 118/169 ≈ 0.698.
			[[...own('u', 25), ...common.slice(1)], false]
		];
		for (const [x, exceeds] of cases) {
			const index = new NearDuplicateIndex();
			const pool = new ExhaustivePool();
			for (let k = 0; k < 300; k++) {
				const filler = [...common.filter(() => random() < 1 / 3), ...own(`f${k}`, 60)].join(' ');
				index.add(filler);
				pool.add(filler);
			}
			for (let k = 0; k < 3; k++) {
				const y = [...own(`v${k}`, 25), ...common].join(' ');
				index.add(y);
				pool.add(y);
			}
			const fast = index.query(x.join(' '), 0.7, 10);
			const slow = pool.query(x.join(' '), 0.7, 10);
			expect(slow.exceeds).toBe(exceeds);
			expect(fast.exceeds).toBe(exceeds);
			expect(fast.matches).toEqual(slow.matches);
			if (exceeds) expect(fast.matches).toHaveLength(3);
		}
	});

	it('stays exact for instruction lengths on both sides of the length buckets', () => {
		// Long inverted lists keep pool instructions of LENGTH_BUCKETS tokens or more as triples.
		const random = rng(11);
		const stream: string[] = [];
		for (let k = 0; k < 400; k++) {
			if (k > 0 && random() < 0.4) {
				const ws = stream[Math.floor(random() * stream.length)].split(' ');
				for (let e = 0; e < 1 + Math.floor(random() * 6); e++) ws[Math.floor(random() * ws.length)] = `w${Math.floor(150 * random())}`;
				stream.push(ws.join(' '));
			} else {
				const len = LENGTH_BUCKETS - 12 + Math.floor(random() * 24);
				stream.push(Array.from({ length: len }, () => `w${Math.floor(150 * random() ** 2)}`).join(' '));
			}
		}
		expect(compareWithExhaustive(stream, 0.7, 5)).toBeGreaterThan(40);
		expect(compareWithExhaustive(stream, 0.9, 5)).toBeGreaterThan(20);
	});

	it('stays exact at low thresholds, where one common token can be enough', () => {
		for (const threshold of [0, 0.2, 0.35]) {
			const random = rng(3 + threshold * 100);
			const stream = Array.from({ length: 300 }, () =>
				Array.from({ length: 1 + Math.floor(random() * 5) }, () => `w${Math.floor(40 * random())}`).join(' ')
			);
			const rejected = compareWithExhaustive(stream, threshold, 4);
			expect(rejected).toBeGreaterThan(30);
			expect(rejected).toBeLessThan(290);
		}
	});

	it('indexes enough of every pool instruction for the zones of all thresholds it answers', () => {
		// A passing pair's second common element sits at most at j = n − need + 1; the index keeps
		// the first prefixLength(n) + 1 sorted elements (prefixLength at its minThreshold), so
		// n − need + 1 must stay below that for every query threshold t ≥ minThreshold.
		for (const minimum of [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1]) {
			const indexed = new LcsBounds(minimum);
			for (const t of [minimum, (minimum + 1) / 2, 1]) {
				const query = new LcsBounds(t);
				for (let m = 1; m <= 80; m++) {
					for (let n = 1; n <= 80; n++) {
						const need = query.need(m, n);
						if (need > Math.min(m, n)) continue; // cannot pass at all
						expect(n - need + 1, `t ${t} ≥ ${minimum}, m ${m}, n ${n}`).toBeLessThanOrEqual(indexed.prefixLength(n));
					}
				}
			}
		}
	});

	it('stops computing LCS once the bounds cannot reach the top k, with the exact top k', () => {
		// The candidate, then copies of it with k unique tokens added: F = 20/(20 + k), all distinct.
		const candidate = 'a b c d e f g h i j';
		const index = new NearDuplicateIndex();
		const pool = new ExhaustivePool();
		for (let k = 0; k < 30; k++) {
			const entry = [candidate, ...Array.from({ length: k }, (_, q) => `x${k}y${q}`)].join(' ');
			index.add(entry);
			pool.add(entry);
		}
		for (const topK of [1, 3, 9, 20]) {
			const fast = index.query(candidate, 0.7, topK);
			const slow = pool.query(candidate, 0.7, topK);
			expect(fast.max).toEqual(slow.max);
			expect(fast.matches).toEqual(slow.matches);
			expect(fast.matches.map((m) => m.entry)).toEqual(Array.from({ length: Math.min(topK, 9) }, (_, k) => k));
			// Each LCS bound (F of the overlap) is exact here, so only the top k need their LCS.
			if (topK < 9) expect(fast.verified).toBe(topK);
		}
	});

	it('answers higher thresholds than its minimum exactly', () => {
		const index = new NearDuplicateIndex({ minThreshold: 0.5 });
		const pool = new ExhaustivePool();
		const stream = makeStream(7, 600, 80, 0.3);
		for (const [k, s] of stream.entries()) {
			if (k % 2 === 0) {
				index.add(s);
				pool.add(s);
				continue;
			}
			for (const t of [0.5, 0.6, 0.75, 0.95]) {
				const fast = index.query(s, t, 3);
				const slow = pool.query(s, t, 3);
				expect(fast.exceeds).toBe(slow.exceeds);
				expect(fast.matches).toEqual(slow.matches);
			}
		}
	});
});

describe('NearDuplicateIndex.profile (most similar pool instructions and mean similarity, as the reference stores them)', () => {
	it('gives every pair’s exact F: the top 10 (ties: earlier first), the mean and the maximum, for short and long candidates', async () => {
		const { rougeLReference } = await import('./score');
		const stream = makeStream(11, 700, 150, 0.35);
		const index = new NearDuplicateIndex();
		const texts: string[] = [];
		let checked = 0;
		let long = 0;
		for (const [k, candidate] of stream.entries()) {
			if (k % 7 === 0 || candidate.split(' ').length > 32) {
				// Pair by pair with the plain dynamic programme, candidate as the prediction.
				const scores = texts.map((t, entry) => ({ entry, score: rougeLReference(t, candidate).fmeasure }));
				const expected = [...scores].sort((a, b) => b.score - a.score || a.entry - b.entry).slice(0, 10);
				const profile = index.profile(candidate);
				expect(profile.poolSize).toBe(texts.length);
				expect(profile.top.map((t) => t.entry)).toEqual(expected.map((t) => t.entry));
				profile.top.forEach((t, i) => expect(t.score).toBeCloseTo(expected[i].score, 14));
				const mean = scores.length ? scores.reduce((s, x) => s + x.score, 0) / scores.length : 0;
				expect(profile.mean).toBeCloseTo(mean, 12);
				expect(profile.max).toBeCloseTo(scores.length ? Math.max(...scores.map((s) => s.score)) : 0, 14);
				checked++;
				if (candidate.split(' ').length > 32) long++;
			}
			index.add(candidate);
			texts.push(candidate);
		}
		expect(checked).toBeGreaterThan(100);
		expect(long).toBeGreaterThan(3);
		// An empty candidate: every F is 0; an empty pool: nothing.
		expect(index.profile('').mean).toBe(0);
		expect(index.profile('', 3).top).toEqual([
			{ entry: 0, score: 0 },
			{ entry: 1, score: 0 },
			{ entry: 2, score: 0 }
		]);
		expect(new NearDuplicateIndex().profile('a b c')).toEqual({ top: [], mean: 0, max: 0, poolSize: 0 });
	});

	it('takes token ids from a vocabulary the caller keeps: several indexes share one tokenization and answer as one that tokenizes itself', () => {
		const stream = makeStream(23, 900, 120, 0.3);
		const vocabulary = new Vocabulary();
		const own = new NearDuplicateIndex();
		const given = new NearDuplicateIndex();
		// Another index interning through the same vocabulary first, so ids reach `given` with gaps.
		const other = new NearDuplicateIndex();
		for (const [k, text] of stream.entries()) {
			if (k % 3 === 0) other.add(other.withTokens(text, vocabulary.internText(text)));
			const a = own.query(text, 0.7, 5);
			const b = given.query(given.withTokens(text, vocabulary.internText(text)), 0.7, 5);
			expect(b.exceeds).toBe(a.exceeds);
			expect(b.max).toEqual(a.max);
			expect(b.matches).toEqual(a.matches);
			if (!a.exceeds) {
				own.add(text);
				given.add(given.withTokens(text, vocabulary.internText(text)));
			}
		}
		expect(given.size).toBe(own.size);
		expect(given.size).toBeGreaterThan(500);
		expect(() => given.prepare('a b')).toThrow(/not both/);
		expect(() => own.withTokens('a b', new Int32Array([0, 1]))).toThrow(/not both/);
	});

	describe('results over parts of one pool merged', () => {
		const none: NearDuplicateResult = { exceeds: false, max: null, matches: [], bestExamined: null, verified: 0 };
		const found = (...matches: [number, number][]): NearDuplicateResult => ({
			exceeds: true,
			max: { entry: matches[0][0], score: matches[0][1] },
			matches: matches.map(([entry, score]) => ({ entry, score })),
			bestExamined: null,
			verified: matches.length
		});

		it('take the maximum and the top k of the union, ties to the earlier entry', () => {
			const merged = mergeNearDuplicateResults([found([4, 0.9], [1, 0.8]), none, found([2, 0.9], [0, 0.8], [7, 0.75])], 3);
			expect(merged.exceeds).toBe(true);
			expect(merged.max).toEqual({ entry: 2, score: 0.9 });
			expect(merged.matches).toEqual([
				{ entry: 2, score: 0.9 },
				{ entry: 4, score: 0.9 },
				{ entry: 0, score: 0.8 }
			]);
			expect(merged.bestExamined).toBeNull();
			expect(merged.verified).toBe(5);
			// top 0 keeps the exact maximum and lists nothing, as a query does
			const topless = mergeNearDuplicateResults([{ ...found([3, 0.95]), matches: [] }, found([1, 0.8])], 0);
			expect(topless.max).toEqual({ entry: 3, score: 0.95 });
			expect(topless.matches).toEqual([]);
		});

		it('give the best examined of the parts when none exceeds', () => {
			const merged = mergeNearDuplicateResults([
				{ ...none, bestExamined: { entry: 9, score: 0.6 }, verified: 2 },
				none,
				{ ...none, bestExamined: { entry: 5, score: 0.6 }, verified: 1 }
			]);
			expect(merged).toEqual({ exceeds: false, max: null, matches: [], bestExamined: { entry: 5, score: 0.6 }, verified: 3 });
			expect(mergeNearDuplicateResults([none, none])).toEqual(none);
		});

		it('equal a query over the whole pool when each part is queried alone', () => {
			const stream = makeStream(31, 800, 90, 0.35);
			const whole = new NearDuplicateIndex();
			const parts = [new NearDuplicateIndex(), new NearDuplicateIndex(), new NearDuplicateIndex()];
			const entries: number[][] = [[], [], []];
			let rejected = 0;
			for (const [k, text] of stream.entries()) {
				const expected = whole.query(text, 0.7, 4);
				const results = parts.map((part, p) => {
					const r = part.query(text, 0.7, 4);
					const global = (m: { entry: number; score: number }) => ({ entry: entries[p][m.entry], score: m.score });
					return { ...r, max: r.max && global(r.max), matches: r.matches.map(global), bestExamined: r.bestExamined && global(r.bestExamined) };
				});
				const merged = mergeNearDuplicateResults(results, 4);
				expect(merged.exceeds).toBe(expected.exceeds);
				expect(merged.max).toEqual(expected.max);
				expect(merged.matches).toEqual(expected.matches);
				if (expected.exceeds) rejected++;
				else {
					const entry = whole.add(text);
					parts[k % 3].add(text);
					entries[k % 3].push(entry);
				}
			}
			expect(rejected).toBeGreaterThan(100);
		});
	});
});
