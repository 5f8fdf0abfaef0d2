import { describe, expect, it } from 'vitest';
import { modelNameFromFileName, normalizeWhitespace } from './text';

describe('normalizeWhitespace', () => {
	it('collapses runs of any whitespace to one space and trims', () => {
		expect(normalizeWhitespace('  Rewrite\tthe \n\n sentence.  ')).toBe('Rewrite the sentence.');
		expect(normalizeWhitespace('a\r\nb\u00a0c')).toBe('a b c');
	});
	it('maps whitespace-only text to the empty string', () => {
		expect(normalizeWhitespace(' \n\t ')).toBe('');
	});
	it('makes the prediction-file instruction equal to the task instruction', () => {
		const task = 'Give me a list of stocks.\nThe list should be short.';
		expect(normalizeWhitespace(' Give me a list of  stocks. The list should be short.\n')).toBe(normalizeWhitespace(task));
	});
});

describe('modelNameFromFileName', () => {
	it('drops the _predictions suffix and extension', () => {
		expect(modelNameFromFileName('davinci-t0-ft_predictions.jsonl')).toBe('davinci-t0-ft');
		expect(modelNameFromFileName('text-davinci-003_predictions.jsonl')).toBe('text-davinci-003');
	});
	it('drops directories, either slash', () => {
		expect(modelNameFromFileName('human_eval/predictions/davinci_predictions.jsonl')).toBe('davinci');
		expect(modelNameFromFileName('C:\\data\\gpt-4o.predictions.json')).toBe('gpt-4o');
	});
	it('keeps a name without the suffix, minus its extension', () => {
		expect(modelNameFromFileName('my-model.jsonl')).toBe('my-model');
		expect(modelNameFromFileName('llama-3')).toBe('llama-3');
	});
	it('never returns an empty name', () => {
		expect(modelNameFromFileName('_predictions.jsonl')).toBe('_predictions');
		expect(modelNameFromFileName('.jsonl')).toBe('.jsonl');
	});
});

describe('normalizeWhitespace on random whitespace', () => {
	it('equals the plain replace-and-trim on every mix of spaces, tabs, newlines and other whitespace', () => {
		const pieces = ['a', 'bc', ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2028', '\u3000', 'é'];
		let seed = 7;
		const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
		for (let k = 0; k < 5000; k++) {
			const s = Array.from({ length: Math.floor(next() * 8) }, () => pieces[Math.floor(next() * pieces.length)]).join('');
			expect(normalizeWhitespace(s), JSON.stringify(s)).toBe(s.replace(/\s+/g, ' ').trim());
		}
	});
});
