import { describe, expect, it } from 'vitest';
import { InstructionRules, blacklistMatcher, normalizeInstruction } from './instruction-rules';
import { filterPreset } from './presets';
import { collapseWhitespace, pyCapitalize, pyStrip } from './python-text';

const selfInstruct = filterPreset('self-instruct');
const alpaca = filterPreset('alpaca');
const check = (text: string, config = selfInstruct) =>
	new InstructionRules(config).check(normalizeInstruction(text, config.normalize));

describe('Python string helpers', () => {
	it('strip and collapse use Python whitespace', () => {
		expect(pyStrip('\x1c\u3000 hi \x85')).toBe('hi');
		expect(pyStrip('\ufeffhi')).toBe('\ufeffhi'); // U+FEFF is not whitespace in Python
		expect(collapseWhitespace('a \t\n b\x1fc')).toBe('a b c');
	});
	it('capitalize title-cases the first character and lower-cases the rest', () => {
		expect(pyCapitalize('wRITE A Program')).toBe('Write a program');
		expect(pyCapitalize('ßtraße')).toBe('Sstraße');
		expect(pyCapitalize('éCOLE')).toBe('École');
		expect(pyCapitalize('')).toBe('');
	});
	it('normalises as each reference does', () => {
		expect(normalizeInstruction('  write   a\nPOEM ', selfInstruct.normalize)).toBe('Write a poem');
		expect(normalizeInstruction('  write   a\nPOEM ', alpaca.normalize)).toBe('write   a\nPOEM');
	});
});

describe('blacklist (whole words, case-insensitive, Python word boundaries)', () => {
	const find = blacklistMatcher(selfInstruct.instruction.blacklist.words);
	// Expected values are what Self-Instruct's re.search(r"\b(w)\b", s, re.IGNORECASE) gives.
	it.each([
		['Describe this IMAGE in detail', 'IMAGE'],
		['Describe the imagery of the poem', null],
		['Let us go to the park now', 'go to'],
		['Let us go tomorrow to the park', null],
		['go  to the shop', null],
		["Check the map's legend", 'map'],
		['Please draw-a cat', 'draw'],
		['Do not plot', 'plot'],
		['Show the_map quickly', null],
		['Open 3files now', null],
		// Unicode letters are word characters: no boundary between "é" and "image" (JS \b would see one)
		['Find the éimage thing', null],
		['Explain 文件file now', null],
		// re.IGNORECASE matches İ and ı to i, ſ to s
		['Read the FİLE carefully', 'FİLE'],
		['Read the fıle carefully', 'fıle'],
		['List imageſ here', 'imageſ']
	])('%s → %s', (text, expected) => {
		expect(find(text)).toBe(expected);
	});

	it('Alpaca adds video, audio, music, flowchart, diagram', () => {
		expect(check('Compose some music for a birthday party', selfInstruct).keep).toBe(true);
		expect(check('Compose some music for a birthday party', alpaca)).toEqual({
			keep: false,
			rule: 'blacklist',
			detail: 'contains "music"'
		});
		expect(check('Draw a flowchart of the process', alpaca).rule).toBe('blacklist');
	});

	it('takes user words literally, with Python \\b semantics around punctuation', () => {
		// As Python's re.search(r"\b(" + re.escape(w) + r")\b", s, re.I) answers.
		const f = blacklistMatcher(['c++', 'a.b']);
		expect(f('I like c++ a lot')).toBe(null); // \b after "+" needs a word character next
		expect(f('I like c++code')).toBe('c++');
		expect(f('axb')).toBe(null);
		expect(f('a.b.')).toBe('a.b');
	});
});

describe('instruction rules', () => {
	it('keeps 4 to 150 words', () => {
		expect(check('Write three words')).toEqual({ keep: false, rule: 'wordCount', detail: '3 words < 4' });
		expect(check('Write four words here').keep).toBe(true);
		expect(check('Say ' + 'word '.repeat(149)).keep).toBe(true);
		expect(check('Say ' + 'word '.repeat(150))).toEqual({ keep: false, rule: 'wordCount', detail: '151 words > 150' });
		expect(check('Summarize')).toEqual({ keep: false, rule: 'wordCount', detail: '1 word < 4' });
		// Chinese has no spaces: the whole sentence is one whitespace-separated word, and the detail says why.
		expect(check('请把这句话翻译成英文。')).toEqual({
			keep: false,
			rule: 'wordCount',
			detail: '1 word < 4 (whitespace-separated words, as Self-Instruct counts them: text without spaces, as in Chinese or Japanese, counts as one word)'
		});
	});

	it('rejects an empty instruction', () => {
		expect(check(' \n ').rule).toBe('emptyInstruction');
	});

	it('rejects "Write a program", case-insensitively for Self-Instruct (it capitalizes first) only', () => {
		expect(check('Write a program that adds two numbers.').rule).toBe('forbiddenPrefix');
		expect(check('  write a PROGRAM that adds two numbers.').rule).toBe('forbiddenPrefix');
		expect(check('write a program that adds two numbers.', alpaca).keep).toBe(true);
		expect(check('Write a programme for the festival.', alpaca).rule).toBe('forbiddenPrefix');
		expect(check('Write a poem that adds two numbers.').keep).toBe(true);
	});

	it('rejects a leading punctuation character', () => {
		expect(check('"Quote" this sentence for me please')).toEqual({
			keep: false,
			rule: 'leadingPunctuation',
			detail: 'starts with "\\""'
		});
		expect(check('1. Explain gravity to a child').keep).toBe(true);
	});

	it('rejects a leading non-ASCII character (after normalisation)', () => {
		expect(check('¿Qué hora es ahora mismo?')).toMatchObject({ keep: false, rule: 'leadingNonAscii' });
		expect(check('Éxplain the rules of chess')).toMatchObject({ keep: false, rule: 'leadingNonAscii', detail: 'starts with "É" (U+00C9)' });
		expect(check('😀 Tell me a joke now')).toMatchObject({ rule: 'leadingNonAscii', detail: 'starts with "😀" (U+1F600)' });
		// Self-Instruct capitalizes first: "ß" becomes "Ss", which is ASCII.
		expect(check('ßtraße is a word here').keep).toBe(true);
		expect(check('ßtraße is a word here', alpaca).rule).toBe('leadingNonAscii');
	});

	it('can switch rules off', () => {
		const config = filterPreset('self-instruct');
		config.instruction.wordCount.enabled = false;
		config.instruction.blacklist.enabled = false;
		expect(check('Plot it', config).keep).toBe(true);
	});
});
