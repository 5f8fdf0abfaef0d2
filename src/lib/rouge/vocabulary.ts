/**
 * Interns tokens to dense integer ids (0, 1, 2, …) so that sequences can be compared as
 * integers and bit masks can be looked up in typed arrays.
 *
 * The table is an open-addressing hash over the tokens' character codes, so that
 * `internText` can tokenize a text exactly as `tokenize` does and intern each token straight
 * from the text's characters: no string is made for a token already known (a string per token
 * and a Map lookup on it were the largest cost of preparing an instruction).
 */

const LATIN_CAPITAL_I_WITH_DOT = 0x130;
const KELVIN_SIGN = 0x212a;

export class Vocabulary {
	private readonly words: string[] = [];
	/** Slot → id + 1 (0: empty). Power-of-two size, at most half full. */
	private table: Int32Array = new Int32Array(1024);
	/** Per id: hash, start in `chars`, length. */
	private hashes: Int32Array = new Int32Array(512);
	private starts: Int32Array = new Int32Array(512);
	private lengths: Int32Array = new Int32Array(512);
	/** Every token's character codes, side by side. */
	private chars: Uint16Array = new Uint16Array(4096);
	private charsUsed = 0;
	/** The token being read by `internText`. */
	private scratch: Uint16Array = new Uint16Array(64);
	private ids: Int32Array = new Int32Array(64);

	get size(): number {
		return this.words.length;
	}

	/** The id of `token`, assigning the next id when it is new. */
	intern(token: string): number {
		const len = this.load(token);
		return this.find(len, hashOf(this.scratch, len), true);
	}

	/** The id of `token`, or −1 when it was never interned. */
	lookup(token: string): number {
		const len = this.load(token);
		return this.find(len, hashOf(this.scratch, len), false);
	}

	token(id: number): string {
		return this.words[id];
	}

	/** Ids of `tokens`, interning new ones. */
	internAll(tokens: readonly string[]): Int32Array {
		const out = new Int32Array(tokens.length);
		for (let i = 0; i < tokens.length; i++) out[i] = this.intern(tokens[i]);
		return out;
	}

	/**
	 * Ids of rouge_score's tokens of `text` (the same tokens, in the same order, as
	 * `tokenize(text)`: see tokenize.ts for the rules), interning new ones.
	 */
	internText(text: string): Int32Array {
		let ids = this.ids;
		let count = 0;
		let buf = this.scratch;
		let len = 0;
		let h = FNV_OFFSET;
		for (let i = 0; i < text.length; i++) {
			let c = text.charCodeAt(i);
			let ends = false;
			if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
				// as it is
			} else if (c >= 65 && c <= 90) c += 32;
			else if (c === KELVIN_SIGN) c = 107; // "k"
			else if (c === LATIN_CAPITAL_I_WITH_DOT) {
				c = 105; // "i", then the combining dot of Python's lower() separates
				ends = true;
			} else {
				if (len > 0) {
					if (count === ids.length) ids = this.growIds();
					ids[count++] = this.find(len, h, true);
					buf = this.scratch;
					len = 0;
					h = FNV_OFFSET;
				}
				continue;
			}
			if (len === buf.length) buf = this.growScratch(len * 2);
			buf[len++] = c;
			h = Math.imul(h ^ c, FNV_PRIME);
			if (ends) {
				if (count === ids.length) ids = this.growIds();
				ids[count++] = this.find(len, h, true);
				buf = this.scratch;
				len = 0;
				h = FNV_OFFSET;
			}
		}
		if (len > 0) {
			if (count === ids.length) ids = this.growIds();
			ids[count++] = this.find(len, h, true);
		}
		return ids.slice(0, count);
	}

	// ---- internals ----

	/** Copy `token`'s codes into the scratch buffer; returns its length. */
	private load(token: string): number {
		const len = token.length;
		const buf = len > this.scratch.length ? this.growScratch(len) : this.scratch;
		for (let i = 0; i < len; i++) buf[i] = token.charCodeAt(i);
		return len;
	}

	/** Id of the scratch buffer's first `len` codes with FNV hash `h` (unmixed); −1 if absent and not `create`. */
	private find(len: number, h: number, create: boolean): number {
		const hash = mix(h);
		const table = this.table;
		const mask = table.length - 1;
		const buf = this.scratch;
		const chars = this.chars;
		for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
			const v = table[slot];
			if (v === 0) break;
			const id = v - 1;
			if (this.hashes[id] !== hash || this.lengths[id] !== len) continue;
			const s = this.starts[id];
			let k = 0;
			while (k < len && chars[s + k] === buf[k]) k++;
			if (k === len) return id;
		}
		if (!create) return -1;
		return this.insert(len, hash);
	}

	private insert(len: number, hash: number): number {
		const id = this.words.length;
		if (id >= this.hashes.length) {
			this.hashes = grow(this.hashes, id * 2);
			this.starts = grow(this.starts, id * 2);
			this.lengths = grow(this.lengths, id * 2);
		}
		if (this.charsUsed + len > this.chars.length) {
			const grown = new Uint16Array(Math.max(this.charsUsed + len, this.chars.length * 2));
			grown.set(this.chars.subarray(0, this.charsUsed));
			this.chars = grown;
		}
		const s = this.charsUsed;
		this.chars.set(this.scratch.subarray(0, len), s);
		this.charsUsed += len;
		this.hashes[id] = hash;
		this.starts[id] = s;
		this.lengths[id] = len;
		let word = '';
		for (let k = 0; k < len; k += 4096) word += String.fromCharCode.apply(null, Array.from(this.scratch.subarray(k, Math.min(len, k + 4096))));
		this.words.push(word);
		if (2 * (id + 1) > this.table.length) this.rehash(this.table.length * 2);
		else this.place(id, hash);
		return id;
	}

	private place(id: number, hash: number): void {
		const table = this.table;
		const mask = table.length - 1;
		let slot = hash & mask;
		while (table[slot] !== 0) slot = (slot + 1) & mask;
		table[slot] = id + 1;
	}

	private rehash(size: number): void {
		this.table = new Int32Array(size);
		for (let id = 0; id < this.words.length; id++) this.place(id, this.hashes[id]);
	}

	private growScratch(size: number): Uint16Array {
		const grown = new Uint16Array(Math.max(size, this.scratch.length * 2));
		grown.set(this.scratch);
		this.scratch = grown;
		return grown;
	}

	private growIds(): Int32Array {
		const grown = new Int32Array(this.ids.length * 2);
		grown.set(this.ids);
		this.ids = grown;
		return grown;
	}
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

function hashOf(codes: Uint16Array, len: number): number {
	let h = FNV_OFFSET;
	for (let i = 0; i < len; i++) h = Math.imul(h ^ codes[i], FNV_PRIME);
	return h;
}

/** Final avalanche (murmur3's), so that the low bits used as the slot depend on every code. */
function mix(h: number): number {
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	return h ^ (h >>> 16);
}

function grow(a: Int32Array, size: number): Int32Array {
	const b = new Int32Array(size);
	b.set(a);
	return b;
}
