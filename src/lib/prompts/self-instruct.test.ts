import { describe, expect, it } from 'vitest';
import {
	buildClassificationPrompt,
	buildInstancePrompt,
	buildInstructionGenerationPrompt,
	CLASSIFICATION_DEMONSTRATIONS,
	CLASSIFICATION_TEMPLATE,
	INSTANCE_INPUT_FIRST_TEMPLATE,
	INSTANCE_OUTPUT_FIRST_TEMPLATE,
	parseClassificationAnswer,
	parseInputFirstInstances,
	parseInstructionList,
	parseOutputFirstInstances
} from './self-instruct';
import { TemplateError } from './template';

const shots = [
	'Suggest a name for a bakery.',
	'Translate the sentence\ninto French:',
	'  Classify the review as positive or negative.  ',
	'Write a haiku about snow.',
	'Sort the numbers in ascending order.',
	'Explain photosynthesis to a child.',
	'Find the bug in the code.',
	'Give three synonyms for "fast".'
];

describe('instruction generation prompt', () => {
	it('is a header line, 8 numbered one-line shots and "9." to continue', () => {
		const prompt = buildInstructionGenerationPrompt(shots);
		const lines = prompt.split('\n');
		expect(lines).toHaveLength(10);
		expect(lines[0]).toMatch(/:$/);
		expect(lines.slice(1, 9)).toEqual([
			'1. Suggest a name for a bakery.',
			'2. Translate the sentence into French',
			'3. Classify the review as positive or negative.',
			'4. Write a haiku about snow.',
			'5. Sort the numbers in ascending order.',
			'6. Explain photosynthesis to a child.',
			'7. Find the bug in the code.',
			'8. Give three synonyms for "fast".'
		]);
		expect(lines[9]).toBe('9.');
	});

	it('uses an edited template and refuses one without the list', () => {
		expect(buildInstructionGenerationPrompt(shots.slice(0, 2), 'Tasks:\n{{instructions}}\n{{next_number}}.')).toBe(
			'Tasks:\n1. Suggest a name for a bakery.\n2. Translate the sentence into French\n3.'
		);
		expect(() => buildInstructionGenerationPrompt(shots, 'Tasks:\n{{next_number}}.')).toThrow(TemplateError);
	});
});

describe('parseInstructionList', () => {
	it('splits a base model continuation of "9." at each "N. "', () => {
		const reply = ' Write a limerick about a cat.\n10. Convert 5 miles to kilometres.\n11. Name three rivers in Africa.';
		expect(parseInstructionList(reply, 'stop')).toEqual({
			instructions: ['Write a limerick about a cat.', 'Convert 5 miles to kilometres.', 'Name three rivers in Africa.'],
			droppedForLength: false,
			notes: [],
			problems: []
		});
	});

	it('drops a reply cut by the length limit whole', () => {
		const reply = ' Write a limerick.\n10. Convert 5 miles to kilo';
		expect(parseInstructionList(reply, 'length')).toEqual({ instructions: [], droppedForLength: true, notes: [], problems: [{ problem: 'truncated', raw: reply }] });
	});

	it('copes with messy output: extra whitespace, gaps in numbering, empty items, ")" markers', () => {
		const reply = '   Plan a   picnic menu.  \n\n10.   \n12 . Rewrite the email\n   more politely.\n 13) List four prime numbers.\n14.';
		expect(parseInstructionList(reply, 'stop').instructions).toEqual([
			'Plan a picnic menu.',
			'Rewrite the email more politely.',
			'List four prime numbers.'
		]);
	});

	it('does not split at numbers inside an item', () => {
		const reply = ' Explain why 3.5 is between 3 and 4.\n10. Describe version 2. of the plan in one line.';
		expect(parseInstructionList(reply, 'stop').instructions).toEqual([
			'Explain why 3.5 is between 3 and 4.',
			'Describe version 2. of the plan in one line.'
		]);
	});

	it('reads a chat model list written afresh and drops its lead-in', () => {
		const reply = 'Sure! Here are more tasks:\n9. Write a toast for a wedding.\n10. Estimate the weight of a bus.';
		expect(parseInstructionList(reply, 'stop', 'chat')).toEqual({
			instructions: ['Write a toast for a wedding.', 'Estimate the weight of a bus.'],
			droppedForLength: false,
			preamble: 'Sure! Here are more tasks:',
			notes: [{ kind: 'lead_in', raw: 'Sure! Here are more tasks:' }],
			problems: []
		});
		expect(parseInstructionList('1. Only one task here.', 'stop').instructions).toEqual(['Only one task here.']);
	});

	it('returns nothing for an empty reply', () => {
		expect(parseInstructionList('   \n', 'stop').instructions).toEqual([]);
	});

	it('never takes a lone list announcement for an instruction (a chat reply stopped at the blank line after it)', () => {
		for (const text of ['Sure! Here are seven more diverse tasks for you to try:', 'Here are some more tasks:']) {
			for (const style of ['chat', 'completions'] as const) {
				const parsed = parseInstructionList(text, 'stop', style);
				expect(parsed.instructions).toEqual([]);
				expect(parsed.problems).toEqual([{ problem: 'lone_lead_in', raw: text }]);
			}
		}
		// An instruction ending in ":" is still one.
		expect(parseInstructionList(' Translate the following sentence into French:', 'stop', 'chat').instructions).toEqual(['Translate the following sentence into French:']);
	});

	it('does not glue lines with broken numbering into the instruction before them', () => {
		const reply =
			' Rank these cities by population from largest to smallest please.\n10 Compose a haiku about a frozen lake at dawn in early January.\nEleven. List reasons a cat might stop eating its usual food at home.\n12. Suggest an itinerary for two days in Lisbon on foot with kids.';
		const parsed = parseInstructionList(reply, 'stop');
		expect(parsed.instructions).toEqual([
			'Rank these cities by population from largest to smallest please.',
			'Suggest an itinerary for two days in Lisbon on foot with kids.'
		]);
		expect(parsed.problems).toEqual([
			{ problem: 'broken_numbering', raw: '10 Compose a haiku about a frozen lake at dawn in early January.' },
			{ problem: 'broken_numbering', raw: 'Eleven. List reasons a cat might stop eating its usual food at home.' }
		]);
		for (const p of parsed.problems) expect(reply).toContain(p.raw);
		// A number inside an instruction's text is not a broken marker.
		expect(parseInstructionList(' Scale this recipe for four people:\n2 cups of flour and 1 egg.\n10. Name a bird.', 'stop').instructions).toEqual([
			'Scale this recipe for four people: 2 cups of flour and 1 egg.',
			'Name a bird.'
		]);
	});

	it('reads a loosely written next number as the next item, and one out of turn as broken numbering — never glued to the item before', () => {
		const reply =
			' Describe the water cycle for a ten year old child.\n10.Compose a limerick about a forgetful wizard who loses his hat.\n11) Explain why honeybees dance to other bees in the hive.\n12 - Give three reasons why people enjoy hiking in mountains.\n13: Name the capital of Peru.\n15.Write a riddle about a teapot.\n16. List four uses of vinegar at home.';
		const parsed = parseInstructionList(reply, 'stop');
		expect(parsed.instructions).toEqual([
			'Describe the water cycle for a ten year old child.',
			'Compose a limerick about a forgetful wizard who loses his hat.',
			'Explain why honeybees dance to other bees in the hive.',
			'Give three reasons why people enjoy hiking in mountains.',
			'Name the capital of Peru.',
			'List four uses of vinegar at home.'
		]);
		// 15 after 13: out of turn, so not read as data, but kept with its text.
		expect(parsed.problems).toEqual([{ problem: 'broken_numbering', raw: '15.Write a riddle about a teapot.' }]);
		// The number the prompt ends with decides the first one expected.
		expect(parseInstructionList(' Name a fruit that is red.\n7.Name a bird that cannot fly at all.', 'stop', 'completions', 6).instructions).toEqual([
			'Name a fruit that is red.',
			'Name a bird that cannot fly at all.'
		]);
		// A chat list may number afresh from 1.
		expect(parseInstructionList('1.Name a fruit that is red.\n2)Name a bird that cannot fly.', 'stop', 'chat').instructions).toEqual(['Name a fruit that is red.', 'Name a bird that cannot fly.']);
	});

	it('reads the dash, double-mark and bracket forms of the next number as the next item, never glued to the item before', () => {
		const reply =
			' Describe a sunset over the ocean in vivid detail.\n10- Compose a riddle about time and clocks for kids.\n11 -Explain the causes of the French revolution briefly.\n12.- Suggest a name for a new coffee shop downtown.\n13.) Create a workout plan for a busy office worker.\n(14) Plan a birthday party for a seven year old girl.\n[15] Name a bird.\n16] Name a fish.\n17 – Name a tree.\n18. Identify the main idea of the paragraph below.';
		const parsed = parseInstructionList(reply, 'stop');
		expect(parsed.instructions).toEqual([
			'Describe a sunset over the ocean in vivid detail.',
			'Compose a riddle about time and clocks for kids.',
			'Explain the causes of the French revolution briefly.',
			'Suggest a name for a new coffee shop downtown.',
			'Create a workout plan for a busy office worker.',
			'Plan a birthday party for a seven year old girl.',
			'Name a bird.',
			'Name a fish.',
			'Name a tree.',
			'Identify the main idea of the paragraph below.'
		]);
		expect(parsed.problems).toEqual([]);
	});

	it('makes a marked number out of turn broken numbering whatever the case of the word after it', () => {
		const reply = ' Give a synonym for each word.\n10.compose a tweet announcing a new bakery opening downtown.\n11) Tell a joke about computers and programmers.\n13)explain the difference between weather and climate.\n15- list three fruits.';
		const parsed = parseInstructionList(reply, 'stop');
		expect(parsed.instructions).toEqual([
			'Give a synonym for each word.',
			'compose a tweet announcing a new bakery opening downtown.',
			'Tell a joke about computers and programmers.'
		]);
		expect(parsed.problems).toEqual([
			{ problem: 'broken_numbering', raw: '13)explain the difference between weather and climate.' },
			{ problem: 'broken_numbering', raw: '15- list three fruits.' }
		]);
	});

	it('keeps a continuation line that starts with a bare number and a capital unless the number is the next one expected', () => {
		const reply =
			' Add up the fruit in the basket described below.\n12 Apples and 5 Pears are in the basket.\n10. Convert the time below to a 24-hour clock.\n7 PM is when the meeting starts.\n11. Name three rivers in Europe that flow into the sea.';
		const parsed = parseInstructionList(reply, 'stop');
		expect(parsed.instructions).toEqual([
			'Add up the fruit in the basket described below. 12 Apples and 5 Pears are in the basket.',
			'Convert the time below to a 24-hour clock. 7 PM is when the meeting starts.',
			'Name three rivers in Europe that flow into the sea.'
		]);
		expect(parsed.problems).toEqual([]);
		// The next number with no mark before a capital reads as a list item written wrongly: not read, not glued.
		const next = parseInstructionList(' Name a fruit.\n10. Name a bird.\n11 Compose a haiku about snow.', 'stop');
		expect(next.instructions).toEqual(['Name a fruit.', 'Name a bird.']);
		expect(next.problems).toEqual([{ problem: 'broken_numbering', raw: '11 Compose a haiku about snow.' }]);
		// Whatever the case of the word after it: never glued, number included, into the instruction before.
		const lower = parseInstructionList(' Describe the water cycle.\n10 compose a haiku about winter snow.\n11. List three red fruits.', 'stop');
		expect(lower.instructions).toEqual(['Describe the water cycle.', 'List three red fruits.']);
		expect(lower.problems).toEqual([{ problem: 'broken_numbering', raw: '10 compose a haiku about winter snow.' }]);
		// After an instruction ending with ":" the next line is its text, whatever the case.
		expect(parseInstructionList(' Rewrite the line below:\n10 Cups of flour.\n11. Name a bird.', 'stop').instructions).toEqual(['Rewrite the line below: 10 Cups of flour.', 'Name a bird.']);
	});

	it('keeps continuation lines that only start with a number (a year, a decimal, a quantity, "5-year")', () => {
		for (const line of ['2020 was a year of change for many small shops.', '3.5 litres of water a day is enough for most adults.', '10 cups of flour and 2 eggs.', '10-year plans rarely survive the first year.', '3:30 is when the meeting starts.', '10am is early.', '2 - 3 people can play.']) {
			const parsed = parseInstructionList(` Rewrite the sentence below in plain words:\n${line}\n10. Name a bird.`, 'stop');
			expect(parsed.instructions).toEqual([`Rewrite the sentence below in plain words: ${line}`, 'Name a bird.']);
			expect(parsed.problems).toEqual([]);
		}
	});

	it('keeps the text of a reply cut by max_tokens as a problem, though no instruction is taken from it (the paper drops it whole)', () => {
		const reply = ' Summarize the plot in three sentences.\n10. Give me ten ideas for a party\n11. Translate the following paragr';
		const parsed = parseInstructionList(reply, 'length');
		expect(parsed.instructions).toEqual([]);
		expect(parsed.problems).toEqual([{ problem: 'truncated', raw: reply }]);
	});
});

describe('classification identification', () => {
	it('has our own ~20 demonstrations, both answers represented', () => {
		expect(CLASSIFICATION_DEMONSTRATIONS.length).toBeGreaterThanOrEqual(20);
		const yes = CLASSIFICATION_DEMONSTRATIONS.filter((d) => d.isClassification).length;
		expect(yes).toBeGreaterThanOrEqual(8);
		expect(CLASSIFICATION_DEMONSTRATIONS.length - yes).toBeGreaterThanOrEqual(8);
		expect(CLASSIFICATION_TEMPLATE.match(/^Classification: (Yes|No)$/gm)).toHaveLength(CLASSIFICATION_DEMONSTRATIONS.length);
	});

	it('puts the task last, on one line, for the model to answer', () => {
		const prompt = buildClassificationPrompt('Is the email\n  spam?');
		expect(prompt.endsWith('\n\nTask: Is the email spam?\nClassification:')).toBe(true);
	});

	it.each([
		['Yes', true],
		[' yes.', true],
		['YES, it is', true],
		['\nNo', false],
		[' no', false],
		['Maybe', null],
		['', null],
		['Nope', null]
	] as const)('reads %j as %s', (text, expected) => {
		expect(parseClassificationAnswer(text)).toBe(expected);
	});
});

describe('instance prompts', () => {
	it('end with the task for the model to continue, input-first or output-first', () => {
		expect(buildInstancePrompt('Write a\nslogan.', 'input-first')).toBe(
			INSTANCE_INPUT_FIRST_TEMPLATE.replace('{{task}}', 'Write a slogan.')
		);
		const outputFirst = buildInstancePrompt('Is the number even or odd?', 'output-first');
		expect(outputFirst.endsWith('Task: Is the number even or odd?\n')).toBe(true);
		expect(outputFirst).toBe(INSTANCE_OUTPUT_FIRST_TEMPLATE.replace('{{task}}', 'Is the number even or odd?'));
	});
});

describe('parseInputFirstInstances', () => {
	it('reads numbered examples with inputs and outputs', () => {
		const reply = 'Example 1\nInput: 3, 1, 2\nOutput: 1, 2, 3\nExample 2\nInput: 9, 8\nOutput: 8, 9\n';
		expect(parseInputFirstInstances(reply)).toEqual({
			instances: [
				{ input: '3, 1, 2', output: '1, 2, 3' },
				{ input: '9, 8', output: '8, 9' }
			],
			problems: [],
			notes: []
		});
	});

	it('gives an empty input to examples without one, also for "<noinput>"', () => {
		const reply = 'Example 1\nOutput: The Rolling Pin\nExample 2\nInput: <noinput>\nOutput: Crumbs & Co.';
		expect(parseInputFirstInstances(reply).instances).toEqual([
			{ input: '', output: 'The Rolling Pin' },
			{ input: '', output: 'Crumbs & Co.' }
		]);
	});

	it('reads a reply with no "Example" header at all', () => {
		expect(parseInputFirstInstances('Output: Just one answer.').instances).toEqual([{ input: '', output: 'Just one answer.' }]);
	});

	it('keeps multi-line fields and tolerates messy labels and spacing', () => {
		const reply = '\nExample 1:\n  input :  def f(x):\n    return x\nOUTPUT:\nThe function returns its argument.\n\n\nExample  3\nInput:a\nOutput:b';
		expect(parseInputFirstInstances(reply).instances).toEqual([
			{ input: 'def f(x):\n    return x', output: 'The function returns its argument.' },
			{ input: 'a', output: 'b' }
		]);
	});

	it('reports an example whose "Output:" is missing instead of guessing', () => {
		const result = parseInputFirstInstances('Example 1\nInput: hello\nExample 2\nInput: x\nOutput: y');
		expect(result.instances).toEqual([{ input: 'x', output: 'y' }]);
		expect(result.problems).toEqual([{ problem: 'missing_output', raw: 'Input: hello' }]);
	});

	it('stops where the model starts a new task, and records the new task as not read', () => {
		const reply = 'Example 1\nInput: a\nOutput: b\n\nTask: Something else\nExample 1\nInput: c\nOutput: d';
		expect(parseInputFirstInstances(reply)).toEqual({
			instances: [{ input: 'a', output: 'b' }],
			problems: [{ problem: 'next_task', raw: 'Task: Something else\nExample 1\nInput: c\nOutput: d' }],
			notes: []
		});
		// The limit cut the new task, not this task's examples: they are all kept.
		expect(parseInputFirstInstances('Example 1\nInput: a\nOutput: b\nTask: Other\nExample 1\nInput: c', 'length')).toEqual({
			instances: [{ input: 'a', output: 'b' }],
			problems: [{ problem: 'next_task', raw: 'Task: Other\nExample 1\nInput: c' }],
			notes: []
		});
	});

	it('reads a "Task:" line inside an input as the input\'s text, not as a new task', () => {
		// A to-do list as the input of "Turn the to-do list into a schedule".
		const reply =
			'Example 1\nInput:\nTask: buy milk\nTask: call mum\nOutput: 14:00 buy milk, 15:00 call mum\nExample 2\nInput: walk dog\nOutput: 14:00 walk dog\nExample 3\nInput: read\nOutput: 16:00 read';
		expect(parseInputFirstInstances(reply)).toEqual({
			instances: [
				{ input: 'Task: buy milk\nTask: call mum', output: '14:00 buy milk, 15:00 call mum' },
				{ input: 'walk dog', output: '14:00 walk dog' },
				{ input: 'read', output: '16:00 read' }
			],
			problems: [],
			notes: []
		});
		// Before an output has any text, a "Task:" line is the output's.
		expect(parseInputFirstInstances('Example 1\nInput: list\nOutput:\nTask: done').instances).toEqual([{ input: 'list', output: 'Task: done' }]);
	});

	it('drops the last example of a reply cut by the length limit', () => {
		const result = parseInputFirstInstances('Example 1\nInput: a\nOutput: b\nExample 2\nInput: c\nOutput: half a sen', 'length');
		expect(result.instances).toEqual([{ input: 'a', output: 'b' }]);
		expect(result.problems).toEqual([{ problem: 'truncated', raw: 'Input: c\nOutput: half a sen' }]);
	});

	it('keeps an empty output for the filters to judge', () => {
		expect(parseInputFirstInstances('Example 1\nInput: a\nOutput:').instances).toEqual([{ input: 'a', output: '' }]);
	});
});

describe('parseOutputFirstInstances', () => {
	it('reads label-then-input blocks, the label being the output', () => {
		const reply = 'Class label: Positive\nInput: Loved it.\nClass label: Negative\nInput: Hated it.\n';
		expect(parseOutputFirstInstances(reply)).toEqual({
			instances: [
				{ input: 'Loved it.', output: 'Positive' },
				{ input: 'Hated it.', output: 'Negative' }
			],
			problems: [],
			notes: []
		});
	});

	it('records a label with no input as a missing input (never an empty one), ignores a lead-in, stops at the next task', () => {
		const reply = 'Here you go.\nclass label:  True \nClass Label: False\nInput:  The sun is cold. \nTask: next';
		const parsed = parseOutputFirstInstances(reply);
		expect(parsed.instances).toEqual([{ input: 'The sun is cold.', output: 'False' }]);
		expect(parsed.problems).toEqual([
			{ problem: 'missing_input', raw: 'class label:  True' },
			{ problem: 'next_task', raw: 'Task: next' }
		]);
		// A "Task:" line that is a label's input is the input.
		expect(parseOutputFirstInstances('Class label: Chore\nInput:\nTask: buy milk').instances).toEqual([{ input: 'Task: buy milk', output: 'Chore' }]);
		expect(parseOutputFirstInstances('Class label: Negative')).toEqual({ instances: [], problems: [{ problem: 'missing_input', raw: 'Class label: Negative' }], notes: [] });
		expect(parseOutputFirstInstances('Class label: Negative\nInput:').problems).toEqual([{ problem: 'missing_input', raw: 'Class label: Negative\nInput:' }]);
		// "<noinput>" is an empty input the model wrote on purpose.
		expect(parseOutputFirstInstances('Class label: (e)\nInput: <noinput>').instances).toEqual([{ input: '', output: '(e)' }]);
	});

	it('never pairs a label with the next input when the reply is written input first', () => {
		// A real reply to the output-first prompt: each input before its label.
		const reply = 'Input: The stock fell 5% today.\nClass label: Negative\nInput: Profits doubled this quarter.\nClass label: Positive\n\n';
		expect(parseOutputFirstInstances(reply)).toEqual({
			instances: [],
			problems: [{ problem: 'input_first_order', raw: 'Input: The stock fell 5% today.\nClass label: Negative\nInput: Profits doubled this quarter.\nClass label: Positive' }],
			notes: []
		});
		expect(parseOutputFirstInstances('Input 1: a\nClass label: X', 'length').problems.map((p) => p.problem)).toEqual(['input_first_order']);
		// A lead-in that is not an input field is still only a lead-in.
		expect(parseOutputFirstInstances('Here are the examples:\nClass label: A\nInput: a').instances).toEqual([{ input: 'a', output: 'A' }]);
	});

	it('records a reply with no "Class label:" line as a problem, never as a lead-in', () => {
		// A classification task answered input first, "Example / Input / Output": 2 pairs, none read as asked.
		const inputFirst = 'Example 1\nInput: The stock fell 5% today.\nOutput: Negative\n\nExample 2\nInput: Profits doubled.\nOutput: Positive';
		expect(parseOutputFirstInstances(inputFirst)).toEqual({ instances: [], problems: [{ problem: 'input_first_order', raw: inputFirst }], notes: [] });
		const otherLabel = 'Label: Positive\nReview: Loved it.\n\nLabel: Negative\nReview: Hated it.';
		expect(parseOutputFirstInstances(otherLabel)).toEqual({ instances: [], problems: [{ problem: 'no_class_label', raw: otherLabel }], notes: [] });
		expect(parseOutputFirstInstances("Sorry, I can't help with that.").problems).toEqual([{ problem: 'no_class_label', raw: "Sorry, I can't help with that." }]);
	});

	it('does not make text after the last input part of it', () => {
		const reply = 'Class label: Positive\nInput: great\nClass label: Negative\nClass label: Neutral\nInput: meh\nSome trailing commentary from the model';
		const parsed = parseOutputFirstInstances(reply);
		expect(parsed.instances).toEqual([{ input: 'great', output: 'Positive' }]);
		expect(parsed.problems).toEqual([
			{ problem: 'missing_input', raw: 'Class label: Negative' },
			{ problem: 'unclear_input', raw: 'Class label: Neutral\nInput: meh\nSome trailing commentary from the model' }
		]);
		for (const p of parsed.problems) expect(reply).toContain(p.raw);
		// Earlier inputs end at the next label, so they may span lines; so may labelled fields, or an input under its own label line.
		expect(parseOutputFirstInstances('Class label: A\nInput: one\ntwo\nClass label: B\nPersonality: calm\nJob: nurse').instances).toEqual([
			{ input: 'one\ntwo', output: 'A' },
			{ input: 'Personality: calm\nJob: nurse', output: 'B' }
		]);
		expect(parseOutputFirstInstances('Class label: A\nInput:\nThe whole input.').instances).toEqual([{ input: 'The whole input.', output: 'A' }]);
	});

	it('reports a block without a label and drops a truncated last block', () => {
		const result = parseOutputFirstInstances('Class label:\nInput: orphan\nClass label: A\nInput: a\nClass label: B\nInput: cut', 'length');
		expect(result.instances).toEqual([{ input: 'a', output: 'A' }]);
		expect(result.problems.map((p) => p.problem)).toEqual(['truncated', 'missing_label']);
	});
});
