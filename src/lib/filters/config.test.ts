import { describe, expect, it } from 'vitest';
import { filterConfigSummary, parseFilterConfig, unknownFilterConfigFields } from './config';
import { filterPreset } from './presets';

describe('filterConfigSummary', () => {
	it('names an unchanged preset as the preset, without its rules that are off by design', () => {
		expect(filterConfigSummary(filterPreset('self-instruct'))).toEqual(['preset self-instruct', 'ROUGE-L ≤ 0.7', '4–150 words', 'blacklist (13 words)', '≤ 5 instances per task']);
		expect(filterConfigSummary(filterPreset('alpaca'))).toEqual(['preset alpaca', 'ROUGE-L ≤ 0.7', '4–150 words', 'blacklist (18 words)']);
	});

	it('says a preset was customised and lists the rules that are off', () => {
		const f = filterPreset('self-instruct');
		f.instruction.blacklist.words = ['joke'];
		f.instruction.forbiddenPrefix.enabled = false;
		f.instruction.leadingPunctuation.enabled = false;
		f.instruction.leadingNonAscii.enabled = false;
		for (const rule of ['inputEqualsOutput', 'emptyOutput', 'endsWithColon', 'conflictingOutputs', 'duplicate'] as const) f.instance[rule].enabled = false;
		expect(filterConfigSummary(f)).toEqual([
			'self-instruct, customised',
			'ROUGE-L ≤ 0.7',
			'4–150 words',
			'blacklist (1 word)',
			'≤ 5 instances per task',
			'off: forbidden opening ("Write a program"); starts with punctuation; starts with a non-ASCII character; input identical to output; empty output; input or output ends with ":"; same input, different outputs (whole task); exact duplicate instance'
		]);
		// Only the threshold changed: customised, and no rule is off.
		const threshold = filterPreset('alpaca');
		threshold.instruction.rougeL.threshold = 0.705;
		expect(filterConfigSummary(threshold).slice(0, 2)).toEqual(['alpaca, customised', 'ROUGE-L ≤ 0.705']);
		// Word count off is said, not left out silently; ROUGE-L off is "no ROUGE-L".
		const noWords = filterPreset('alpaca');
		noWords.instruction.wordCount.enabled = false;
		noWords.instruction.rougeL.enabled = false;
		expect(filterConfigSummary(noWords)).toContain('no ROUGE-L');
		expect(filterConfigSummary(noWords).at(-1)).toMatch(/^off: too short or too long; .*exact duplicate instance; over the per-task limit$/);
	});

	it('names a custom configuration by its name, and the preset it equals if it does', () => {
		const same = parseFilterConfig({ ...filterPreset('self-instruct'), name: 'strict-v2' });
		expect(filterConfigSummary(same)[0]).toBe('custom settings "strict-v2" (the self-instruct preset\'s)');
		const own = parseFilterConfig({ ...filterPreset('self-instruct'), name: 'strict-v2', instance: { ...filterPreset('self-instruct').instance, maxPerTask: { enabled: true, max: 1 } } });
		expect(filterConfigSummary(own)).toEqual(['custom settings "strict-v2"', 'ROUGE-L ≤ 0.7', '4–150 words', 'blacklist (13 words)', '≤ 1 instance per task']);
	});
});

describe('unknownFilterConfigFields', () => {
	it('names each field no configuration has by its path, at any depth', () => {
		const typo = structuredClone(filterPreset('self-instruct')) as unknown as Record<string, Record<string, Record<string, unknown>>>;
		typo.instruction.rougeL.treshold = 0.5;
		typo.instance.maxPerTaks = { enabled: true, max: 3 };
		(typo as Record<string, unknown>).comment = 'mine';
		expect(unknownFilterConfigFields(typo)).toEqual(['instruction.rougeL.treshold', 'instance.maxPerTaks', 'comment']);
		// Parsing alone drops them without a word.
		expect(parseFilterConfig(typo).instruction.rougeL.threshold).toBe(0.7);
	});

	it('knows every field the app writes: the presets and a parsed configuration', () => {
		for (const preset of ['self-instruct', 'alpaca'] as const) {
			expect(unknownFilterConfigFields(filterPreset(preset))).toEqual([]);
			expect(unknownFilterConfigFields(JSON.parse(JSON.stringify(parseFilterConfig({ ...filterPreset(preset), name: 'strict-v2' }))))).toEqual([]);
		}
		// What is not an object is the schema's to refuse, not a field to name.
		expect(unknownFilterConfigFields('x')).toEqual([]);
		expect(unknownFilterConfigFields({ instruction: { blacklist: { words: ['a', 'b'] } } })).toEqual([]);
	});
});
