/**
 * What a judge run is over and how its calls are made, fixed when it is created and kept in the
 * run row's `params`. Pure.
 */
import { JUDGE_PROMPT_STEPS, describeJudgeTemplateUse, validateJudgeTemplate, type JudgeStepId, type JudgeTemplateUse } from '$lib/prompts';
import type { DecodingParams } from '$lib/prompts';
import type { FirstExchangeOnly } from '$lib/judge/wording';
import { RunParamsError } from '../errors';

/**
 * The units judged: every instance (quality) / response (rating) / preference pair (pairwise) of
 * the dataset (rows of rejected tasks or instances left out unless asked for; only units that
 * existed when the run was created), or the units an audit showed (its sampled items, gold left
 * out: the item's instance, its responses, its pair).
 */
export type JudgeSelection = { kind: 'dataset'; includeRejected: boolean } | { kind: 'audit-items'; auditId: number };

/**
 * quality: the three validity questions per instance; rating: an A–D rating per model response;
 * pairwise: which of a pair's two responses is better, asked twice with the order swapped.
 */
export const JUDGE_MODES = ['quality', 'rating', 'pairwise'] as const;
export type JudgeMode = (typeof JUDGE_MODES)[number];

/** The prompt step each mode's calls use. */
export const JUDGE_MODE_STEPS: Readonly<Record<JudgeMode, JudgeStepId>> = {
	quality: 'judge/quality',
	rating: 'judge/rating',
	pairwise: 'judge/pairwise'
};

/** The audit kind whose human labels each mode is calibrated against. */
export const JUDGE_MODE_AUDIT_KIND: Readonly<Record<JudgeMode, 'quality' | 'rating' | 'pairwise'>> = {
	quality: 'quality',
	rating: 'rating',
	pairwise: 'pairwise'
};

export function isJudgeMode(value: unknown): value is JudgeMode {
	return typeof value === 'string' && (JUDGE_MODES as readonly string[]).includes(value);
}

export interface JudgeStepSettings {
	template: JudgeTemplateUse;
	decoding: DecodingParams;
}

export interface JudgeRunParams {
	pipeline: 'judge';
	mode: JudgeMode;
	selection: JudgeSelection;
	/** Units with a larger id (imported after the run was created) are not part of it: instances (quality), responses (rating), pairs (pairwise). */
	upToInstanceId: number;
	/** Send the calls through the OpenAI Batch API instead of one by one. */
	batch: boolean;
	/** Seconds between polls of a batch in flight. */
	pollSeconds: number;
	/** One entry: the mode's step (JUDGE_MODE_STEPS). */
	steps: Partial<Record<JudgeStepId, JudgeStepSettings>>;
	/** Quality runs over conversations: how many, and how many have later turns it does not judge (fixed at creation). */
	firstExchangeOnly?: FirstExchangeOnly;
}

/** The run's one prompt step and its settings. */
export function judgeStepOf(params: JudgeRunParams): { stepId: JudgeStepId } & JudgeStepSettings {
	const stepId = JUDGE_MODE_STEPS[params.mode];
	const settings = params.steps[stepId];
	if (!settings) throw new RunParamsError(`The judge run has no settings for ${stepId}.`);
	return { stepId, ...settings };
}

export const DEFAULT_POLL_SECONDS = 30;

export function buildJudgeParams(input: {
	mode?: JudgeMode;
	selection: JudgeSelection;
	upToInstanceId: number;
	batch?: boolean;
	pollSeconds?: number;
	template?: string;
	maxTokens?: number;
}): JudgeRunParams {
	const mode = input.mode ?? 'quality';
	if (!isJudgeMode(mode)) throw new RunParamsError(`The judge mode is one of ${JUDGE_MODES.join(', ')}.`, 'mode');
	const stepId = JUDGE_MODE_STEPS[mode];
	const step = JUDGE_PROMPT_STEPS[stepId];
	if (input.template?.trim()) {
		const issues = validateJudgeTemplate(stepId, input.template);
		if (issues.length) throw new RunParamsError(`The judge template: ${issues.map((i) => i.message.replace(/\.$/, '')).join('; ')}.`, 'template');
	}
	const template = describeJudgeTemplateUse(stepId, input.template?.trim() ? input.template : undefined);
	const pollSeconds = input.pollSeconds ?? DEFAULT_POLL_SECONDS;
	if (!(pollSeconds > 0 && pollSeconds <= 3600)) throw new RunParamsError('Poll every 0–3,600 seconds.', 'pollSeconds');
	const maxTokens = input.maxTokens ?? step.decoding.maxTokens;
	if (!Number.isInteger(maxTokens) || maxTokens < 16 || maxTokens > 8192) throw new RunParamsError('max_tokens is a whole number from 16 to 8,192.', 'maxTokens');
	return {
		pipeline: 'judge',
		mode,
		selection: input.selection,
		upToInstanceId: input.upToInstanceId,
		batch: !!input.batch,
		pollSeconds,
		steps: { [stepId]: { template, decoding: { ...step.decoding, maxTokens } } }
	};
}

export function readJudgeParams(stored: unknown): JudgeRunParams {
	const p = stored as Partial<JudgeRunParams> | null;
	if (!p || p.pipeline !== 'judge' || !p.steps || !p.selection) throw new RunParamsError('The run has no judge parameters.');
	const params = { pollSeconds: DEFAULT_POLL_SECONDS, batch: false, mode: 'quality', ...p } as JudgeRunParams;
	if (!isJudgeMode(params.mode) || !params.steps[JUDGE_MODE_STEPS[params.mode]]) throw new RunParamsError('The run has no judge parameters.');
	return params;
}
