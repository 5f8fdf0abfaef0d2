/**
 * Seeded randomness for reproducible samples and per-reviewer orders. Math.random cannot be
 * seeded, so an audit drawn with seed s must use this generator to be drawn again identically.
 *
 * Generator: xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
 * 2018), 128-bit state, seeded by running SplitMix32 over the seed as the authors recommend.
 */

const UINT32 = 0x1_0000_0000;

/** SplitMix32 step (Steele, Lea & Flood 2014, 32-bit variant): spreads a seed over the state. */
function splitMix32(state: { s: number }): number {
	state.s = (state.s + 0x9e3779b9) | 0;
	let z = state.s;
	z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
	z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
	return (z ^ (z >>> 15)) >>> 0;
}

function rotl(x: number, k: number): number {
	return (x << k) | (x >>> (32 - k));
}

export class SeededRandom {
	private a: number;
	private b: number;
	private c: number;
	private d: number;

	/** Any finite integer seed (up to 2^53); its low and high 32 bits both matter. */
	constructor(seed: number) {
		if (!Number.isSafeInteger(seed)) throw new RangeError(`Seed must be a safe integer, got ${seed}`);
		const low = seed >>> 0;
		const high = Math.floor(Math.abs(seed) / UINT32) >>> 0;
		const state = { s: low ^ Math.imul(high, 0x85ebca6b) ^ (seed < 0 ? 0x5bd1e995 : 0) };
		this.a = splitMix32(state);
		this.b = splitMix32(state);
		this.c = splitMix32(state);
		this.d = splitMix32(state);
		// The all-zero state is the one xoshiro cannot leave; SplitMix32 never yields four zeros in a row.
	}

	/** A generator in a given raw state (for checking against the reference implementation). */
	static fromState(a: number, b: number, c: number, d: number): SeededRandom {
		const r = new SeededRandom(0);
		r.a = a | 0;
		r.b = b | 0;
		r.c = c | 0;
		r.d = d | 0;
		return r;
	}

	/** Next uint32. */
	next(): number {
		const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
		const t = this.b << 9;
		this.c ^= this.a;
		this.d ^= this.b;
		this.b ^= this.c;
		this.a ^= this.d;
		this.c ^= t;
		this.d = rotl(this.d, 11);
		return result;
	}

	/** Uniform integer in [0, n), without modulo bias (rejection of the incomplete last block). */
	int(n: number): number {
		if (!Number.isInteger(n) || n <= 0 || n > UINT32) throw new RangeError(`int(n) needs 1 ≤ n ≤ 2^32, got ${n}`);
		const limit = UINT32 - (UINT32 % n);
		let x = this.next();
		while (x >= limit) x = this.next();
		return x % n;
	}

	/** Uniform float in [0, 1). */
	float(): number {
		return this.next() / UINT32;
	}

	/** Shuffles `items` in place (Fisher–Yates) and returns it. */
	shuffle<T>(items: T[]): T[] {
		for (let i = items.length - 1; i > 0; i--) {
			const j = this.int(i + 1);
			[items[i], items[j]] = [items[j], items[i]];
		}
		return items;
	}
}

/**
 * A well-mixed uint32 from a few integers (MurmurHash3's finaliser over a running combination):
 * a deterministic stand-in for "random per reviewer and item" that needs no stored state.
 */
export function hash32(...values: number[]): number {
	let h = 0x811c9dc5;
	for (const v of values) {
		const low = v >>> 0;
		const high = Math.floor(Math.abs(v) / UINT32) >>> 0;
		h = Math.imul(h ^ low, 0x01000193);
		h = Math.imul(h ^ high, 0x01000193);
		h = fmix32(h);
	}
	return fmix32(h);
}

function fmix32(h: number): number {
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
}
