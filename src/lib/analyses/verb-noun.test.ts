import { describe, expect, it } from 'vitest';
import { VerbNounExtractor, firstSentence } from './verb-noun';
import { OWN_ROWS, SEED_ROWS, USER_ORIENTED_ROWS, type VerbNounRow } from './fixtures/verb-noun';

const extractor = new VerbNounExtractor();

interface Score {
	rows: number;
	/** Same pair, or both without a pair: what the sunburst counts. */
	pairCorrect: number;
	/** Verb and noun both as expected (verb-only rows included). */
	exact: number;
	misses: string[];
}

function score(rows: readonly VerbNounRow[]): Score {
	const s: Score = { rows: rows.length, pairCorrect: 0, exact: 0, misses: [] };
	for (const [instruction, verb, noun] of rows) {
		const got = extractor.extract(instruction);
		const expectedPair = verb !== null && noun !== null ? `${verb}/${noun}` : null;
		const gotPair = got.verb !== null && got.noun !== null ? `${got.verb}/${got.noun}` : null;
		if (expectedPair === gotPair) s.pairCorrect++;
		else s.misses.push(`  expected ${expectedPair ?? '(no pair)'}, got ${gotPair ?? '(no pair)'}: ${instruction.split('\n')[0].slice(0, 90)}`);
		if (got.verb === verb && got.noun === noun) s.exact++;
	}
	return s;
}

const pct = (k: number, n: number) => `${((100 * k) / n).toFixed(1)}%`;

describe('verb–noun extraction on the hand-checked fixture', () => {
	it('gets the pair right for at least 90% of the instructions', () => {
		const parts = { seed: score(SEED_ROWS), 'user-oriented': score(USER_ORIENTED_ROWS), ours: score(OWN_ROWS) };
		const all = Object.values(parts).reduce((a, s) => ({ rows: a.rows + s.rows, pairCorrect: a.pairCorrect + s.pairCorrect, exact: a.exact + s.exact, misses: [...a.misses, ...s.misses] }));
		const lines = Object.entries(parts).map(
			([name, s]) => `  ${name.padEnd(14)} ${String(s.rows).padStart(4)} rows  pair ${pct(s.pairCorrect, s.rows).padStart(6)}  verb+noun ${pct(s.exact, s.rows).padStart(6)}`
		);
		console.log(
			[`Verb–noun fixture: ${all.rows} instructions, pair accuracy ${pct(all.pairCorrect, all.rows)} (${all.pairCorrect}/${all.rows}), verb and noun both right ${pct(all.exact, all.rows)}`, ...lines, `Misses (${all.misses.length}):`, ...all.misses].join('\n')
		);
		expect(all.rows).toBeGreaterThanOrEqual(300);
		expect(all.pairCorrect / all.rows).toBeGreaterThanOrEqual(0.9);
	});
});

describe('the rules for imperatives', () => {
	it.each([
		['Output the dependencies in lines.', 'output', 'dependency'],
		['Brainstorm a list of possible resolutions.', 'brainstorm', 'list'],
		['Given a list of numbers, find the largest number.', 'find', 'number'],
		['You are given a sentence. Rewrite it.', 'give', 'sentence'],
		['Tell me a joke about cats.', 'tell', 'joke'],
		['Fill in the blank with a word.', 'fill', 'blank'],
		['Write in a formal tone.', 'write', null],
		['Come up with a slogan for a gym.', 'come', null],
		['How do I bake a chocolate cake?', 'bake', 'cake'],
		['What is the capital of France?', null, null],
		['Describe Paris in three sentences.', 'describe', null],
		// A clause after the verb: its subject is no object, its verb no noun.
		['Make sure the code compiles.', 'make', null],
		['Check the function works.', 'check', null],
		['Compare the dietary needs of cats and dogs.', 'compare', 'need'],
		// Lower-case words are common nouns even where the tagger reads an accented one as a name.
		['Translate café into German', 'translate', 'café'],
		['Describe Paris in three sentences.', 'describe', null],
		// wink's lemmas merge British and American spellings (said on the page: VERB_NOUN_LEMMA_NOTE).
		['Analyse the colours in the painting.', 'analyze', 'color']
	])('%s → %s / %s', (instruction, verb, noun) => {
		expect(extractor.extract(instruction)).toEqual({ verb, noun });
	});

	it('reads nothing from empty or punctuation-only text', () => {
		expect(extractor.extract('')).toEqual({ verb: null, noun: null });
		expect(extractor.extract('  ...  ')).toEqual({ verb: null, noun: null });
	});
});

describe('firstSentence', () => {
	it('stops at the first sentence end or line break, not after abbreviations', () => {
		expect(firstSentence('Write a poem. Make it rhyme.')).toBe('Write a poem.');
		expect(firstSentence('List fruits, e.g. apples. Then sort them.')).toBe('List fruits, e.g. apples.');
		expect(firstSentence('Classify the text\nText: hello. World')).toBe('Classify the text');
		expect(firstSentence('Is it 3.5 or 4? Answer.')).toBe('Is it 3.5 or 4?');
	});
});
