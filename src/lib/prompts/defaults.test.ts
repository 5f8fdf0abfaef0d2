/** The shipped defaults: seed sets, step templates and the papers' decoding values. */
import { describe, expect, it } from 'vitest';
import {
	GREEDY_TOP_P,
	SELF_INSTRUCT_CLASSIFICATION_DECODING,
	SELF_INSTRUCT_INSTANCE_DECODING,
	SELF_INSTRUCT_CLASSIFICATION_INSTANCE_DECODING,
	SELF_INSTRUCT_INSTRUCTION_DECODING,
	UNNATURAL_CORE_DECODING,
	UNNATURAL_OUTPUT_DECODING
} from './decoding';
import { DEFAULT_SEED_TASKS } from './default-seeds';
import { buildInstructionGenerationPrompt, parseInstructionList } from './self-instruct';
import { describeTemplateUse, isPromptStepId, PROMPT_STEP_IDS, PROMPT_STEPS, validateStepTemplate } from './steps';
import { DEFAULT_UNNATURAL_SEED_SETS } from './unnatural-seeds';

// The Self-Instruct blacklist (with Alpaca's additions): seeds must pass the filters themselves.
const BLACKLIST = /\b(images?|graphs?|pictures?|files?|maps?|draw|plot|go to|video|audio|music|flowchart|diagram)\b/i;

describe('default Self-Instruct seed tasks', () => {
	it('number about 40, with unique ids, names and instructions, one instance each', () => {
		expect(DEFAULT_SEED_TASKS.length).toBeGreaterThanOrEqual(38);
		expect(DEFAULT_SEED_TASKS.length).toBeLessThanOrEqual(45);
		for (const key of ['id', 'name', 'instruction'] as const) {
			expect(new Set(DEFAULT_SEED_TASKS.map((t) => t[key])).size).toBe(DEFAULT_SEED_TASKS.length);
		}
		expect(DEFAULT_SEED_TASKS.every((t) => t.instances.length === 1 && t.instances[0].output.trim() !== '')).toBe(true);
		expect(DEFAULT_SEED_TASKS[0].id).toBe('seed_task_0');
	});

	it('cover classification and generation, with and without input', () => {
		const classification = DEFAULT_SEED_TASKS.filter((t) => t.isClassification);
		const withoutInput = DEFAULT_SEED_TASKS.filter((t) => t.instances[0].input === '');
		expect(classification.length).toBe(12);
		expect(withoutInput.length).toBe(14);
		expect(classification.some((t) => t.instances[0].input === '')).toBe(true);
		expect(DEFAULT_SEED_TASKS.some((t) => !t.isClassification && t.instances[0].input !== '')).toBe(true);
	});

	it('would pass the instruction filters (4–150 words, no blacklisted word, no "Write a program", ASCII start)', () => {
		for (const t of DEFAULT_SEED_TASKS) {
			const words = t.instruction.split(/\s+/).length;
			expect(words, t.name).toBeGreaterThanOrEqual(4);
			expect(words, t.name).toBeLessThanOrEqual(150);
			expect(BLACKLIST.test(t.instruction), t.name).toBe(false);
			expect(t.instruction.startsWith('Write a program'), t.name).toBe(false);
			expect(/^[A-Za-z0-9]/.test(t.instruction), t.name).toBe(true);
		}
	});

	it('fill an instruction-generation prompt that round-trips through the parser', () => {
		const shots = DEFAULT_SEED_TASKS.slice(0, 8).map((t) => t.instruction);
		const prompt = buildInstructionGenerationPrompt(shots);
		const listed = prompt.slice(prompt.indexOf('\n') + 1, prompt.lastIndexOf('\n'));
		expect(parseInstructionList(listed, 'stop').instructions).toEqual(shots);
	});
});

describe('default Unnatural Instructions seed sets', () => {
	it('are 5 sets of 3 complete, distinct demonstrations', () => {
		expect(DEFAULT_UNNATURAL_SEED_SETS).toHaveLength(5);
		const all = DEFAULT_UNNATURAL_SEED_SETS.flat();
		expect(all).toHaveLength(15);
		for (const d of all) {
			expect(d.instruction.trim()).not.toBe('');
			expect(d.input.trim()).not.toBe('');
			expect(d.constraints.trim()).not.toBe('');
		}
		expect(new Set(all.map((d) => d.instruction)).size).toBe(15);
		// both free-form and constrained outputs are demonstrated
		expect(all.filter((d) => d.constraints === 'None.').length).toBeGreaterThanOrEqual(2);
	});
});

describe('prompt steps', () => {
	it('ship default templates that validate against their own placeholders', () => {
		for (const id of PROMPT_STEP_IDS) {
			expect(validateStepTemplate(id, PROMPT_STEPS[id].defaultTemplate), id).toEqual([]);
			expect(PROMPT_STEPS[id].id).toBe(id);
		}
	});

	it('reject a user template missing the task placeholder', () => {
		expect(validateStepTemplate('self-instruct/classification', 'Is it classification?')[0].kind).toBe('missing_placeholder');
		expect(validateStepTemplate('unnatural/output', '{{instruction}} {{input}} {{task}}')[0]).toMatchObject({
			kind: 'unknown_placeholder',
			placeholder: 'task'
		});
	});

	it('describe the template a run used', () => {
		const shipped = describeTemplateUse('unnatural/core');
		expect(shipped).toMatchObject({ stepId: 'unnatural/core', isDefault: true, defaultVersion: 1 });
		const edited = describeTemplateUse('unnatural/core', `${shipped.text}\n`);
		expect(edited.isDefault).toBe(false);
		expect(edited.fingerprint).not.toBe(shipped.fingerprint);
		expect(isPromptStepId('unnatural/core')).toBe(true);
		expect(isPromptStepId('unnatural/nope')).toBe(false);
	});
});

describe("the papers' decoding defaults", () => {
	it('instruction generation: 1024 tokens, T 0.7, top_p 0.5, presence 2, stop at blank line / item 16', () => {
		expect(SELF_INSTRUCT_INSTRUCTION_DECODING).toMatchObject({
			maxTokens: 1024,
			temperature: 0.7,
			topP: 0.5,
			frequencyPenalty: 0,
			presencePenalty: 2
		});
		expect(SELF_INSTRUCT_INSTRUCTION_DECODING.stop).toEqual(expect.arrayContaining(['\n\n', '\n16', '16.']));
		expect(SELF_INSTRUCT_INSTRUCTION_DECODING.stop!.length).toBeLessThanOrEqual(4);
	});

	it('classification: 3 tokens, greedy', () => {
		expect(SELF_INSTRUCT_CLASSIFICATION_DECODING).toMatchObject({ maxTokens: 3, temperature: 0, topP: GREEDY_TOP_P });
	});

	it('instances: greedy, presence 1.5, 350 tokens without classification / 300 with, stop at "Example 6" / "Task:"', () => {
		expect(SELF_INSTRUCT_INSTANCE_DECODING).toMatchObject({ maxTokens: 350, temperature: 0, presencePenalty: 1.5, stop: ['Example 6', 'Task:'] });
		expect(SELF_INSTRUCT_CLASSIFICATION_INSTANCE_DECODING).toMatchObject({ maxTokens: 300, temperature: 0, presencePenalty: 1.5, stop: ['Example 6', 'Task:'] });
	});

	it('Unnatural: core top_p 0.99, outputs greedy', () => {
		expect(UNNATURAL_CORE_DECODING.topP).toBe(0.99);
		expect(UNNATURAL_OUTPUT_DECODING.temperature).toBe(0);
	});

	it('are frozen so a run cannot change the defaults by accident', () => {
		expect(Object.isFrozen(SELF_INSTRUCT_INSTRUCTION_DECODING)).toBe(true);
	});
});

describe('the classification step', () => {
	it('says how many demonstrations its default shows, beside the reference prompt', () => {
		expect(PROMPT_STEPS['self-instruct/classification'].description).toContain('The default shows 21 demonstrations of its own (9 Yes, 12 No); the reference code\'s prompt has 31 (12 Yes, 19 No)');
	});
});
