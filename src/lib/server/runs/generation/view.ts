/**
 * What the run page shows beyond the live counters: the parameters as the run stored them
 * (templates with their fingerprints, decoding, filters) and the seed pool's size.
 */
import { JUDGE_PROMPT_STEPS, PROMPT_STEPS, type PromptStepId } from '$lib/prompts';
import { blacklistText, filterConfigName, filterConfigSummary, instructionCasing } from '$lib/filters';
import { judgeStepOf, readJudgeParams } from '../judge/params';
import type { GenerationRun } from '../../db/tables';
import { seedCountText } from '$lib/runs/seeds';
import { judgeUnit } from '$lib/runs/judge-results';
import { readRunParams, runSeedCount, type RunSeeds, type SeedSource } from './params';

export interface RunStepView {
	id: PromptStepId;
	title: string;
	template: string;
	fingerprint: string;
	isDefault: boolean;
	defaultVersion: number;
	decoding: Record<string, unknown>;
}

export interface RunParamsView {
	steps: RunStepView[];
	seedSource: SeedSource;
	/** The seeds the run could use, in words (seedCountText): "5 of the 20 seed tasks (classification only)". */
	seedCount: string;
	filters: string[];
	extra: { label: string; value: string }[];
}

/** A judge run's parameters in the same shape (its one step, what it covers, live or Batch API). */
function judgeParamsView(run: Pick<GenerationRun, 'params'>): RunParamsView {
	const params = readJudgeParams(run.params);
	const step = judgeStepOf(params);
	const unit = judgeUnit(params.mode);
	return {
		steps: [
			{
				id: step.stepId as unknown as PromptStepId,
				title: JUDGE_PROMPT_STEPS[step.stepId].title,
				template: step.template.text,
				fingerprint: step.template.fingerprint,
				isDefault: step.template.isDefault,
				defaultVersion: step.template.defaultVersion,
				decoding: { ...step.decoding }
			}
		],
		seedSource: { kind: 'default' },
		seedCount: '',
		filters: [],
		extra: [
			{ label: 'Judge mode', value: { quality: 'the three validity questions per row', rating: 'an A–D rating per model response', pairwise: 'pairwise, each pair in both orders' }[params.mode] },
			{
				label: `${unit[0].toUpperCase()}${unit.slice(1)} judged`,
				value: params.selection.kind === 'audit-items' ? `the items of audit ${params.selection.auditId}` : `the whole dataset${params.selection.includeRejected ? ', rejected rows included' : ''}`
			},
			{ label: 'Calls', value: params.batch ? `OpenAI Batch API, polled every ${params.pollSeconds} s` : 'live' }
		]
	};
}

export function runParamsView(run: Pick<GenerationRun, 'params' | 'seeds'>): RunParamsView {
	if ((run.params as { pipeline?: string } | null)?.pipeline === 'judge') return judgeParamsView(run);
	const params = readRunParams(run.params);
	const steps = Object.entries(params.steps).map(([id, s]) => ({
		id: id as PromptStepId,
		title: PROMPT_STEPS[id as PromptStepId]?.title ?? id,
		template: s.template.text,
		fingerprint: s.template.fingerprint,
		isDefault: s.template.isDefault,
		defaultVersion: s.template.defaultVersion,
		decoding: { ...s.decoding }
	}));
	const seeds = run.seeds as RunSeeds;
	if (params.pipeline === 'alpaca') {
		const f = params.filters;
		return {
			steps,
			seedSource: params.seedSource,
			seedCount: seedCountText(runSeedCount(params, seeds)),
			filters: [
				filterConfigName(f),
				f.instruction.rougeL.enabled ? `ROUGE-L ≤ ${f.instruction.rougeL.threshold}` : 'no ROUGE-L',
				f.instruction.wordCount.enabled ? `${f.instruction.wordCount.min}–${f.instruction.wordCount.max} words` : '',
				f.instruction.blacklist.enabled ? blacklistText(f.instruction.blacklist.words) : '',
				Object.values(f.instance).some((r) => r.enabled) ? 'instance rules' : 'no instance rule'
			].filter(Boolean),
			extra: [
				{ label: 'Instruction casing', value: instructionCasing(f.normalize) },
				{ label: 'Seed tasks per prompt', value: String(params.seedShots) },
				{ label: 'Generation-call limit', value: String(params.maxGenerationCalls) },
				{ label: 'Random seed', value: String(params.randomSeed) }
			]
		};
	}
	if (params.pipeline === 'self-instruct') {
		const f = params.filters;
		const filters = filterConfigSummary(f);
		return {
			steps,
			seedSource: params.seedSource,
			seedCount: seedCountText(runSeedCount(params, seeds)),
			filters,
			extra: [
				{ label: 'Instruction casing', value: instructionCasing(f.normalize) },
				{ label: 'Shots per prompt', value: `${params.shots.human} seed + ${params.shots.machine} machine${params.classificationOnly ? ' (classification seed tasks only)' : ''}` },
				{ label: 'Instruction-call limit', value: String(params.maxInstructionCalls) },
				{ label: 'Random seed', value: String(params.randomSeed) }
			]
		};
	}
	const f = params.filters;
	return {
		steps,
		seedSource: params.seedSource,
		seedCount: seedCountText(runSeedCount(params, seeds)),
		filters: [f.missingFields ? 'missing fields' : '', f.copies ? 'copies of demonstrations' : '', f.duplicates ? 'duplicates' : ''].filter(Boolean),
		extra: [
			{ label: 'Rephrasings per task', value: String(params.rephrasings) },
			{ label: 'Core-call limit', value: String(params.maxCoreCalls) },
			{ label: 'Random seed', value: String(params.randomSeed) }
		]
	};
}
