/**
 * The profile scan (../profile.ts) for up to four words of packed candidates at once, in
 * WebAssembly with 128-bit SIMD (profile-kernel.wat): the four words' bit-parallel LCS kernels
 * advance in one vector, so a scan costs about a quarter of the JavaScript one's token steps.
 * Per entry it takes the same steps in the same order (table F, sum in entry order, maximum,
 * top list with ties to the earlier entry), so its states are bit for bit the JavaScript scan's.
 *
 * The kernel keeps its own copy of the pool (appended to as the pool grows; copied again when
 * the pool's token array is another one). Entries of TABLE_LENGTHS tokens or more are left to
 * the JavaScript scan (their F is computed, not read from a table), and so is everything where
 * WebAssembly SIMD is missing (`SimdProfileKernel.create()` gives null).
 */
import type { ProfileMatch, ProfileState, TokenSequences } from '../profile';
import { WASM_BASE64 } from './profile-kernel.wasm';

/** Pool lengths n below this read F from a table (the JavaScript scan's limit too). */
export const TABLE_LENGTHS = 64;
/** Lanes a scan takes (four words of up to two lanes each in the usual case, more for short candidates). */
export const MAX_LANES = 16;
/** The longest top list a scan keeps. */
export const TOP_SLOTS = 16;

const SCRATCH = 0;
const KEEP = 16;
const LANES = 64;
const TOPS = LANES + 64 * MAX_LANES;
const TOP_BYTES = 64 + 8 * TOP_SLOTS;
const TABLES = TOPS + TOP_BYTES * MAX_LANES;
/** Byte offset of candidate width m's table (m = 1…32), each (m + 1) · TABLE_LENGTHS doubles. */
const tableOffset = (m: number) => TABLES + 8 * TABLE_LENGTHS * (((m - 1) * (m + 2)) / 2);
const MASKS = (tableOffset(33) + 15) & ~15;

type Scan = (
	from: number,
	to: number,
	nLanes: number,
	topK: number,
	keep: number,
	masks: number,
	seq: number,
	start: number,
	len: number,
	lanes: number,
	scratch: number,
	tl: number
) => void;

let compiled: WebAssembly.Module | null | undefined;

function compile(): WebAssembly.Module | null {
	if (compiled === undefined) {
		try {
			const binary = atob(WASM_BASE64);
			const bytes = new Uint8Array(binary.length);
			for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
			compiled = new WebAssembly.Module(bytes);
		} catch {
			compiled = null; // no SIMD here: the JavaScript scan does it all
		}
	}
	return compiled;
}

/** A word of packed candidates, as the JavaScript scan lays it out. */
export interface PackedWord {
	/** Candidate indices, one lane each, from bit 0 up. */
	lanes: readonly number[];
	offsets: Int32Array;
	widths: Int32Array;
	/** Each lane's low bits (width ones). */
	lows: Int32Array;
	/** The word's guard bits (one above each lane). */
	guards: number;
}

export class SimdProfileKernel {
	private readonly memory: WebAssembly.Memory;
	private readonly scan: Scan;
	private i32!: Int32Array;
	private f64!: Float64Array;
	private maskCapacity = 0;
	private entryCapacity = 0;
	private seqCapacity = 0;
	private startAt = 0;
	private lengthAt = 0;
	private seqAt = 0;
	/** Candidate widths whose score tables are in memory. */
	private readonly tablesIn = new Set<number>();
	/** The pool being copied, its token array, entries copied, tokens used, entries of TABLE_LENGTHS tokens or more. */
	private pool: TokenSequences | null = null;
	private source: Int32Array | null = null;
	private copied = 0;
	private used = 0;
	private long: number[] = [];

	private constructor(
		instance: WebAssembly.Instance,
		private readonly scoreTable: (m: number) => Float64Array
	) {
		this.memory = instance.exports.memory as WebAssembly.Memory;
		this.scan = instance.exports.scan as Scan;
		this.views();
	}

	/** A kernel reading F from `scoreTable(m)` (the JavaScript scan's tables), or null where WebAssembly SIMD is not available. */
	static create(scoreTable: (m: number) => Float64Array): SimdProfileKernel | null {
		const module = compile();
		return module ? new SimdProfileKernel(new WebAssembly.Instance(module, {}), scoreTable) : null;
	}

	private views(): void {
		this.i32 = new Int32Array(this.memory.buffer);
		this.f64 = new Float64Array(this.memory.buffer);
	}

	/** Whether [from, to) of `pool` can be scanned here (no entry too long for the tables). */
	covers(pool: TokenSequences, from: number, to: number): boolean {
		this.sync(pool, to);
		// `long` is ascending: the first at or after `from`.
		let lo = 0;
		let hi = this.long.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (this.long[mid] < from) lo = mid + 1;
			else hi = mid;
		}
		return lo === this.long.length || this.long[lo] >= to;
	}

	/** Brings the kernel's copy of the pool to `to` entries (and room for its token ids). */
	private sync(pool: TokenSequences, to: number): void {
		this.pool = pool;
		if (pool.seq !== this.source) {
			this.source = pool.seq;
			this.copied = 0;
			this.used = 0;
			this.long = [];
		}
		if (to <= this.copied && pool.tokenLimit <= this.maskCapacity) return;
		let tokens = this.used;
		for (let e = this.copied; e < to; e++) tokens += pool.length[e];
		this.reserve(pool.tokenLimit, to, tokens);
		this.copyEntries(to);
	}

	/** Appends the pool's entries [copied, to) to the copy. */
	private copyEntries(to: number): void {
		const pool = this.pool!;
		const { i32 } = this;
		for (let e = this.copied; e < to; e++) {
			const n = pool.length[e];
			const s = pool.start[e];
			i32[(this.startAt >> 2) + e] = this.used;
			i32[(this.lengthAt >> 2) + e] = n;
			i32.set(pool.seq.subarray(s, s + n), (this.seqAt >> 2) + this.used);
			this.used += n;
			if (n >= TABLE_LENGTHS) this.long.push(e);
		}
		if (to > this.copied) this.copied = to;
	}

	/** Room for token ids below `tokenLimit`, `entries` entries and `tokens` tokens; a new layout copies the pool again. */
	private reserve(tokenLimit: number, entries: number, tokens: number): void {
		if (tokenLimit <= this.maskCapacity && entries <= this.entryCapacity && tokens <= this.seqCapacity) return;
		const grow = (need: number, have: number) => (need <= have ? have : Math.max(need, have * 2, 1024));
		this.maskCapacity = grow(tokenLimit, this.maskCapacity);
		this.entryCapacity = grow(entries, this.entryCapacity);
		this.seqCapacity = grow(tokens, this.seqCapacity);
		this.startAt = MASKS + 16 * this.maskCapacity;
		this.lengthAt = this.startAt + 4 * this.entryCapacity;
		this.seqAt = this.lengthAt + 4 * this.entryCapacity;
		const bytes = this.seqAt + 4 * this.seqCapacity;
		if (bytes > this.memory.buffer.byteLength) this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / 65536));
		this.views();
		// Masks start clear; the pool is copied again at its new place (the old copy may overlap it).
		this.i32.fill(0, MASKS >> 2, this.startAt >> 2);
		const copied = this.copied;
		this.copied = 0;
		this.used = 0;
		this.long = [];
		this.copyEntries(copied);
	}

	/**
	 * Extends the states of up to four words' candidates over [from, to) (every state at `from`;
	 * call `covers` first). Lanes of the words in order, at most MAX_LANES in all; topK ≤ 16.
	 */
	extend(words: readonly PackedWord[], candidates: readonly ArrayLike<number>[], states: ProfileState[], pool: TokenSequences, from: number, to: number, topK: number): void {
		this.sync(pool, to);
		const { i32, f64 } = this;
		const maskBase = MASKS >> 2;
		let lane = 0;
		for (let w = 0; w < 4; w++) {
			const word = words[w];
			i32[(KEEP >> 2) + w] = word ? ~word.guards : 0;
			if (!word) continue;
			for (let l = 0; l < word.lanes.length; l++, lane++) {
				const c = word.lanes[l];
				const ids = candidates[c];
				const m = ids.length;
				const offset = word.offsets[l];
				for (let i = 0; i < m; i++) {
					const id = ids[i];
					// A token the pool never had matches nothing: no mask to set.
					if (id < pool.tokenLimit) i32[maskBase + id * 4 + w] |= 1 << (offset + i);
				}
				if (!this.tablesIn.has(m)) {
					f64.set(this.scoreTable(m), tableOffset(m) >> 3);
					this.tablesIn.add(m);
				}
				const state = states[c];
				const d = LANES + 64 * lane;
				const top = TOPS + TOP_BYTES * lane;
				i32[d >> 2] = w;
				i32[(d >> 2) + 1] = offset;
				i32[(d >> 2) + 2] = word.lows[l];
				i32[(d >> 2) + 3] = tableOffset(m);
				f64[(d >> 3) + 2] = state.sum;
				f64[(d >> 3) + 3] = state.max;
				f64[(d >> 3) + 4] = topK === 0 ? Infinity : state.top.length < topK ? -1 : state.top[topK - 1].score;
				i32[(d >> 2) + 10] = state.top.length;
				i32[(d >> 2) + 11] = top;
				for (let k = 0; k < state.top.length; k++) {
					i32[(top >> 2) + k] = state.top[k].entry;
					f64[((top + 64) >> 3) + k] = state.top[k].score;
				}
			}
		}
		this.scan(from, to, lane, topK, KEEP, MASKS, this.seqAt, this.startAt, this.lengthAt, LANES, SCRATCH, TABLE_LENGTHS);
		lane = 0;
		for (let w = 0; w < words.length; w++) {
			const word = words[w];
			for (let l = 0; l < word.lanes.length; l++, lane++) {
				const c = word.lanes[l];
				const ids = candidates[c];
				for (let i = 0; i < ids.length; i++) if (ids[i] < pool.tokenLimit) i32[maskBase + ids[i] * 4 + w] = 0;
				const state = states[c];
				const d = LANES + 64 * lane;
				const top = TOPS + TOP_BYTES * lane;
				state.sum = f64[(d >> 3) + 2];
				state.max = f64[(d >> 3) + 3];
				const count = i32[(d >> 2) + 10];
				const list: ProfileMatch[] = state.top;
				list.length = 0;
				for (let k = 0; k < count; k++) list.push({ entry: i32[(top >> 2) + k], score: f64[((top + 64) >> 3) + k] });
				state.scanned = to;
			}
		}
	}
}
