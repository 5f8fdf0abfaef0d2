import { describe, expect, it } from 'vitest';
import { tokenize } from './tokenize';

describe('tokenize (rouge_score, no stemmer)', () => {
	it('lower-cases and splits on everything outside [a-z0-9]', () => {
		expect(tokenize('Give me a recipe, please!')).toEqual(['give', 'me', 'a', 'recipe', 'please']);
		expect(tokenize("don't stop-believing_now 3.14")).toEqual(['don', 't', 'stop', 'believing', 'now', '3', '14']);
		expect(tokenize('  tabs\tand\nnewlines  ')).toEqual(['tabs', 'and', 'newlines']);
	});

	it('gives nothing for empty or punctuation-only text', () => {
		expect(tokenize('')).toEqual([]);
		expect(tokenize('   ')).toEqual([]);
		expect(tokenize('?!... --- ***')).toEqual([]);
	});

	it('maps U+0130 İ to "i" followed by a separator, as Python lower() gives "i̇"', () => {
		expect(tokenize('İstanbul')).toEqual(['i', 'stanbul']);
		expect(tokenize('FİLE')).toEqual(['fi', 'le']);
		expect(tokenize('İ')).toEqual(['i']);
	});

	it('maps the Kelvin sign U+212A to "k"', () => {
		expect(tokenize('\u212Aelvin 5\u212A')).toEqual(['kelvin', '5k']);
	});

	it('treats accented letters, dotless ı and ß as separators', () => {
		expect(tokenize('café crème')).toEqual(['caf', 'cr', 'me']);
		expect(tokenize('cafe\u0301')).toEqual(['cafe']); // e + combining acute
		expect(tokenize('Straße')).toEqual(['stra', 'e']);
		expect(tokenize('ıi')).toEqual(['i']);
		expect(tokenize('ÉCOLE')).toEqual(['cole']);
	});

	it('treats CJK, emoji and full-width digits/letters as separators', () => {
		expect(tokenize('写一首诗 about the sea')).toEqual(['about', 'the', 'sea']);
		expect(tokenize('I ❤️ NY 😀ok')).toEqual(['i', 'ny', 'ok']);
		expect(tokenize('１２３ abc ＡＢＣ')).toEqual(['abc']);
	});

	it('keeps digits and mixed alphanumerics together', () => {
		expect(tokenize('GPT3 vs gpt-4o, top10')).toEqual(['gpt3', 'vs', 'gpt', '4o', 'top10']);
	});

	it('survives lone surrogates', () => {
		expect(tokenize('a\ud800b')).toEqual(['a', 'b']);
	});
});
