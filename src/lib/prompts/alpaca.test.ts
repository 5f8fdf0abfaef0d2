import { describe, expect, it } from 'vitest';
import { ALPACA_DECODING } from './decoding';
import { ALPACA_TEMPLATE, buildAlpacaPrompt, parseAlpacaList } from './alpaca';
import { TemplateError } from './template';

const seeds = [
	{ instruction: 'Give three tips\n for sleeping well:', input: '', output: '1. Keep a schedule.\n2. Dim the lights.\n3. No screens.' },
	{ instruction: 'Translate the sentence into German.', input: 'Good morning.', output: 'Guten Morgen.' },
	{ instruction: 'Is the number prime?', input: '17', output: 'Yes' }
];

describe('Alpaca prompt', () => {
	it('has nine numbered requirements, then the 3 seed tasks separated by "###", ending at task 4', () => {
		expect(ALPACA_TEMPLATE.match(/^\d\. /gm)).toHaveLength(9);
		const prompt = buildAlpacaPrompt(seeds);
		expect(prompt.endsWith(
			'###\n1. Instruction: Give three tips for sleeping well\n1. Input:\n<noinput>\n1. Output:\n1. Keep a schedule.\n2. Dim the lights.\n3. No screens.\n' +
				'###\n2. Instruction: Translate the sentence into German.\n2. Input:\nGood morning.\n2. Output:\nGuten Morgen.\n' +
				'###\n3. Instruction: Is the number prime?\n3. Input:\n17\n3. Output:\nYes\n###\n4. Instruction:'
		)).toBe(true);
	});

	it('refuses a template without the seed tasks', () => {
		expect(() => buildAlpacaPrompt(seeds, 'List:\n{{next_number}}. Instruction:')).toThrow(TemplateError);
	});

	it("decodes as the reference: temperature 1, top_p 1, 3072 tokens, stop at item 20", () => {
		expect(ALPACA_DECODING).toMatchObject({ temperature: 1, topP: 1, maxTokens: 3072, stop: ['\n20', '20.'] });
	});
});

describe('parseAlpacaList', () => {
	const reply =
		' Name the largest planet.\n4. Input:\n<noinput>\n4. Output:\nJupiter.\n###\n5. Instruction: Summarize the text in one line.\n5. Input:\nThe meeting moved\nto Friday.\n5. Output:\nMeeting on Friday.\n###\n6. Instruction: Broken item without fields\n###\n7. Instruction: Classify the animal.\n7. Input:\nWhale\n7. Output:\nMammal\n###\n8. Instruction: Cut off';

	it('splits at "###" into instruction / input / output; <noinput> is empty; unsplittable items are problems', () => {
		const parsed = parseAlpacaList(reply, 'stop');
		expect(parsed.tasks).toEqual([
			{ instruction: 'Name the largest planet.', input: '', output: 'Jupiter.' },
			{ instruction: 'Summarize the text in one line.', input: 'The meeting moved\nto Friday.', output: 'Meeting on Friday.' },
			{ instruction: 'Classify the animal.', input: 'Whale', output: 'Mammal' }
		]);
		expect(parsed.problems).toEqual([
			{ problem: 'unsplittable', raw: '6. Instruction: Broken item without fields' },
			{ problem: 'unsplittable', raw: '8. Instruction: Cut off' }
		]);
	});

	it('drops the last item when the reply stopped on length', () => {
		const parsed = parseAlpacaList(reply, 'length');
		expect(parsed.tasks).toHaveLength(3);
		expect(parsed.problems.at(-1)).toEqual({ problem: 'truncated', raw: '8. Instruction: Cut off' });
	});

	it('records a problem with the text the model wrote, not the "4. Instruction:" the parser puts back in front', () => {
		for (const finish of ['stop', 'length']) {
			const text = "I'm sorry, I can't help with that.";
			const parsed = parseAlpacaList(text, finish);
			expect(parsed.tasks).toEqual([]);
			expect(parsed.problems).toEqual([{ problem: finish === 'length' ? 'truncated' : 'unsplittable', raw: text }]);
		}
		const parsed = parseAlpacaList(' Rewrite the sentence.\n4. Output:\nDone.\n###\n5. Instruction: Add.\n5. Input:\n1, 2\n5. Output:\n3', 'stop');
		expect(parsed.problems).toEqual([{ problem: 'unsplittable', raw: 'Rewrite the sentence.\n4. Output:\nDone.' }]);
		expect(parsed.tasks).toHaveLength(1);
	});

	it('sets a chat lead-in aside as a note, and records an empty reply as empty (as Self-Instruct does)', () => {
		const chat = 'Sure! Here are the remaining tasks:\n4. Instruction: Suggest a name for a cat.\n4. Input:\n<noinput>\n4. Output:\nMochi\n###\n5. Instruction: Add the numbers.\n5. Input:\n2, 3\n5. Output:\n5';
		const parsed = parseAlpacaList(chat, 'stop');
		expect(parsed.tasks).toEqual([
			{ instruction: 'Suggest a name for a cat.', input: '', output: 'Mochi' },
			{ instruction: 'Add the numbers.', input: '2, 3', output: '5' }
		]);
		expect(parsed.problems).toEqual([]);
		expect(parsed.notes).toEqual([{ kind: 'lead_in', raw: 'Sure! Here are the remaining tasks:' }]);
		expect(parseAlpacaList('', 'stop')).toEqual({ tasks: [], problems: [{ problem: 'empty', raw: '' }], notes: [] });
		expect(parseAlpacaList('  \n', 'length').problems).toEqual([{ problem: 'empty', raw: '  \n' }]);
		// A base model's continuation (task 4's instruction unlabelled) has no lead-in.
		expect(parseAlpacaList(' Name a colour.\n4. Input:\n<noinput>\n4. Output:\nRed', 'stop').notes).toEqual([]);
	});

	it('reads a chat reply that repeats "4. Instruction:", bolds labels and signs off', () => {
		const chat = '**4. Instruction:** Suggest a name for a cat.\n**4. Input:**\n<noinput>\n**4. Output:**\nMochi\n###\n5. Instruction: Add the numbers.\n5. Input:\n2, 3\n5. Output:\n5\n\nLet me know if you want more!';
		const parsed = parseAlpacaList(chat, 'stop');
		expect(parsed.tasks).toEqual([
			{ instruction: 'Suggest a name for a cat.', input: '', output: 'Mochi' },
			{ instruction: 'Add the numbers.', input: '2, 3', output: '5' }
		]);
		expect(parsed.notes).toEqual([{ kind: 'sign_off', raw: 'Let me know if you want more!' }]);
	});

	it('keeps field text as written: "#", ">" and "**Note:**" inside a field are not label markup', () => {
		const output = 'def double(x):\n    # multiply by two\n    return x * 2\n> quoted line\n**Note:** bold text';
		const chat = `**4. Instruction:** Write a doubling function.\n### 4. Input:\n# a heading in the input\n> **4. Output:**\n${output}`;
		const parsed = parseAlpacaList(chat, 'stop');
		expect(parsed.tasks).toEqual([{ instruction: 'Write a doubling function.', input: '# a heading in the input', output }]);
		expect(parsed.problems).toEqual([]);
	});
});
