/**
 * What a judge run is over and how its calls are made, fixed when it is created and kept in the
 * run row's `params`. Pure.
 */
import { JUDGE_PROMPT_STEPS, describeJudgeTemplateUse, validateJudgeTemplate, type JudgeTemplateUse } from '$lib/prompts';
import type { DecodingParams } from '$lib/prompts';
import { RunParamsError } from '../errors';

/**
 * The rows judged: every instance of the dataset (rejected rows left out unless asked for; only
 * instances that existed when the run was created), or the instances an audit showed (its
 * sampled items, gold left out).
 */
export type JudgeSelection = { kind: 'dataset'; includeRejected: boolean } | { kind: 'audit-items'; auditId: number };

export const JUDGE_MODES = ['quality'] as const;
export type JudgeMode = (typeof JUDGE_MODES)[number];

export interface JudgeRunParams {
	pipeline: 'judge';
	mode: JudgeMode;
	selection: JudgeSelection;
	/** Instances with a larger id (imported after the run was created) are not part of it. */
	upToInstanceId: number;
	/** Send the calls through the OpenAI Batch API instead of one by one. */
	batch: boolean;
	/** Seconds between polls of a batch in flight. */
	pollSeconds: number;
	steps: { 'judge/quality': { template: JudgeTemplateUse; decoding: DecodingParams } };
}

export const DEFAULT_POLL_SECONDS = 30;

export function buildJudgeParams(input: {
	selection: JudgeSelection;
	upToInstanceId: number;
	batch?: boolean;
	pollSeconds?: number;
	template?: string;
	maxTokens?: number;
}): JudgeRunParams {
	const step = JUDGE_PROMPT_STEPS['judge/quality'];
	if (input.template?.trim()) {
		const issues = validateJudgeTemplate('judge/quality', input.template);
		if (issues.length) throw new RunParamsError(`The judge template: ${issues.map((i) => i.message).join('; ')}.`, 'template');
	}
	const template = describeJudgeTemplateUse('judge/quality', input.template?.trim() ? input.template : undefined);
	const pollSeconds = input.pollSeconds ?? DEFAULT_POLL_SECONDS;
	if (!(pollSeconds > 0 && pollSeconds <= 3600)) throw new RunParamsError('Poll every 0–3,600 seconds.', 'pollSeconds');
	const maxTokens = input.maxTokens ?? step.decoding.maxTokens;
	if (!Number.isInteger(maxTokens) || maxTokens < 16 || maxTokens > 8192) throw new RunParamsError('max_tokens is a whole number from 16 to 8,192.', 'maxTokens');
	return {
		pipeline: 'judge',
		mode: 'quality',
		selection: input.selection,
		upToInstanceId: input.upToInstanceId,
		batch: !!input.batch,
		pollSeconds,
		steps: { 'judge/quality': { template, decoding: { ...step.decoding, maxTokens } } }
	};
}

export function readJudgeParams(stored: unknown): JudgeRunParams {
	const p = stored as Partial<JudgeRunParams> | null;
	if (!p || p.pipeline !== 'judge' || !p.steps?.['judge/quality'] || !p.selection) throw new RunParamsError('The run has no judge parameters.');
	return { pollSeconds: DEFAULT_POLL_SECONDS, batch: false, ...p } as JudgeRunParams;
}
