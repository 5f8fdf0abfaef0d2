/**
 * Replies in the layouts models actually write (issue #11): every piece either becomes data or
 * is returned with its raw text. Each case asserts the exact instances.
 */
import { describe, expect, it } from 'vitest';
import { parseInputFirstInstances, parseOutputFirstInstances } from './instance-reply';
import { parseInstructionList } from './instruction-list';
import { isSignOff } from './reply-layout';
import { createRng } from '../random';

describe('input-first replies in many layouts', () => {
	it('1. named fields: everything before "Output:" is the input, field names included', () => {
		const reply = 'Example 1\nSentence: The cat sat on the mat.\nOutput: cat, mat\nExample 2\nDialogue: A: Hi.\nB: Hello!\nOutput: a greeting';
		expect(parseInputFirstInstances(reply)).toEqual({
			instances: [
				{ input: 'Sentence: The cat sat on the mat.', output: 'cat, mat' },
				{ input: 'Dialogue: A: Hi.\nB: Hello!', output: 'a greeting' }
			],
			problems: [],
			notes: []
		});
	});

	it('2. numbered fields "Input 1:/Output 1:" without example headers are separate instances', () => {
		const reply = 'Input 1: 2 + 2\nOutput 1: 4\nInput 2: 3 * 3\nOutput 2: 9';
		expect(parseInputFirstInstances(reply).instances).toEqual([
			{ input: '2 + 2', output: '4' },
			{ input: '3 * 3', output: '9' }
		]);
	});

	it('3. multi-line inputs and outputs are kept whole', () => {
		const reply = 'Example 1\nInput:\ndef add(a, b):\n    return a - b\nOutput:\nThe function subtracts.\nIt should add.\nExample 2\nQuestion: Why?\nContext: Because.\nOutput: Because.';
		expect(parseInputFirstInstances(reply).instances).toEqual([
			{ input: 'def add(a, b):\n    return a - b', output: 'The function subtracts.\nIt should add.' },
			{ input: 'Question: Why?\nContext: Because.', output: 'Because.' }
		]);
	});

	it('4. a chat reply: lead-in, markdown labels, "<noinput>", sign-off — all recorded; an input\'s own label is kept as written', () => {
		const reply =
			'Sure! Here are some examples:\n\n**Example 1**\n**Input:** <noinput>\n**Output:** Bread & Butter\n\n### Example 2\n**Question**: What is 2+2?\n**Output**: 4\n\nLet me know if you need more!';
		expect(parseInputFirstInstances(reply)).toEqual({
			instances: [
				{ input: '', output: 'Bread & Butter' },
				{ input: '**Question**: What is 2+2?', output: '4' }
			],
			problems: [],
			notes: [
				{ kind: 'sign_off', raw: 'Let me know if you need more!' },
				{ kind: 'lead_in', raw: 'Sure! Here are some examples:' }
			]
		});
	});

	it('5. named fields without headers repeat: each repeat starts a new instance', () => {
		const reply = 'Sentence: I am happy.\nOutput: positive\nSentence: I am sad.\nOutput: negative';
		expect(parseInputFirstInstances(reply).instances).toEqual([
			{ input: 'Sentence: I am happy.', output: 'positive' },
			{ input: 'Sentence: I am sad.', output: 'negative' }
		]);
	});

	it('6. a truncated last block is a recorded problem with its raw text', () => {
		const reply = 'Example 1\nQuestion: Capital of France?\nOutput: Paris\nExample 2\nQuestion: Capital of Spa';
		expect(parseInputFirstInstances(reply, 'length')).toEqual({
			instances: [{ input: 'Question: Capital of France?', output: 'Paris' }],
			problems: [{ problem: 'truncated', raw: 'Question: Capital of Spa' }],
			notes: []
		});
	});

	it('7. a reply with no output at all is a problem, never an empty list', () => {
		expect(parseInputFirstInstances('I cannot think of any examples for this task.')).toEqual({
			instances: [],
			problems: [{ problem: 'missing_output', raw: 'I cannot think of any examples for this task.' }],
			notes: []
		});
	});

	it('8. header with the input on the same line ("Example 1: Input: …")', () => {
		expect(parseInputFirstInstances('Example 1: Input: red\nOutput: rot\nExample 2: Input: blue\nOutput: blau').instances).toEqual([
			{ input: 'red', output: 'rot' },
			{ input: 'blue', output: 'blau' }
		]);
	});
	it('field text is kept as written: "#", ">" and "**Note:**" lines of an output or input are not labels', () => {
		const output = 'def double(x):\n    # multiply by two\n    return x * 2\n> quoted line\n**Note:** bold text';
		const reply = `### Example 1\n**Input:**\n# Title: a heading\n> quoted input\n**Output:**\n${output}\n### Example 2\n> **Input:** 3\n> **Output:** 6`;
		expect(parseInputFirstInstances(reply)).toEqual({
			instances: [
				{ input: '# Title: a heading\n> quoted input', output },
				{ input: '3', output: '6' }
			],
			problems: [],
			notes: []
		});
	});
});

describe('output-first replies in many layouts', () => {
	it('keeps an input as written: its "#", ">" and bold lines are not labels', () => {
		const input = '# Review: a heading\n> quoted line\n**Note:** bold text';
		const reply = `**Class label:** Positive\n**Input:**\n${input}\n**Class label:** Negative\nInput: Awful.`;
		expect(parseOutputFirstInstances(reply).instances).toEqual([
			{ input, output: 'Positive' },
			{ input: 'Awful.', output: 'Negative' }
		]);
	});
	it('9. a named input after the label line ("Review: …") is the input', () => {
		const reply = 'Class label: Negative\nReview: Cold and\nsoggy.\nClass label: Positive\nReview: Best pizza in town.';
		expect(parseOutputFirstInstances(reply)).toEqual({
			instances: [
				{ input: 'Review: Cold and\nsoggy.', output: 'Negative' },
				{ input: 'Review: Best pizza in town.', output: 'Positive' }
			],
			problems: [],
			notes: []
		});
	});

	it('10. chat markdown: bold labels and values, lead-in recorded', () => {
		const reply = 'Here are the examples:\n**Class label:** **Spam**\n**Input:** WIN A PRIZE NOW\n**Class label:** Not spam\nInput: Lunch at noon?';
		expect(parseOutputFirstInstances(reply)).toEqual({
			instances: [
				{ input: 'WIN A PRIZE NOW', output: 'Spam' },
				{ input: 'Lunch at noon?', output: 'Not spam' }
			],
			problems: [],
			notes: [{ kind: 'lead_in', raw: 'Here are the examples:' }]
		});
	});
});

describe('instruction lists in many layouts', () => {
	it('keeps item 9 of a completion even when it ends with ":" (it is not a lead-in)', () => {
		const reply = ' Translate the following sentence into French:\n10. Name the capital of Peru.';
		expect(parseInstructionList(reply, 'stop').instructions).toEqual([
			'Translate the following sentence into French:',
			'Name the capital of Peru.'
		]);
	});

	it('reads a chat list with bold numbers, bold and quoted items, a lead-in and a sign-off', () => {
		const reply =
			'Certainly! Here are seven more tasks.\n\n**1.** **Write a thank-you note to a neighbour.**\n2) "Estimate how many cups of coffee a café sells per day."\n3. *Summarize the article in two sentences.*\n\nLet me know if you need more!';
		const parsed = parseInstructionList(reply, 'stop', 'chat');
		expect(parsed.instructions).toEqual([
			'Write a thank-you note to a neighbour.',
			'Estimate how many cups of coffee a café sells per day.',
			'Summarize the article in two sentences.'
		]);
		expect(parsed.preamble).toBe('Certainly! Here are seven more tasks.');
		expect(parsed.notes).toEqual(
			expect.arrayContaining([
				{ kind: 'lead_in', raw: 'Certainly! Here are seven more tasks.' },
				{ kind: 'sign_off', raw: 'Let me know if you need more!' },
				{ kind: 'decoration', raw: '**1.**' },
				{ kind: 'decoration', raw: '**' },
				{ kind: 'decoration', raw: '"' },
				{ kind: 'decoration', raw: '*' }
			])
		);
	});

	it('reads a bulleted chat list', () => {
		const parsed = parseInstructionList('- Plan a picnic.\n- Describe a sunset in three words.', 'stop', 'chat');
		expect(parsed.instructions).toEqual(['Plan a picnic.', 'Describe a sunset in three words.']);
	});

	it('records an empty item instead of hiding it', () => {
		const parsed = parseInstructionList(' Plan a picnic.\n10.\n11. Name a bird.', 'stop');
		expect(parsed.instructions).toEqual(['Plan a picnic.', 'Name a bird.']);
		expect(parsed.notes).toEqual([{ kind: 'empty_item', raw: '10.' }]);
	});
});

// ───────────── property: generated replies in many layouts parse to what was written ─────────────

const WORDS = ['red', 'apple', 'river', 'seven', 'quiet', 'engine', 'paper', 'cloud', 'bright', 'stone', 'winter', 'music'];
const FIELDS = ['Input', 'Sentence', 'Question', 'Text', 'Dialogue', 'Review', 'Paragraph'];

function phrase(random: () => number, min = 2, max = 8): string {
	const n = min + Math.floor(random() * (max - min + 1));
	return Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ') + '.';
}

function field(random: () => number): string {
	const lines = 1 + Math.floor(random() * 3);
	return Array.from({ length: lines }, () => phrase(random)).join('\n');
}

describe('property: input-first layouts', () => {
	it('parses 400 generated replies back to exactly the instances written', () => {
		const random = createRng(11);
		for (let round = 0; round < 400; round++) {
			const count = 1 + Math.floor(random() * 5);
			const fieldName = FIELDS[Math.floor(random() * FIELDS.length)];
			const headers = random() < 0.7;
			const numberedFields = !headers && random() < 0.5;
			const bold = random() < 0.3;
			const label = (name: string, k: number) => {
				const text = `${name}${numberedFields ? ` ${k}` : ''}:`;
				return bold ? `**${text}**` : text;
			};
			const expected: { input: string; output: string }[] = [];
			const blocks: string[] = [];
			for (let k = 1; k <= count; k++) {
				const hasInput = random() < 0.75 || !headers;
				const input = field(random);
				const output = field(random);
				const noInput = hasInput && fieldName === 'Input' && random() < 0.1;
				const inputLine = noInput ? `${label('Input', k)} <noinput>` : `${label(fieldName, k)} ${input}`;
				blocks.push(`${headers ? `Example ${k}\n` : ''}${hasInput ? `${inputLine}\n` : ''}${label('Output', k)} ${output}`);
				const storedInput = !hasInput || noInput ? '' : fieldName === 'Input' ? input : `${label(fieldName, k)} ${input}`;
				expected.push({ input: storedInput, output });
			}
			const reply = blocks.join(random() < 0.5 ? '\n' : '\n\n');
			const parsed = parseInputFirstInstances(reply);
			expect(parsed.problems, reply).toEqual([]);
			expect(parsed.instances, reply).toEqual(expected);
		}
	});
});

describe('empty replies', () => {
	it('are recorded, never silent: a problem for instance replies, a note for an instruction list', () => {
		for (const text of ['', '  \n\t ']) {
			expect(parseInputFirstInstances(text)).toEqual({ instances: [], problems: [{ problem: 'empty', raw: text }], notes: [] });
			expect(parseOutputFirstInstances(text)).toEqual({ instances: [], problems: [{ problem: 'empty', raw: text }], notes: [] });
			for (const style of ['chat', 'completions'] as const) {
				expect(parseInstructionList(text, 'stop', style)).toEqual({ instructions: [], droppedForLength: false, notes: [{ kind: 'empty', raw: text }], problems: [] });
			}
		}
	});
});

describe('sign-offs', () => {
	it('knows common chat sign-offs, thanks included, but not a thank-you that may end a letter written as data', () => {
		for (const text of ['Thanks, hope this helps!', 'Thank you! Let me know if you need more.', 'Thanks so much for the fun task!', 'Hope you find these useful.', '**Glad to help!**', 'Let me know if you want more.'])
			expect(isSignOff(text), text).toBe(true);
		for (const text of ['Thank you.', 'Thanks for your patience while we fix the boiler.', 'Thank you for your order, it ships on Monday.', 'Thanksgiving is in November.'])
			expect(isSignOff(text), text).toBe(false);
	});

	it('sets a trailing "Thanks, hope this helps!" apart as a sign-off, and keeps a letter\'s closing thank-you in its output', () => {
		const list = parseInstructionList(' Name a bird.\n10. Name a fish.\n\nThanks, hope this helps!', 'stop');
		expect(list.instructions).toEqual(['Name a bird.', 'Name a fish.']);
		expect(list.notes).toEqual([{ kind: 'sign_off', raw: 'Thanks, hope this helps!' }]);
		const letter = parseInputFirstInstances('Example 1\nInput: a late parcel\nOutput: Dear Sam,\n\nYour parcel is late.\n\nThank you for your patience.');
		expect(letter.instances).toEqual([{ input: 'a late parcel', output: 'Dear Sam,\n\nYour parcel is late.\n\nThank you for your patience.' }]);
		expect(letter.notes).toEqual([]);
	});
});
