/**
 * The prompt steps of both pipelines in one table: default template, its placeholders and the
 * paper's decoding defaults. A run copies what it uses (template text + fingerprint, decoding)
 * into its parameters, so later edits to the defaults never change a past run's provenance.
 */
import { ALPACA_PLACEHOLDERS, ALPACA_TEMPLATE } from './alpaca';
import {
	ALPACA_DECODING,
	SELF_INSTRUCT_CLASSIFICATION_DECODING,
	SELF_INSTRUCT_CLASSIFICATION_INSTANCE_DECODING,
	SELF_INSTRUCT_INSTANCE_DECODING,
	SELF_INSTRUCT_INSTRUCTION_DECODING,
	UNNATURAL_CORE_DECODING,
	UNNATURAL_EXPANSION_DECODING,
	UNNATURAL_OUTPUT_DECODING
} from './decoding';
import {
	CLASSIFICATION_DEMONSTRATIONS,
	CLASSIFICATION_PLACEHOLDERS,
	CLASSIFICATION_TEMPLATE,
	INSTANCE_INPUT_FIRST_TEMPLATE,
	INSTANCE_OUTPUT_FIRST_TEMPLATE,
	INSTANCE_PLACEHOLDERS,
	INSTRUCTION_GENERATION_PLACEHOLDERS,
	INSTRUCTION_GENERATION_TEMPLATE
} from './self-instruct';
import { stepTemplateUse, validateTemplate, type PromptStepSpec, type StepTemplateUse, type TemplateIssue } from './template';
import {
	CORE_PLACEHOLDERS,
	CORE_TEMPLATE,
	EXPANSION_PLACEHOLDERS,
	EXPANSION_TEMPLATE,
	OUTPUT_PLACEHOLDERS,
	OUTPUT_TEMPLATE
} from './unnatural';

export const PROMPT_STEP_IDS = [
	'self-instruct/instruction-generation',
	'self-instruct/classification',
	'self-instruct/instances-input-first',
	'self-instruct/instances-output-first',
	'unnatural/core',
	'unnatural/output',
	'unnatural/expansion',
	'alpaca/generation'
] as const;
export type PromptStepId = (typeof PROMPT_STEP_IDS)[number];

export interface PromptStep extends PromptStepSpec<PromptStepId> {
	pipeline: 'self-instruct' | 'unnatural' | 'alpaca';
}

/** How many demonstrations the default classification prompt shows, beside the reference's (PAPERS.md: 31, 12 Yes / 19 No). */
function classificationShotsText(): string {
	const yes = CLASSIFICATION_DEMONSTRATIONS.filter((d) => d.isClassification).length;
	const no = CLASSIFICATION_DEMONSTRATIONS.length - yes;
	return `The default shows ${CLASSIFICATION_DEMONSTRATIONS.length} demonstrations of its own (${yes} Yes, ${no} No); the reference code's prompt has 31 (12 Yes, 19 No): load a template set to use that one.`;
}

export const PROMPT_STEPS: Readonly<Record<PromptStepId, PromptStep>> = {
	'self-instruct/instruction-generation': {
		id: 'self-instruct/instruction-generation',
		pipeline: 'self-instruct',
		title: 'Instruction generation',
		description: 'Shows 8 tasks (6 seed + 2 machine-generated, shuffled) as a numbered list and lets the model continue it.',
		defaultTemplate: INSTRUCTION_GENERATION_TEMPLATE,
		defaultVersion: 1,
		placeholders: INSTRUCTION_GENERATION_PLACEHOLDERS,
		decoding: SELF_INSTRUCT_INSTRUCTION_DECODING
	},
	'self-instruct/classification': {
		id: 'self-instruct/classification',
		pipeline: 'self-instruct',
		title: 'Classification identification',
		description: `Few-shot Yes/No question: is the task a classification task with a fixed set of labels? ${classificationShotsText()}`,
		defaultTemplate: CLASSIFICATION_TEMPLATE,
		defaultVersion: 1,
		placeholders: CLASSIFICATION_PLACEHOLDERS,
		decoding: SELF_INSTRUCT_CLASSIFICATION_DECODING
	},
	'self-instruct/instances-input-first': {
		id: 'self-instruct/instances-input-first',
		pipeline: 'self-instruct',
		title: 'Instance generation (input-first)',
		description: 'For tasks that are not classification: examples of inputs, each followed by its output.',
		defaultTemplate: INSTANCE_INPUT_FIRST_TEMPLATE,
		defaultVersion: 1,
		placeholders: INSTANCE_PLACEHOLDERS,
		decoding: SELF_INSTRUCT_INSTANCE_DECODING
	},
	'self-instruct/instances-output-first': {
		id: 'self-instruct/instances-output-first',
		pipeline: 'self-instruct',
		title: 'Instance generation (output-first)',
		description: 'For classification tasks: each class label first, then an input belonging to it.',
		defaultTemplate: INSTANCE_OUTPUT_FIRST_TEMPLATE,
		defaultVersion: 1,
		placeholders: INSTANCE_PLACEHOLDERS,
		decoding: SELF_INSTRUCT_CLASSIFICATION_INSTANCE_DECODING
	},
	'unnatural/core': {
		id: 'unnatural/core',
		pipeline: 'unnatural',
		title: 'Core generation',
		description: 'Three demonstrations (instruction, input, constraints) from one seed set; the model writes a fourth.',
		defaultTemplate: CORE_TEMPLATE,
		defaultVersion: 1,
		placeholders: CORE_PLACEHOLDERS,
		decoding: UNNATURAL_CORE_DECODING
	},
	'unnatural/output': {
		id: 'unnatural/output',
		pipeline: 'unnatural',
		title: 'Output generation',
		description: 'Greedy answer to a generated instruction and input, guided by its constraints.',
		defaultTemplate: OUTPUT_TEMPLATE,
		defaultVersion: 1,
		placeholders: OUTPUT_PLACEHOLDERS,
		decoding: UNNATURAL_OUTPUT_DECODING
	},
	'unnatural/expansion': {
		id: 'unnatural/expansion',
		pipeline: 'unnatural',
		title: 'Template expansion',
		description: 'Two demonstrations of an instruction and its rephrasing; the model rephrases the task.',
		defaultTemplate: EXPANSION_TEMPLATE,
		defaultVersion: 2,
		placeholders: EXPANSION_PLACEHOLDERS,
		decoding: UNNATURAL_EXPANSION_DECODING
	},
	'alpaca/generation': {
		id: 'alpaca/generation',
		pipeline: 'alpaca',
		title: 'Task generation (Alpaca)',
		description: 'Nine numbered requirements, then 3 seed tasks in full (instruction, input, output) separated by "###"; the model continues the list of 20 with task 4.',
		defaultTemplate: ALPACA_TEMPLATE,
		defaultVersion: 1,
		placeholders: ALPACA_PLACEHOLDERS,
		decoding: ALPACA_DECODING
	}
};

export function isPromptStepId(value: string): value is PromptStepId {
	return (PROMPT_STEP_IDS as readonly string[]).includes(value);
}

/** Problems with a user's template for a step (unknown / missing placeholders, bad braces). */
export function validateStepTemplate(stepId: PromptStepId, text: string): TemplateIssue[] {
	return validateTemplate(text, PROMPT_STEPS[stepId].placeholders);
}

/** What a run stores about the template it used for a step. */
export type TemplateUse = StepTemplateUse<PromptStepId>;

export function describeTemplateUse(stepId: PromptStepId, text?: string): TemplateUse {
	return stepTemplateUse(PROMPT_STEPS[stepId], text);
}
