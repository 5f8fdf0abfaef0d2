import { describe, expect, it } from 'vitest';
import { uniqueFileName } from './shapes';

describe('uniqueFileName (SuperNI task files in one folder)', () => {
	it('keeps names apart that differ only in case, as case-insensitive file systems compare them', () => {
		const used = new Set<string>();
		// Task ids a/b, a_b and A_B all clean to a_b.json or A_B.json.
		const names = [uniqueFileName('a_b.json', 1, used), uniqueFileName('a_b.json', 353, used), uniqueFileName('A_B.json', 354, used)];
		expect(names).toEqual(['a_b.json', 'a_b-353.json', 'A_B-354.json']);
		expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(3);
	});

	it('goes on counting when the suffixed name is taken too', () => {
		const used = new Set<string>();
		expect(['x-7.json', 'x.json', 'X.json', 'x.json'].map((n, i) => uniqueFileName(n, i === 0 ? 1 : 7, used))).toEqual(['x-7.json', 'x.json', 'X-7-2.json', 'x-7-3.json']);
	});
});
