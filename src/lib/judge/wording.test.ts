import { describe, expect, it } from 'vitest';
import { estimatePopulationText, firstExchangeNote, judgedLine, tiedItemsNote, tieRangeText, wholeDatasetChoice } from './wording';

describe('wholeDatasetChoice', () => {
	it('says how many rows the run will judge, and how many of them a filter rejected', () => {
		expect(wholeDatasetChoice('quality', { units: 90, rejectedUnits: 10 })).toBe(
			'The whole dataset: all 90 rows the audit sampled from, including 10 rejected by filters (needed for the whole-dataset estimate)'
		);
		expect(wholeDatasetChoice('quality', { units: 80, rejectedUnits: 0 })).toBe('The whole dataset: all 80 rows the audit sampled from (needed for the whole-dataset estimate)');
		expect(wholeDatasetChoice('rating', { units: 1, rejectedUnits: 0 })).toBe('The whole dataset: all 1 model response the audit sampled from');
		expect(wholeDatasetChoice('pairwise', null)).toBe('The whole dataset: every pair the audit sampled from');
	});
});

describe('tieRangeText', () => {
	it('gives the two figures as the headline gives a range, with the hull of the intervals', () => {
		expect(tieRangeText({ point: 8 / 30, lower: 0.142, upper: 0.45 }, { point: 9 / 30, lower: 0.16, upper: 0.479 })).toBe('26.7%–30.0% [14.2%, 47.9%]');
		expect(tieRangeText({ point: 0.5, lower: 0.4, upper: 0.6 }, { point: 0.5, lower: 0.4, upper: 0.6 })).toBe('50.0% [40.0%, 60.0%]');
		expect(tieRangeText({ point: null, lower: 0, upper: 1 }, { point: 0.5, lower: 0.4, upper: 0.6 })).toBe('—');
	});
	it('says how many items the figure rests on', () => {
		expect(tiedItemsNote(30, 1)).toBe('Over 30 audited items: the 1 tied item counted as "no" and as "yes", as the audit\'s headline does.');
	});
});

describe('estimatePopulationText', () => {
	it('counts rows, or tasks and their rows, without mixing the two', () => {
		expect(estimatePopulationText('rows', { tasks: 40, rows: 40, unparsedRows: 1 })).toBe('Over 40 rows (1 row without a readable judge verdict, counted as "no")');
		expect(estimatePopulationText('one-row-per-task', { tasks: 40, rows: 79, unparsedRows: 41 })).toBe(
			'Over 40 tasks with 79 rows (41 rows without a readable judge verdict, counted as "no"; each task counts its share of rows the judge passes)'
		);
	});
});

describe('judgedLine', () => {
	it('counts every judged unit, the unreadable replies among them', () => {
		expect(judgedLine(30, 30, 13, 'items', 'verdict')).toBe('30 of 30 audited items judged, 13 without a readable judge verdict');
		expect(judgedLine(60, 60, 0, 'responses', 'rating')).toBe('60 of 60 audited responses judged');
	});
});

describe('firstExchangeNote', () => {
	it('says a quality run judges the first exchange only, and how many conversations go on past it; nothing when none does', () => {
		expect(firstExchangeNote({ conversations: 3, withLaterTurns: 2 })).toBe(
			'The quality judge sees only the first exchange of each conversation (its first user turn and the reply): 2 of the 3 conversations judged have later turns, which are not judged.'
		);
		expect(firstExchangeNote({ conversations: 1, withLaterTurns: 1 })).toContain('1 of the 1 conversation judged has later turns');
		expect(firstExchangeNote({ conversations: 4, withLaterTurns: 0 })).toBeNull();
		expect(firstExchangeNote(null)).toBeNull();
	});
});
