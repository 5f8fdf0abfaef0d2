import { describe, expect, it } from 'vitest';
import { automaticText, coefficient, estimatorInText, headlineNoteText, headlineNotes, interval, majorityCellText, percent, points, pointsInterval, pValue, recordCountsText, seconds } from './format';
import { wilsonInterval } from '$lib/stats';
import type { HeadlineRate } from './estimators';

describe('report number formats', () => {
	it('writes shares, intervals and differences', () => {
		expect(percent(0.565)).toBe('56.5%');
		expect(percent(null)).toBe('—');
		expect(interval(0.11762, 0.76928)).toBe('[11.8%, 76.9%]');
		expect(points(0.2)).toBe('+20.0 pp');
		expect(points(-0.0524)).toBe('−5.2 pp');
		expect(points(-0.00001)).toBe('0.0 pp');
		expect(pointsInterval(-0.1, 0.3)).toBe('[−10.0 pp, +30.0 pp]');
	});
	it('writes coefficients, p-values and times', () => {
		expect(coefficient(31 / 47)).toBe('0.660');
		expect(coefficient(null)).toBe('—');
		expect(coefficient(-1e-17)).toBe('0.000');
		expect(coefficient(-1 / 35)).toBe('-0.029');
		expect(pValue(0.58621)).toBe('0.59');
		expect(pValue(0.0123)).toBe('0.012');
		expect(pValue(0.0004)).toBe('< 0.001');
		expect(pValue(1)).toBe('1.00');
		expect(seconds(4.25)).toBe('4.3 s');
		expect(seconds(35)).toBe('35 s');
		expect(seconds(null)).toBe('—');
	});
});

describe('counts in words', () => {
	it('says "1 tie", not "1 ties", in an item-majority cell (the CLI printed "(9–10/12; 1 ties)")', () => {
		const share = (yes: number, n: number) => ({ ...wilsonInterval(yes, n) });
		expect(majorityCellText({ yes: 9, ties: 1, n: 12, low: share(9, 12), high: share(10, 12) })).toBe('75.0%–83.3% (9–10/12; 1 tie)');
		expect(majorityCellText({ yes: 8, ties: 2, n: 12, low: share(8, 12), high: share(10, 12) })).toBe('66.7%–83.3% (8–10/12; 2 ties)');
		expect(majorityCellText({ yes: 9, ties: 0, n: 12, low: share(9, 12), high: share(9, 12) })).toBe('75.0% [46.8%, 91.1%] (9/12)');
	});
	it('says a model pair\'s wins, ties and losses in the singular for one', () => {
		expect(recordCountsText({ wins: 1, ties: 1, losses: 1 })).toBe('1 win, 1 tie, 1 loss');
		expect(recordCountsText({ wins: 3, ties: 0, losses: 2 })).toBe('3 wins, 0 ties, 2 losses');
	});
});

describe('headline notes', () => {
	const headline = (fallback: string | null): HeadlineRate => ({ estimator: fallback ? 'majority' : 'latent', requested: 'auto', fallback, n: 24, proportion: 0.5, low: null, high: null, lower: 0.3, upper: 0.7, caveat: null });
	it('name the questions each note applies to, and keep the proper names of an estimator in a sentence', () => {
		const notes = headlineNotes([
			{ key: 'instruction', headline: headline('too few items say no') },
			{ key: 'input', headline: headline('too few items say no') },
			{ key: 'output', headline: headline('the model is not identified') },
			{ key: 'allValid', headline: headline('the model is not identified') }
		]);
		expect(notes.map((n) => headlineNoteText(n, notes.length === 1))).toEqual([
			'Headline for Instruction describes a valid task; Input is appropriate for the instruction: Item majority, ties as bounds — latent truth (Dawid–Skene) not shown: too few items say no',
			'Headline for Output is a correct and acceptable response; All fields valid: Item majority, ties as bounds — latent truth (Dawid–Skene) not shown: the model is not identified'
		]);
		const one = headlineNotes([{ key: 'output', headline: headline(null) }, { key: 'allValid', headline: headline(null) }]);
		expect(one.map((n) => headlineNoteText(n, one.length === 1))).toEqual(['Headline: Latent truth (Dawid–Skene) (chosen by the data)']);
		expect(estimatorInText('latent')).toBe('latent truth (Dawid–Skene)');
		expect(estimatorInText('majority')).toBe('item majority, ties as bounds');
	});
});

describe('the automatic headline, in words', () => {
	it('names latent truth only where the data identify it', () => {
		expect(automaticText({ requested: 'auto', automatic: 'latent', byQuestion: { instruction: 'latent', allValid: 'latent' } }, 3)).toBe('latent truth (Dawid–Skene)');
		expect(automaticText({ requested: 'auto', automatic: 'majority', byQuestion: { instruction: 'majority', allValid: 'majority' } }, 2)).toBe(
			'item majority, ties as bounds: latent truth is not identified by these data'
		);
		expect(automaticText({ requested: 'auto', automatic: 'majority', byQuestion: { instruction: 'latent', input: 'majority', allValid: 'majority' } }, 3)).toBe(
			'latent truth (Dawid–Skene) for Instruction valid; item majority, ties as bounds for the rest, where latent truth is not identified'
		);
		expect(automaticText({ requested: 'auto', automatic: 'majority', byQuestion: { allValid: 'majority' } }, 1)).toBe('item majority, ties as bounds');
	});
});
