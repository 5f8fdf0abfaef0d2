/**
 * rouge_score's tokenizer fused with interning: scans a text once and returns the ids of its
 * tokens, hashing the lower-cased characters as it goes and looking them up in an
 * open-addressing table, so a token already seen costs no substring and no Map lookup. The
 * token boundaries are exactly those of `tokenize` (tested against it).
 */

const LATIN_CAPITAL_I_WITH_DOT = 0x130;
const KELVIN_SIGN = 0x212a;
const EMPTY = -1;

/** Lower-cased token character for code unit c, or −1 when c separates tokens. İ is handled apart. */
function tokenChar(c: number): number {
	if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) return c;
	if (c >= 65 && c <= 90) return c + 32;
	if (c === KELVIN_SIGN) return 107; // "k"
	return -1;
}

export class TokenInterner {
	private readonly words: string[] = [];
	private hashes: Int32Array = new Int32Array(0);
	private table: Int32Array = new Int32Array(1 << 12).fill(EMPTY);
	private mask = (1 << 12) - 1;
	private scratch: Int32Array = new Int32Array(64);
	private chars: number[] = [];

	/** Called with each new token's id right after it is assigned. */
	constructor(private readonly onNewToken: (id: number) => void = () => {}) {}

	get size(): number {
		return this.words.length;
	}

	token(id: number): string {
		return this.words[id];
	}

	/** Ids of the tokens of `text`, in order (new tokens get the next ids). */
	ids(text: string): Int32Array {
		let out = this.scratch;
		let count = 0;
		const chars = this.chars;
		chars.length = 0;
		let hash = 0x811c9dc5;
		for (let i = 0; i <= text.length; i++) {
			const c = i < text.length ? text.charCodeAt(i) : 32;
			const lower = tokenChar(c);
			if (lower >= 0) {
				chars.push(lower);
				hash = Math.imul(hash ^ lower, 0x01000193);
				continue;
			}
			let ends = chars.length > 0;
			if (c === LATIN_CAPITAL_I_WITH_DOT) {
				// "i" then a combining dot, which separates: the token ends with this "i".
				chars.push(105);
				hash = Math.imul(hash ^ 105, 0x01000193);
				ends = true;
			}
			if (!ends) continue;
			if (count === out.length) {
				const grown = new Int32Array(out.length * 2);
				grown.set(out);
				this.scratch = out = grown;
			}
			out[count++] = this.lookup(chars, hash);
			chars.length = 0;
			hash = 0x811c9dc5;
		}
		return out.slice(0, count);
	}

	private lookup(chars: number[], hash: number): number {
		const table = this.table;
		let slot = hash & this.mask;
		for (;;) {
			const id = table[slot];
			if (id === EMPTY) break;
			if (this.hashes[id] === hash && sameChars(this.words[id], chars)) return id;
			slot = (slot + 1) & this.mask;
		}
		const id = this.words.length;
		this.words.push(fromCharCodes(chars));
		if (id >= this.hashes.length) {
			const grown = new Int32Array(Math.max(1024, this.hashes.length * 2));
			grown.set(this.hashes);
			this.hashes = grown;
		}
		this.hashes[id] = hash;
		table[slot] = id;
		if (this.words.length * 2 > table.length) this.growTable();
		this.onNewToken(id);
		return id;
	}

	private growTable(): void {
		const size = this.table.length * 2;
		const table = new Int32Array(size).fill(EMPTY);
		const mask = size - 1;
		for (let id = 0; id < this.words.length; id++) {
			let slot = this.hashes[id] & mask;
			while (table[slot] !== EMPTY) slot = (slot + 1) & mask;
			table[slot] = id;
		}
		this.table = table;
		this.mask = mask;
	}
}

function fromCharCodes(chars: number[]): string {
	let s = '';
	for (let k = 0; k < chars.length; k += 4096) s += String.fromCharCode(...chars.slice(k, k + 4096));
	return s;
}

function sameChars(word: string, chars: number[]): boolean {
	if (word.length !== chars.length) return false;
	for (let k = 0; k < chars.length; k++) if (word.charCodeAt(k) !== chars[k]) return false;
	return true;
}
