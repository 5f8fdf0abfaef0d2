import { describe, expect, it } from 'vitest';
import { intOption, parseCommandArgs } from './args';

const refusal = (argv: string[]) => {
	try {
		parseCommandArgs(argv, { labels: { type: 'string' }, size: { type: 'string' }, json: { type: 'boolean' } }, 'Usage: x');
	} catch (err) {
		return (err as Error).message;
	}
	return null;
};

describe('an option followed by a word that begins with a dash', () => {
	it('says the value is missing when the word is another option', () => {
		expect(refusal(['--labels', '--json'])).toBe('--labels needs a value (the next word, "--json", is an option).');
	});

	it('says how to write a negative number', () => {
		expect(refusal(['--size', '-3'])).toBe('--size is followed by a value that begins with a dash; write it --size=<value> (e.g. --size=-3).');
		expect(refusal(['--size', '-.5'])).toBe('--size is followed by a value that begins with a dash; write it --size=<value> (e.g. --size=-.5).');
	});

	it('leaves the missing last value to parseArgs\' own message', () => {
		expect(refusal(['--json', '--labels'])).toMatch(/^Option '--labels <value>' argument missing/);
	});
});

describe('intOption', () => {
	it('takes whole numbers written in digits', () => {
		expect(intOption('100', 'size', 0)).toBe(100);
		expect(intOption('-3', 'seed', 0)).toBe(-3);
		expect(intOption(undefined, 'size', 7)).toBe(7);
	});

	it.each(['1e2', '0x10', '1.0', '1.5', ' 7', '', '99999999999999999999'])('refuses %j, naming the option', (value) => {
		expect(() => intOption(value, 'size', 0)).toThrow(`--size must be an integer, got "${value}".`);
	});
});
