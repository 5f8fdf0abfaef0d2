import { describe, expect, it } from 'vitest';
import { findRepeatedKey, mayRepeatKeys, repeatedKeyOf } from './repeated-keys';

const check = (text: string) => repeatedKeyOf(text, JSON.parse(text));

describe('repeated field names', () => {
	it('clears ordinary records by the screen alone', () => {
		const text = '{"instruction":"a","input":"","output":"b","meta":{"k":[1,{"x":2}]}}';
		expect(mayRepeatKeys(text, JSON.parse(text))).toBe(false);
		expect(check(text)).toBeNull();
	});
	it('finds a name repeated at the top, in a nested object and in an array item, with its path and offset', () => {
		expect(check('{"a":1,"a":2}')).toEqual({ path: 'a', offset: 7 });
		expect(check('{"m":{"x":1,"y":2,"x":3}}')).toEqual({ path: 'm.x', offset: 18 });
		expect(check('{"turns":[{"r":1},{"r":2,"r":3}]}')?.path).toBe('turns[1].r');
		expect(check('[[0],{"k":1,"k":1}]')?.path).toBe('[1].k');
	});
	it('the same name in sibling objects is not a repeat', () => {
		expect(check('[{"a":1},{"a":2},{"b":{"a":3}}]')).toBeNull();
	});
	it('reads names through escapes and is not fooled by quotes, braces and colons inside strings', () => {
		expect(check('{"a\\"b":1,"a\\u0022b":2}')?.path).toBe('a"b');
		expect(check('{"s":"{\\"s\\":1, [\\"s\\":]}","t":"\\\\","u":"\\\\\\""}')).toBeNull();
		expect(findRepeatedKey('{"s" : 1, "s"\n:2}')?.path).toBe('s');
	});
	it('the screen never clears a record that repeats a name (simulation over random records)', () => {
		let seed = 7;
		const rand = (n: number) => {
			seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
			return (seed >>> 8) % n;
		};
		const names = ['a', 'b', 'c', 'a\\":', 'x\\"'];
		const values = ['1', '"v"', '"q\\":"', '[]', '{"a":1}', 'null'];
		const object = (depth: number): string => {
			const parts: string[] = [];
			const count = rand(4);
			for (let i = 0; i < count; i++) {
				const name = names[rand(names.length)];
				const space = rand(5) === 0 ? ' ' : '';
				const value = depth < 2 && rand(3) === 0 ? object(depth + 1) : values[rand(values.length)];
				parts.push(`"${name}"${space}:${value}`);
			}
			return `{${parts.join(',')}}`;
		};
		let repeats = 0;
		for (let i = 0; i < 3000; i++) {
			const text = object(0);
			const value = JSON.parse(text);
			const exact = findRepeatedKey(text);
			if (exact) {
				repeats++;
				expect(mayRepeatKeys(text, value)).toBe(true);
			}
			expect(repeatedKeyOf(text, value)).toEqual(exact);
		}
		expect(repeats).toBeGreaterThan(100);
	});
});
