import { describe, expect, it } from 'vitest';
import { outputFromCompletion, readCompletionPair, splitAlpacaPrompt, splitInstructionPrompt, splitPairPrompt } from './prompt-shape';
import { promptCompletion } from './serialize';

describe('splitInstructionPrompt', () => {
	it('splits the human-evaluation prompt shape instruction + "\\n\\nInput: " + input + "\\nOutput:"', () => {
		expect(splitInstructionPrompt('Fix the grammar.\n\nInput: he go home.\nOutput:')).toEqual({
			instruction: 'Fix the grammar.',
			input: 'he go home.',
			labelled: true
		});
	});
	it('reads instruction + "\\nOutput:" as an empty input', () => {
		expect(splitInstructionPrompt('Tell me a joke.\nOutput:')).toEqual({ instruction: 'Tell me a joke.', input: '', labelled: true });
	});
	it('handles the fine-tuning template variants', () => {
		expect(splitInstructionPrompt('Sort the list.\nInput: 3, 1, 2\nOutput:')).toMatchObject({ instruction: 'Sort the list.', input: '3, 1, 2' });
		expect(splitInstructionPrompt('Sort the list.\n\nInput: 3, 1, 2\n\nOutput:')).toMatchObject({ instruction: 'Sort the list.', input: '3, 1, 2' });
		expect(splitInstructionPrompt('Task: Sort the list.\nInput: 3, 1, 2\nOutput:')).toMatchObject({ instruction: 'Sort the list.', input: '3, 1, 2' });
		expect(splitInstructionPrompt('Name a colour. Output:')).toEqual({ instruction: 'Name a colour.', input: '', labelled: true });
		expect(splitInstructionPrompt('Name a colour.\n\nOutput:')).toMatchObject({ instruction: 'Name a colour.', input: '' });
	});
	it('keeps multi-line inputs whole and splits at the last Input: line (an instruction may quote the label; the writer\'s own comes last)', () => {
		expect(splitInstructionPrompt('Summarise.\n\nInput: line one\nline two\nOutput:')).toMatchObject({ instruction: 'Summarise.', input: 'line one\nline two' });
		// The Alpaca row that came back wrong when the first label was taken.
		expect(splitInstructionPrompt('Summarize this article in three sentences.\n\nInput: https://www.vox.com/a\n\nInput: https://www.vox.com/a')).toMatchObject({
			instruction: 'Summarize this article in three sentences.\n\nInput: https://www.vox.com/a',
			input: 'https://www.vox.com/a'
		});
	});
	it('takes away only the labels and their line breaks, never the text\'s own white space', () => {
		expect(splitInstructionPrompt(' Fix it. \nInput:  lead \nOutput:')).toEqual({ instruction: ' Fix it. ', input: ' lead ', labelled: true });
		expect(splitInstructionPrompt(' Fix it.\n\n\nInput: \tx')).toEqual({ instruction: ' Fix it.\n', input: '\tx', labelled: false });
		expect(splitInstructionPrompt('  say hi ')).toEqual({ instruction: '  say hi ', input: '', labelled: false });
	});
	it('does not split at "Input:" inside a line', () => {
		expect(splitInstructionPrompt('Explain what Input: means.\nOutput:')).toMatchObject({ instruction: 'Explain what Input: means.', input: '' });
	});
	it('splits an Input: label without a closing Output: label (chat user messages)', () => {
		expect(splitInstructionPrompt('Translate to French.\n\nInput: good morning')).toEqual({
			instruction: 'Translate to French.',
			input: 'good morning',
			labelled: false
		});
	});
	it('keeps an unlabelled prompt whole as the instruction', () => {
		expect(splitInstructionPrompt('Sort the list.\n\n3, 1, 2\n\n')).toEqual({ instruction: 'Sort the list.\n\n3, 1, 2', input: '', labelled: false });
		expect(splitInstructionPrompt('Task: do it\n\n')).toMatchObject({ instruction: 'Task: do it', input: '' });
	});
	it('accepts CRLF line breaks', () => {
		expect(splitInstructionPrompt('Fix it.\r\n\r\nInput: x\r\nOutput:')).toMatchObject({ instruction: 'Fix it.', input: 'x' });
	});
});

describe('outputFromCompletion', () => {
	it('drops the trailing <|endoftext|> and the space after an Output: label', () => {
		expect(outputFromCompletion(' Paris<|endoftext|>', true)).toBe('Paris');
	});
	it('keeps the leading space of an unlabelled completion and text without the end marker', () => {
		expect(outputFromCompletion(' Paris', false)).toBe(' Paris');
		expect(outputFromCompletion('Paris', true)).toBe('Paris');
	});
	it('drops only one end marker and one space', () => {
		expect(outputFromCompletion('  a<|endoftext|><|endoftext|>', true)).toBe(' a<|endoftext|>');
	});
});

describe('splitAlpacaPrompt / splitPairPrompt', () => {
	it('reads instruction and input back out of the Alpaca training prompt (as GPT-4-LLM asks), with and without input', () => {
		for (const record of [
			{ instruction: 'Evaluate this sentence for spelling and grammar mistakes', input: 'He finnished his meal and left the resturant', output: '' },
			{ instruction: 'Give three tips for staying healthy.', input: '', output: '' },
			{ instruction: 'Two paragraphs.\n\nSecond one.', input: 'line 1\n\nline 2', output: '' }
		]) {
			const { prompt } = promptCompletion('alpaca', record);
			expect(splitAlpacaPrompt(prompt)).toEqual({ instruction: record.instruction, input: record.input });
			expect(splitPairPrompt(prompt)).toEqual({ instruction: record.instruction, input: record.input });
		}
	});
	it('falls back to the Self-Instruct shape, then to the whole prompt', () => {
		expect(splitAlpacaPrompt('Just a question?')).toBeNull();
		expect(splitAlpacaPrompt('### Instruction:\nNo response marker')).toBeNull();
		expect(splitPairPrompt('Fix it.\n\nInput: he go.\nOutput:')).toEqual({ instruction: 'Fix it.', input: 'he go.' });
		expect(splitPairPrompt('  What is 2+2?  ')).toEqual({ instruction: 'What is 2+2?', input: '' });
	});
});

describe('readCompletionPair', () => {
	it('reads the exact Alpaca prompt untrimmed, its completion as the output; another Alpaca-shaped prompt trimmed; else the Self-Instruct shape', () => {
		const exact = promptCompletion('alpaca', { instruction: ' Sort.\n', input: '\n3, 1 ', output: ' 1, 3<|endoftext|>' });
		expect(readCompletionPair(exact.prompt, exact.completion)).toEqual({ instruction: ' Sort.\n', input: '\n3, 1 ', output: ' 1, 3<|endoftext|>' });
		const noInput = promptCompletion('alpaca', { instruction: 'Say hi.', input: '', output: 'Hi' });
		expect(readCompletionPair(noInput.prompt, noInput.completion)).toEqual({ instruction: 'Say hi.', input: '', output: 'Hi' });
		expect(readCompletionPair('### Instruction:\n Sort. \n\n### Input:\n 3, 1\n\n### Response: ', '1, 3<|endoftext|>')).toEqual({ instruction: 'Sort.', input: '3, 1', output: '1, 3' });
		expect(readCompletionPair('Sort.\nInput: 3, 1\nOutput:', ' 1, 3<|endoftext|>')).toEqual({ instruction: 'Sort.', input: '3, 1', output: '1, 3' });
	});
});
