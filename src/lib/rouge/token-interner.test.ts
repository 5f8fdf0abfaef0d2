import { describe, expect, it } from 'vitest';
import { TokenInterner } from './token-interner';
import { tokenize } from './tokenize';

function rng(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

describe('TokenInterner', () => {
	it('gives the same tokens as tokenize, with stable ids', () => {
		const interner = new TokenInterner();
		const ids = interner.ids('Give me İstanbul\u212Aelvin, GIVE me 42!');
		expect(Array.from(ids, (id) => interner.token(id))).toEqual(tokenize('Give me İstanbul\u212Aelvin, GIVE me 42!'));
		expect(ids[0]).toBe(ids[4]); // give … GIVE
		expect(interner.ids('')).toEqual(new Int32Array(0));
	});

	it('agrees with tokenize on random text with Unicode edge cases, across table growth', () => {
		const random = rng(3);
		const pieces = ['a', 'b', 'Z', 'q9', ' ', '.', '-', '\n', 'İ', '\u212A', 'ı', 'é', 'ß', '中', '😀', '１', '\u0307', 'word', 'WORD', 'x'];
		const interner = new TokenInterner();
		const seen: number[] = [];
		const fresh = new TokenInterner((id) => seen.push(id));
		for (let trial = 0; trial < 3000; trial++) {
			let text = '';
			const len = Math.floor(random() * 30);
			for (let k = 0; k < len; k++) text += pieces[Math.floor(random() * pieces.length)] + (random() < 0.3 ? String(trial % 97) : '');
			const tokens = tokenize(text);
			expect(Array.from(interner.ids(text), (id) => interner.token(id))).toEqual(tokens);
			fresh.ids(text);
		}
		expect(interner.size).toBeGreaterThan(2000); // the table grew several times
		expect(seen).toEqual(Array.from({ length: fresh.size }, (_, k) => k));
	});

	it('handles a very long token', () => {
		const interner = new TokenInterner();
		const long = 'a'.repeat(100_000);
		expect(interner.token(interner.ids(`x ${long} y`)[1])).toBe(long);
	});
});
