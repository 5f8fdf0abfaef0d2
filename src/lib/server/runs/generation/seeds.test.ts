import { describe, expect, it } from 'vitest';
import { RunParamsError } from '../errors';
import { defaultUnnaturalSeedSets, parseUnnaturalSeedSets } from './seeds';

const demo = (n: number) => ({ instruction: `Task ${n}.`, input: `input ${n}`, constraints: 'None.' });

function refusal(value: unknown, where?: string): string {
	try {
		parseUnnaturalSeedSets(value, where);
	} catch (err) {
		expect(err).toBeInstanceOf(RunParamsError);
		expect((err as RunParamsError).field).toBe('seedSets');
		return (err as Error).message;
	}
	throw new Error('accepted');
}

describe('Unnatural Instructions seed sets', () => {
	it('reads sets of 3 demonstrations, nested or as one flat list', () => {
		expect(parseUnnaturalSeedSets(JSON.stringify([[demo(1), demo(2), demo(3)]]))).toEqual([[demo(1), demo(2), demo(3)]]);
		expect(parseUnnaturalSeedSets([1, 2, 3, 4, 5, 6].map(demo))).toEqual([[demo(1), demo(2), demo(3)], [demo(4), demo(5), demo(6)]]);
		expect(parseUnnaturalSeedSets(JSON.stringify(defaultUnnaturalSeedSets(), null, 2))).toEqual(defaultUnnaturalSeedSets());
	});

	it('refuses a set that is not exactly 3 demonstrations, naming the set', () => {
		expect(refusal([1, 2, 3, 4].map(demo))).toBe(
			'Seed sets: a flat list of 4 demonstrations does not split into sets of 3: set 2 would have 1 demonstration. Each prompt shows one set of exactly 3 and asks for the next example, as in the paper.'
		);
		expect(refusal([[demo(1), demo(2), demo(3)], [demo(4), demo(5)]])).toBe(
			'Seed sets: set 2 has 2 demonstrations; each set has exactly 3 (each prompt shows one set and asks for the next example, as in the paper).'
		);
		expect(refusal([[1, 2, 3, 4].map(demo)])).toMatch(/^Seed sets: set 1 has 4 demonstrations; each set has exactly 3 /);
		expect(refusal([[demo(1), demo(2), demo(3)], []])).toMatch(/^Seed sets: set 2 has 0 demonstrations;/);
		expect(refusal([[demo(1), demo(2), { instruction: 'x', input: '' }]])).toBe('Seed sets: set 1, demonstration 3: "input" must be non-empty text.');
	});

	it('places a JSON error by line and column, and names the file it came from', () => {
		const text = '[\n  [\n    {"instruction": "A.", "input": "a", "constraints": "None.",}\n  ]\n]';
		expect(refusal(text, 'my-sets.json')).toBe('my-sets.json: line 3, column 64: malformed JSON: Expected double-quoted property name');
		expect(refusal('[\n  [\n    {"instruction": None}\n  ]\n]')).toBe("Seed sets: line 3, column 21: malformed JSON: Unexpected token 'N'");
		expect(refusal('[[{"instruction": "A."}]')).toMatch(/^Seed sets: line 1, column \d+: malformed JSON: /);
	});
});
