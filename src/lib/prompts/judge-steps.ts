/**
 * The judge's prompt steps, shaped like the generation steps (steps.ts): default template, its
 * placeholders, version and decoding. A judge run copies what it uses (template text and
 * fingerprint, decoding) into its parameters, and each judge label records the fingerprint, so
 * editing a template never changes what a past label says it came from.
 */
import { GREEDY_TOP_P, type DecodingParams } from './decoding';
import {
	PAIRWISE_JUDGE_PLACEHOLDERS,
	PAIRWISE_JUDGE_TEMPLATE,
	QUALITY_JUDGE_PLACEHOLDERS,
	QUALITY_JUDGE_TEMPLATE,
	RATING_JUDGE_PLACEHOLDERS,
	RATING_JUDGE_TEMPLATE
} from './judge';
import { stepTemplateUse, validateTemplate, type PromptStepSpec, type StepTemplateUse, type TemplateIssue } from './template';

export const JUDGE_STEP_IDS = ['judge/quality', 'judge/rating', 'judge/pairwise'] as const;
export type JudgeStepId = (typeof JUDGE_STEP_IDS)[number];

export type JudgePromptStep = PromptStepSpec<JudgeStepId>;

/**
 * Greedy decoding, as MT-Bench judges at temperature 0: the same row gets the same verdict, and
 * a retry after an unparseable reply differs only if the server is not deterministic. The token
 * limits hold the JSON with its short reasons (three for the quality questions).
 */
const judgeDecoding = (maxTokens: number): Readonly<DecodingParams> =>
	Object.freeze({ maxTokens, temperature: 0, topP: GREEDY_TOP_P, frequencyPenalty: 0, presencePenalty: 0 });

export const JUDGE_QUALITY_DECODING = judgeDecoding(400);
export const JUDGE_RATING_DECODING = judgeDecoding(200);
export const JUDGE_PAIRWISE_DECODING = judgeDecoding(200);

export const JUDGE_PROMPT_STEPS: Readonly<Record<JudgeStepId, JudgePromptStep>> = {
	'judge/quality': {
		id: 'judge/quality',
		title: 'Judge: the three validity questions',
		description: 'Does the instruction describe a valid task, is the input appropriate, is the output correct — each true/false with a reason.',
		defaultTemplate: QUALITY_JUDGE_TEMPLATE,
		defaultVersion: 1,
		placeholders: QUALITY_JUDGE_PLACEHOLDERS,
		decoding: JUDGE_QUALITY_DECODING
	},
	'judge/rating': {
		id: 'judge/rating',
		title: 'Judge: A–D rating',
		description: 'Rates one model response on Self-Instruct’s four-level scale, with a reason.',
		defaultTemplate: RATING_JUDGE_TEMPLATE,
		defaultVersion: 1,
		placeholders: RATING_JUDGE_PLACEHOLDERS,
		decoding: JUDGE_RATING_DECODING
	},
	'judge/pairwise': {
		id: 'judge/pairwise',
		title: 'Judge: which response is better',
		description: 'Two responses to one task, A or B or a tie; every pair is asked twice with the order swapped.',
		defaultTemplate: PAIRWISE_JUDGE_TEMPLATE,
		defaultVersion: 1,
		placeholders: PAIRWISE_JUDGE_PLACEHOLDERS,
		decoding: JUDGE_PAIRWISE_DECODING
	}
};

export function isJudgeStepId(value: string): value is JudgeStepId {
	return (JUDGE_STEP_IDS as readonly string[]).includes(value);
}

/** Problems with a user's judge template (unknown / missing placeholders, bad braces). */
export function validateJudgeTemplate(stepId: JudgeStepId, text: string): TemplateIssue[] {
	return validateTemplate(text, JUDGE_PROMPT_STEPS[stepId].placeholders);
}

/** What a judge run stores about the template it used. */
export type JudgeTemplateUse = StepTemplateUse<JudgeStepId>;

export function describeJudgeTemplateUse(stepId: JudgeStepId, text?: string): JudgeTemplateUse {
	return stepTemplateUse(JUDGE_PROMPT_STEPS[stepId], text);
}
