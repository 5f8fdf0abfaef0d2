import { describe, expect, it } from 'vitest';
import { tokenize } from './tokenize';
import { Vocabulary } from './vocabulary';
import { createRng as rng } from '../random';

/** The reference: tokenize, then ids by first appearance through a Map. */
class MapVocabulary {
	readonly ids = new Map<string, number>();
	idsOf(text: string): number[] {
		return tokenize(text).map((t) => {
			let id = this.ids.get(t);
			if (id === undefined) this.ids.set(t, (id = this.ids.size));
			return id;
		});
	}
}

const PIECES = ['a', 'B', 'the', 'THE', 'The', 'x1', '42', ' ', '  ', ',', '-', '\n', 'İ', 'İs', '\u212A', 'é', 'ß', '😀', '\ud800', 'ı', 'Ａ', 'zz', 'Q'];

function randomText(random: () => number): string {
	let s = '';
	const parts = Math.floor(random() * 30);
	for (let k = 0; k < parts; k++) {
		if (random() < 0.3) {
			// a random ASCII-ish word, so that the table grows and collides
			const n = 1 + Math.floor(random() * 8);
			for (let c = 0; c < n; c++) s += String.fromCharCode(97 + Math.floor(random() * 6));
		} else s += PIECES[Math.floor(random() * PIECES.length)];
	}
	return s;
}

describe('Vocabulary', () => {
	it('interns tokens to dense ids in order of first appearance', () => {
		const v = new Vocabulary();
		expect(v.intern('give')).toBe(0);
		expect(v.intern('me')).toBe(1);
		expect(v.intern('give')).toBe(0);
		expect(v.lookup('me')).toBe(1);
		expect(v.lookup('you')).toBe(-1);
		expect(v.size).toBe(2);
		expect(v.token(1)).toBe('me');
		expect([...v.internAll(['me', 'you', 'give'])]).toEqual([1, 2, 0]);
	});

	it('internText gives the ids of tokenize(text), with the same rules for İ, the Kelvin sign and separators', () => {
		const v = new Vocabulary();
		expect([...v.internText('İstanbul, FİLE \u212Aelvin 5\u212A café ıi')].map((id) => v.token(id))).toEqual(
			tokenize('İstanbul, FİLE \u212Aelvin 5\u212A café ıi')
		);
		expect([...v.internText('')]).toEqual([]);
		expect([...v.internText('?! ***')]).toEqual([]);
		expect([...v.internText('word')]).toEqual([v.lookup('word')]);
	});

	it('agrees with tokenize + a Map on random texts, mixed with intern() calls (5,000 texts)', () => {
		const random = rng(7);
		const v = new Vocabulary();
		const ref = new MapVocabulary();
		for (let k = 0; k < 5_000; k++) {
			const text = randomText(random);
			if (random() < 0.1) {
				// intern() and internText() share one table
				const token = tokenize(text)[0];
				if (token !== undefined) expect(v.intern(token)).toBe(ref.idsOf(token)[0]);
				continue;
			}
			expect([...v.internText(text)]).toEqual(ref.idsOf(text));
		}
		expect(v.size).toBe(ref.ids.size);
		for (const [token, id] of ref.ids) {
			expect(v.token(id)).toBe(token);
			expect(v.lookup(token)).toBe(id);
		}
	});

	it('handles very long tokens and texts', () => {
		const v = new Vocabulary();
		const long = 'ab'.repeat(10_000);
		const ids = v.internText(`${long} x ${long.toUpperCase()} ${long}y`);
		expect(ids.length).toBe(4);
		expect(ids[0]).toBe(ids[2]);
		expect(v.token(ids[0])).toBe(long);
		expect(v.token(ids[3])).toBe(long + 'y');
		const many = Array.from({ length: 5000 }, (_, i) => `w${i}`).join(' ');
		expect([...v.internText(many)].map((id) => v.token(id))).toEqual(tokenize(many));
	});
});
