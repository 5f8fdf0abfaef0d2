import { describe, expect, it } from 'vitest';
import {
	buildCorePrompt,
	buildExpansionPrompt,
	buildOutputPrompt,
	comparableText,
	EXPANSION_TEMPLATE,
	instructionKey,
	instructionWithInput,
	parseCoreExample,
	parseOutput,
	parseRephrasing
} from './unnatural';
import { DEFAULT_UNNATURAL_SEED_SETS, type UnnaturalDemonstration } from './unnatural-seeds';

const demos: UnnaturalDemonstration[] = [
	{ instruction: 'Reverse the word.', input: 'stressed', constraints: 'The output should be one word.' },
	{ instruction: 'Name the colour of the fruit.', input: 'banana', constraints: 'None.' },
	{ instruction: 'Is the number even?', input: '7', constraints: "The output should be 'Yes' or 'No'." }
];

describe('core generation prompt', () => {
	it('shows three numbered demonstrations and opens a fourth', () => {
		const prompt = buildCorePrompt(demos);
		expect(prompt).toContain(
			'Example 1\nInstruction: Reverse the word.\nInput: stressed\nConstraints: The output should be one word.\n\nExample 2\nInstruction: Name the colour of the fruit.'
		);
		expect(prompt.endsWith("Constraints: The output should be 'Yes' or 'No'.\n\nExample 4")).toBe(true);
		expect(prompt.match(/^Example \d$/gm)).toEqual(['Example 1', 'Example 2', 'Example 3', 'Example 4']);
	});

	it('works for every default seed set', () => {
		for (const set of DEFAULT_UNNATURAL_SEED_SETS) expect(buildCorePrompt(set).endsWith('Example 4')).toBe(true);
	});
});

describe('parseCoreExample', () => {
	it('leaves out a next-example header the model started', () => {
		expect(parseCoreExample('Instruction: Sort the list.\nInput: 3, 1\nConstraints: None.\n\nExample').fields.constraints).toBe('None.');
		expect(parseCoreExample('Instruction: Sort.\nInput: 3, 1\nConstraints: A list.\nExample 5\nInstruction: x').fields.constraints).toBe('A list.');
		expect(parseCoreExample('Instruction: Give an example, a list.\nInput: For example, a list.\nConstraints: None.').fields.input).toBe('For example, a list.');
		expect(parseCoreExample('Instruction: Sort.\nInput: 3, 1\nConstraints:\n\nExample').missingFields).toEqual(['constraints']);
	});

	it('reads the three fields of the fourth example', () => {
		const reply = '\nInstruction: Count the words in the sentence.\nInput: The cat sat.\nConstraints: The output should be a number.\n';
		expect(parseCoreExample(reply)).toEqual({
			fields: { instruction: 'Count the words in the sentence.', input: 'The cat sat.', constraints: 'The output should be a number.' },
			missingFields: [],
			truncated: false,
			example: { instruction: 'Count the words in the sentence.', input: 'The cat sat.', constraints: 'The output should be a number.' },
			notes: [],
			problems: []
		});
	});

	it('detects missing and empty fields', () => {
		const result = parseCoreExample('\nInstruction: Say hello.\nInput:   \nConstraints:\n');
		expect(result.missingFields).toEqual(['input', 'constraints']);
		expect(result.example).toBeUndefined();
		expect(parseCoreExample('Just some text').missingFields).toEqual(['instruction', 'input', 'constraints']);
	});

	it('keeps multi-line values, ignores label case, and stops at the next example', () => {
		const reply = '\n instruction : Fix the grammar.\nINPUT: line one\nline two\nConstraints: None.\n\nExample 5\nInstruction: another';
		expect(parseCoreExample(reply).example).toEqual({ instruction: 'Fix the grammar.', input: 'line one\nline two', constraints: 'None.' });
	});

	it('keeps the first value when a label repeats, and records the repeat with its text', () => {
		const reply = 'Instruction: First.\nInput: a\nInstruction: Second.\nConstraints: None.';
		const parsed = parseCoreExample(reply);
		expect(parsed.example).toEqual({ instruction: 'First.', input: 'a', constraints: 'None.' });
		expect(parsed.problems).toEqual([{ problem: 'repeated_field', raw: 'Instruction: Second.' }]);
	});

	it('loses nothing silently: a chat lead-in, a second field set and an "Example N" tail are recorded with their text', () => {
		const lead = 'Sure! Here is a brand-new example that differs from the ones above:';
		const second = 'Instruction: Name the largest planet.\nInput: None\nConstraints: One word.';
		const tail = 'Example 5\nInstruction: Spell the word backwards.\nInput: river\nConstraints: Lower case.';
		const reply = `${lead}\n\nInstruction: Sort the numbers in ascending order.\nInput: 3, 1, 2\nConstraints: A comma-separated list.\n${second}\n\n${tail}`;
		const parsed = parseCoreExample(reply);
		expect(parsed.example).toEqual({ instruction: 'Sort the numbers in ascending order.', input: '3, 1, 2', constraints: 'A comma-separated list.' });
		expect(parsed.notes).toEqual([{ kind: 'lead_in', raw: lead }]);
		expect(parsed.problems).toEqual([
			{ problem: 'extra_example', raw: second },
			{ problem: 'extra_example', raw: tail }
		]);
		for (const p of parsed.problems) expect(reply).toContain(p.raw);
	});

	it('reads "Example N: …" lines inside a field as its text until the example is complete; the prompt\'s bare header always starts the next one', () => {
		const reply =
			'\nInstruction: Classify each review below as positive or negative.\nInput: Reviews to classify.\nExample 1: I loved the food.\nExample 2: The service was slow.\nConstraints: Answer with one label per line.';
		const parsed = parseCoreExample(reply);
		expect(parsed.example).toEqual({
			instruction: 'Classify each review below as positive or negative.',
			input: 'Reviews to classify.\nExample 1: I loved the food.\nExample 2: The service was slow.',
			constraints: 'Answer with one label per line.'
		});
		expect(parsed.problems).toEqual([]);
		// Once the example is complete, "Example 5: …" is the next one, not read.
		const after = parseCoreExample('Instruction: Sort.\nInput: 3, 1\nConstraints: None.\nExample 5: Instruction: Count.');
		expect(after.example).toEqual({ instruction: 'Sort.', input: '3, 1', constraints: 'None.' });
		expect(after.problems).toEqual([{ problem: 'extra_example', raw: 'Example 5: Instruction: Count.' }]);
		// The prompt's header alone on its line starts the next example even before this one is complete.
		const early = parseCoreExample('Instruction: Sort.\nInput: 3, 1\nExample 5\nInstruction: Count.\nInput: x\nConstraints: None.');
		expect(early.fields).toEqual({ instruction: 'Sort.', input: '3, 1' });
		expect(early.missingFields).toEqual(['constraints']);
		expect(early.problems).toEqual([{ problem: 'extra_example', raw: 'Example 5\nInstruction: Count.\nInput: x\nConstraints: None.' }]);
	});

	it('sets aside a repeated header, a bare next header and a sign-off as notes; a reply with no label is a problem', () => {
		const parsed = parseCoreExample('### Example 4\nInstruction: Sort.\nInput: 3, 1\nConstraints: None.\n\nLet me know if you need more!\n\nExample');
		expect(parsed.example).toEqual({ instruction: 'Sort.', input: '3, 1', constraints: 'None.' });
		expect(parsed.notes).toEqual([
			{ kind: 'decoration', raw: '### Example 4' },
			{ kind: 'sign_off', raw: 'Let me know if you need more!' },
			{ kind: 'decoration', raw: 'Example' }
		]);
		const signedOff = parseCoreExample('Instruction: Sort.\nInput: 3, 1\nConstraints: None.\n\nLet me know if you need more!');
		expect(signedOff.fields.constraints).toBe('None.');
		expect(signedOff.notes).toEqual([{ kind: 'sign_off', raw: 'Let me know if you need more!' }]);
		const thanked = parseCoreExample('\nInstruction: Summarize the text.\nInput: The text is below.\n\nConstraints: Keep it under 20 words.\n\nThanks, hope this helps!');
		expect(thanked.example).toEqual({ instruction: 'Summarize the text.', input: 'The text is below.', constraints: 'Keep it under 20 words.' });
		expect(thanked.notes).toEqual([{ kind: 'sign_off', raw: 'Thanks, hope this helps!' }]);
		expect(parseCoreExample('I cannot think of one.').problems).toEqual([{ problem: 'no_fields', raw: 'I cannot think of one.' }]);
	});

	it('reads labels written with chat markup, bullets or numbers; field text stays as written', () => {
		const bold = parseCoreExample('**Instruction:** Summarise the *key* point.\n**Input:** The cat sat on the **mat**.\n**Constraints:** None.');
		expect(bold.example).toEqual({ instruction: 'Summarise the *key* point.', input: 'The cat sat on the **mat**.', constraints: 'None.' });
		expect(bold.problems).toEqual([]);
		const bulleted = parseCoreExample('- Instruction: Sort the numbers.\n- Input: 3, 1, 2\n- Constraints: A list.');
		expect(bulleted.example).toEqual({ instruction: 'Sort the numbers.', input: '3, 1, 2', constraints: 'A list.' });
		const numbered = parseCoreExample('4. Instruction: Numbered task.\nInput: x\nConstraints: None.');
		expect(numbered.example).toEqual({ instruction: 'Numbered task.', input: 'x', constraints: 'None.' });
		expect(numbered.notes).toEqual([]);
		const mixed = parseCoreExample('### Example 4\n1. **Instruction**: Count.\n**2. Input:**\n- one\n- two\n* **Constraints:** A number.');
		expect(mixed.example).toEqual({ instruction: 'Count.', input: '- one\n- two', constraints: 'A number.' });
		expect(mixed.notes).toEqual([{ kind: 'decoration', raw: '### Example 4' }]);
		// A repeated label's raw text is the model's, markup and all.
		expect(parseCoreExample('**Instruction:** First.\n**Input:** a\n**Instruction:** Second.\n**Constraints:** None.').problems).toEqual([
			{ problem: 'repeated_field', raw: '**Instruction:** Second.' }
		]);
	});

	it('does not read commentary after the example into its last field', () => {
		const explained = parseCoreExample(
			'Instruction: Is the sentence a question?\nInput: Is it raining?\nConstraints: Answer Yes or No.\n\nExplanation: the constraints restrict the answer.'
		);
		expect(explained.example).toEqual({ instruction: 'Is the sentence a question?', input: 'Is it raining?', constraints: 'Answer Yes or No.' });
		expect(explained.problems).toEqual([{ problem: 'commentary', raw: 'Explanation: the constraints restrict the answer.' }]);
		const noted = parseCoreExample('Instruction: A.\nInput: b\nConstraints: None.\n**Note:** This one is easy.\n\nHope this helps!');
		expect(noted.example).toEqual({ instruction: 'A.', input: 'b', constraints: 'None.' });
		expect(noted.problems).toEqual([{ problem: 'commentary', raw: '**Note:** This one is easy.' }]);
		expect(noted.notes).toEqual([{ kind: 'sign_off', raw: 'Hope this helps!' }]);
		// Before the example is complete, such a line is a field's text.
		expect(parseCoreExample('Instruction: Reply to the memo.\nInput: Note: the meeting moved.\nConstraints: None.').example?.input).toBe('Note: the meeting moved.');
		expect(parseCoreExample('Instruction: Reply.\nInput:\nNote: the meeting moved.\nConstraints: None.').example?.input).toBe('Note: the meeting moved.');
	});

	it('reads unlabelled text after a blank line ending the last field as its text, and records it', () => {
		const reply = 'Instruction: Summarise the text.\nConstraints: None.\nInput: The cat sat on the mat.\n\nThis example tests whether the model can compress a sentence.';
		const parsed = parseCoreExample(reply);
		expect(parsed.example?.input).toBe('The cat sat on the mat.\n\nThis example tests whether the model can compress a sentence.');
		expect(parsed.problems).toEqual([{ problem: 'unclear_end', raw: 'This example tests whether the model can compress a sentence.' }]);
		// A paragraph inside a field that is not the last one is plainly the field's.
		expect(parseCoreExample('Instruction: Summarise.\nInput: One.\n\nTwo.\nConstraints: None.').problems).toEqual([]);
	});

	it('flags a reply cut by the length limit and offers no example', () => {
		const result = parseCoreExample('Instruction: A.\nInput: b\nConstraints: The output sho', 'length');
		expect(result).toMatchObject({ truncated: true, missingFields: [] });
		expect(result.example).toBeUndefined();
	});
});

describe('output generation', () => {
	it('conditions on instruction, input and constraints', () => {
		expect(buildOutputPrompt(demos[2])).toBe(
			"Carry out the task below. The constraints say what a valid output looks like.\n\nInstruction: Is the number even?\nInput: 7\nConstraints: The output should be 'Yes' or 'No'.\nOutput:"
		);
	});

	it('parses the output up to a new instruction or example', () => {
		// What follows the output is not read, and kept with its exact text.
		expect(parseOutput(' No\n\nInstruction: next task')).toEqual({ output: 'No', empty: false, truncated: false, problems: [{ problem: 'extra_example', raw: 'Instruction: next task' }] });
		expect(parseOutput(' line 1\nline 2\nExample 2\nmore')).toMatchObject({ output: 'line 1\nline 2', problems: [{ problem: 'extra_example', raw: 'Example 2\nmore' }] });
		expect(parseOutput('  \n')).toEqual({ output: '', empty: true, truncated: false, problems: [] });
		expect(parseOutput('Yes')).toEqual({ output: 'Yes', empty: false, truncated: false, problems: [] });
		expect(parseOutput('a long answ', 'length')).toMatchObject({ truncated: true });
	});

	it('removes an "Output:" label the model repeats, and only a leading one', () => {
		// The prompt ends "Output:"; chat models often write the label again.
		expect(parseOutput('Output: mice')).toEqual({ output: 'mice', empty: false, truncated: false, problems: [] });
		expect(parseOutput('\n**Output:** mice\nand rats')).toMatchObject({ output: 'mice\nand rats' });
		expect(parseOutput(' Output 1: 42')).toMatchObject({ output: '42' });
		expect(parseOutput('Output:')).toMatchObject({ output: '', empty: true });
		// Text that is not the label, or the label later in the output, is the output's own.
		expect(parseOutput(' Outputs: two files')).toMatchObject({ output: 'Outputs: two files' });
		expect(parseOutput(' The result.\nOutput: stays')).toMatchObject({ output: 'The result.\nOutput: stays' });
		expect(parseOutput(' # Title\ntext')).toMatchObject({ output: '# Title\ntext' });
	});

	it('keeps the output as written but for its separator from "Output:" and trailing whitespace', () => {
		// Starting on a new line, the first line's indentation is the output's own.
		expect(parseOutput('\n  def f():\n      return 1\n')).toMatchObject({ output: '  def f():\n      return 1' });
		expect(parseOutput('\n\n  - one\n  - two  \n\n')).toMatchObject({ output: '  - one\n  - two' });
		// On the label's line, the spaces after "Output:" separate it from the label.
		expect(parseOutput('  multi\n  line\n output  ')).toMatchObject({ output: 'multi\n  line\n output' });
		expect(parseOutput('Output:\n    indented')).toMatchObject({ output: '    indented' });
		expect(parseOutput('\n \t \n')).toEqual({ output: '', empty: true, truncated: false, problems: [] });
	});

	it('joins instruction and input as the released data does', () => {
		expect(instructionWithInput('Reverse the word.', 'stressed')).toBe('Reverse the word.\nstressed');
		expect(instructionWithInput('Tell a joke.', '')).toBe('Tell a joke.');
	});

	it('fills the {INPUT} placeholder of a reformulation', () => {
		expect(instructionWithInput('Write "{INPUT}" backwards, then say {INPUT} again.', ' stressed ')).toBe('Write "stressed" backwards, then say stressed again.');
	});
});

describe('template expansion', () => {
	it('shows two demonstrations then the instruction', () => {
		expect(EXPANSION_TEMPLATE.match(/^Alternative formulation:/gm)).toHaveLength(3);
		expect(buildExpansionPrompt('Reverse\nthe word.').endsWith('Instruction: Reverse the word.\nInput: {INPUT}\nAlternative formulation:')).toBe(true);
		// Each demonstration shows where the input goes.
		expect(EXPANSION_TEMPLATE.match(/^Alternative formulation: .*\{INPUT\}/gm)).toHaveLength(2);
	});

	it('requires the {INPUT} placeholder when asked (the pipeline asks)', () => {
		expect(parseRephrasing(' Write the word backwards.', 'Reverse the word.', 'stop', { requirePlaceholder: true })).toEqual({
			rephrasing: null,
			problem: 'no_input_placeholder'
		});
		expect(parseRephrasing(' Write "{INPUT}" backwards.', 'Reverse the word.', 'stop', { requirePlaceholder: true })).toEqual({
			rephrasing: 'Write "{INPUT}" backwards.'
		});
	});

	it.each([
		[' Write the word backwards.', { rephrasing: 'Write the word backwards.' }],
		[' "Write the word backwards."\n\nInstruction: next', { rephrasing: 'Write the word backwards.', unread: 'Instruction: next' }],
		[' “Spell the word from its last letter to its first.”', { rephrasing: 'Spell the word from its last letter to its first.' }],
		// Line breaks are the model's own: kept as written.
		['  Write the word\n  backwards.\nInstruction: x', { rephrasing: 'Write the word\n  backwards.', unread: 'Instruction: x' }]
	])('reads %j', (reply, expected) => {
		expect(parseRephrasing(reply, 'Reverse the word.')).toEqual(expected);
	});

	it('returns the text after the first paragraph as unread, never dropping it', () => {
		const reply = 'Please count how many letters {INPUT} has.\n\nAlternatively: What is the letter count of {INPUT}?';
		expect(parseRephrasing(reply, 'Count the letters of the given word.', 'stop', { requirePlaceholder: true })).toEqual({
			rephrasing: 'Please count how many letters {INPUT} has.',
			unread: 'Alternatively: What is the letter count of {INPUT}?'
		});
		// Also when the first paragraph is rejected.
		expect(parseRephrasing('Reverse the word.\n\nOr: write {INPUT} backwards.', 'Reverse the word.')).toEqual({
			rephrasing: null,
			problem: 'same_as_original',
			unread: 'Or: write {INPUT} backwards.'
		});
	});

	it('rejects empty, identical and truncated rephrasings', () => {
		expect(parseRephrasing('  ', 'Reverse the word.')).toEqual({ rephrasing: null, problem: 'empty' });
		expect(parseRephrasing(' reverse  the WORD', 'Reverse the word.')).toEqual({ rephrasing: null, problem: 'same_as_original' });
		expect(parseRephrasing(' Write the', 'Reverse the word.', 'length')).toEqual({ rephrasing: null, problem: 'truncated' });
	});

	it('compares text ignoring case and spacing', () => {
		expect(comparableText('  Reverse\tthe  WORD ')).toBe('reverse the word');
	});

	it('drops the prompt\'s "Alternative formulation:" label the model repeats, and only a leading one', () => {
		expect(parseRephrasing('Alternative formulation: How many letters does "{INPUT}" have?', 'Count the letters.', 'stop', { requirePlaceholder: true })).toEqual({
			rephrasing: 'How many letters does "{INPUT}" have?'
		});
		expect(parseRephrasing('\n**Alternative formulation:** "Spell {INPUT} backwards."', 'Reverse the word.')).toEqual({ rephrasing: 'Spell {INPUT} backwards.' });
		expect(parseRephrasing('Alternative formulation: Reverse the word', 'Reverse the word.')).toEqual({ rephrasing: null, problem: 'same_as_original' });
		expect(parseRephrasing('Alternative formulations: two of {INPUT}', 'Reverse the word.')).toEqual({ rephrasing: 'Alternative formulations: two of {INPUT}' });
	});
});

describe('the same instruction (copy and rephrasing filters)', () => {
	it('ignores case, spacing and final punctuation, as both filters do', () => {
		expect(instructionKey('Name the colour.')).toBe(instructionKey('name  the colour'));
		expect(instructionKey('Say hello to the person!')).toBe(instructionKey('Say hello to the person.'));
		expect(instructionKey('Is it even ?')).toBe(instructionKey('is it even'));
		expect(instructionKey('Name the colour.')).not.toBe(instructionKey('Name the colours.'));
		// The rephrasing filter's "same as the original" is this definition.
		expect(parseRephrasing('Say hello to the person!', 'Say hello to the person.')).toEqual({ rephrasing: null, problem: 'same_as_original' });
	});
});
