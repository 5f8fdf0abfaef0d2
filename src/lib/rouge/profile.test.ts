import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { lcsLengthDp } from './lcs';
import { emptyProfile, ProfileScanner, type ProfileState, type TokenSequences } from './profile';
import { fmeasureFromLcs } from './score';
import { SimdProfileKernel } from './wasm/profile-kernel';

function sequences(list: Int32Array[]): TokenSequences {
	const start = new Int32Array(list.length);
	const length = new Int32Array(list.length);
	const seq = new Int32Array(list.reduce((s, x) => s + x.length, 0));
	let at = 0;
	let limit = 0;
	list.forEach((x, e) => {
		start[e] = at;
		length[e] = x.length;
		seq.set(x, at);
		at += x.length;
		for (const t of x) limit = Math.max(limit, t + 1);
	});
	return { seq, start, length, tokenLimit: limit };
}

/** Pair by pair with the plain dynamic programme, summed in entry order. */
function reference(candidate: Int32Array, pool: Int32Array[], topK: number) {
	const scores = pool.map((y, entry) => ({ entry, score: candidate.length ? fmeasureFromLcs(lcsLengthDp(candidate, y), candidate.length, y.length) : 0 }));
	let sum = 0;
	for (const s of scores) sum += s.score;
	const top = [...scores].sort((a, b) => b.score - a.score || a.entry - b.entry).slice(0, topK);
	return { top, sum, max: scores.reduce((m, s) => Math.max(m, s.score), 0), scanned: pool.length };
}

describe('ProfileScanner (several candidates to a word, one guard bit per lane)', () => {
	it('gives exactly the pair-by-pair scores for candidates of every length from 0 to 40, packed together', () => {
		const random = createRng(7);
		// A small vocabulary: many repeated tokens, so LCS values span their whole range.
		const word = () => Math.floor(random() * random() * 30);
		const make = (n: number) => Int32Array.from({ length: n }, word);
		const pool = Array.from({ length: 400 }, () => make(1 + Math.floor(random() * 45)));
		const candidates = Array.from({ length: 41 }, (_, m) => make(m));
		// Extra short ones so words carry three and four lanes.
		for (let k = 0; k < 40; k++) candidates.push(make(1 + Math.floor(random() * 9)));
		const states = candidates.map(() => emptyProfile());
		new ProfileScanner().extend(candidates, states, sequences(pool), pool.length, 10);
		candidates.forEach((c, k) => {
			const expected = reference(c, pool, 10);
			expect(states[k], `candidate ${k} (${c.length} tokens)`).toEqual(expected);
		});
	});

	it('extending a state taken over a prefix gives bit for bit what one scan of the whole pool gives', () => {
		const random = createRng(11);
		const make = (n: number) => Int32Array.from({ length: n }, () => Math.floor(random() * 25));
		const pool = Array.from({ length: 300 }, () => make(1 + Math.floor(random() * 20)));
		const all = sequences(pool);
		const candidates = Array.from({ length: 30 }, () => make(1 + Math.floor(random() * 36)));
		const scanner = new ProfileScanner();
		const whole = candidates.map(() => emptyProfile());
		scanner.extend(candidates, whole, all, pool.length, 10);
		// Each candidate scanned in pieces of its own: prefixes of different lengths, then the rest.
		const pieces: ProfileState[] = candidates.map(() => emptyProfile());
		// An odd-sized range first (entries are scanned two at a time), then each on its own.
		scanner.extend(candidates, pieces, all, 61, 10);
		scanner.extend(candidates, pieces, all, 120, 10);
		candidates.forEach((c, k) => scanner.extend([c], [pieces[k]], all, 120 + k * 5, 10));
		scanner.extend(candidates, pieces, all, pool.length, 10);
		expect(pieces).toEqual(whole);
		// Sums are the same doubles, not merely close: the entries are added in the same order.
		pieces.forEach((p, k) => expect(Object.is(p.sum, whole[k].sum)).toBe(true));
	});

	it('keeps zeros in the top list as argsort does, and a top of 0 keeps nothing', () => {
		const pool = [Int32Array.of(1, 2), Int32Array.of(3), Int32Array.of(1)];
		const states = [emptyProfile(), emptyProfile()];
		const scanner = new ProfileScanner();
		scanner.extend([Int32Array.of(9), Int32Array.of()], states, sequences(pool), 3, 2);
		expect(states[0].top).toEqual([
			{ entry: 0, score: 0 },
			{ entry: 1, score: 0 }
		]);
		expect(states[1]).toEqual({ top: [{ entry: 0, score: 0 }, { entry: 1, score: 0 }], sum: 0, max: 0, scanned: 3 });
		const none = [emptyProfile()];
		scanner.extend([Int32Array.of(1)], none, sequences(pool), 3, 0);
		expect(none[0]).toEqual({ top: [], sum: 2 / 3 + 1, max: 1, scanned: 3 });
	});
});

describe('ProfileScanner: the WebAssembly SIMD scan against the JavaScript one', () => {
	it('is available here, so the comparisons below compare two scans', () => {
		expect(SimdProfileKernel.create(() => new Float64Array(0))).not.toBeNull();
	});

	it('gives bit for bit the same states: words of 1 to 16 lanes, entries too long for its tables, every top size, a pool that grows', () => {
		const random = createRng(23);
		const word = () => Math.floor(random() * random() * 40);
		const make = (n: number) => Int32Array.from({ length: n }, word);
		// Mostly short entries, some of 64 tokens or more (left to JavaScript where a range has one).
		const pool = Array.from({ length: 900 }, (_, e) => make(e % 97 === 5 ? 64 + Math.floor(random() * 20) : 1 + Math.floor(random() * 30)));
		for (const topK of [0, 1, 10, 16, 17]) {
			const candidates = [
				...Array.from({ length: 33 }, (_, m) => make(m)),
				...Array.from({ length: 40 }, () => make(1 + Math.floor(random() * 4))),
				// A token the pool never has.
				Int32Array.of(1, 1000, 2)
			];
			const simd = new ProfileScanner();
			const plain = new ProfileScanner({ simd: false });
			const a = candidates.map(() => emptyProfile());
			const b = candidates.map(() => emptyProfile());
			// The pool in stages: the same arrays, then new (longer) ones, as an index grows; and a
			// stretch without long entries (the vector scan takes it whole).
			const whole = sequences(pool);
			for (const [upTo, fresh] of [[60, false], [300, false], [301, true], [604, true], [900, false]] as const) {
				const seqs = fresh ? sequences(pool.slice(0, upTo)) : whole;
				simd.extend(candidates, a, seqs, upTo, topK);
				plain.extend(candidates, b, seqs, upTo, topK);
				expect(a, `top ${topK}, to ${upTo}`).toEqual(b);
				a.forEach((s, k) => expect(Object.is(s.sum, b[k].sum), `candidate ${k}`).toBe(true));
			}
			candidates.forEach((c, k) => expect(a[k], `candidate ${k} against the reference`).toEqual(reference(c, pool, topK)));
		}
	});
});
