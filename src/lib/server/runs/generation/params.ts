/**
 * A run's parameters: every step's template and decoding, the filters, the target, with the
 * papers' values as defaults (shared PAPERS.md). Validated once when the run is created and
 * stored with it, so a run never changes when defaults or templates are edited later.
 */
import * as z from 'zod';
import {
	ALPACA_SEED_TASKS_PER_PROMPT,
	describeTemplateUse,
	PROMPT_STEPS,
	UNNATURAL_DEFAULT_REPHRASINGS,
	validateStepTemplate,
	type DecodingParams,
	type PromptStepId,
	type UnnaturalDemonstration
} from '$lib/prompts';
import { filterPreset, parseFilterConfig, type FilterConfig, type FilterPresetName } from '$lib/filters';
import type { PipelineId } from '../../db/tables';
import { RunParamsError } from '../errors';
import type { StepSettings } from '../engine/calls';
import type { RunSeedCount } from '$lib/runs/seeds';

export const SELF_INSTRUCT_STEPS = [
	'self-instruct/instruction-generation',
	'self-instruct/classification',
	'self-instruct/instances-input-first',
	'self-instruct/instances-output-first'
] as const satisfies readonly PromptStepId[];
export const UNNATURAL_STEPS = ['unnatural/core', 'unnatural/output', 'unnatural/expansion'] as const satisfies readonly PromptStepId[];
export const ALPACA_STEPS = ['alpaca/generation'] as const satisfies readonly PromptStepId[];
export type AlpacaStep = (typeof ALPACA_STEPS)[number];
export type SelfInstructStep = (typeof SELF_INSTRUCT_STEPS)[number];
export type UnnaturalStep = (typeof UNNATURAL_STEPS)[number];

export function stepsOf(pipeline: PipelineId): readonly PromptStepId[] {
	return pipeline === 'self-instruct' ? SELF_INSTRUCT_STEPS : pipeline === 'alpaca' ? ALPACA_STEPS : UNNATURAL_STEPS;
}

/** Self-Instruct shows 6 human-written and 2 machine-generated instructions per prompt. */
export const DEFAULT_SHOTS = { human: 6, machine: 2 } as const;

/**
 * A safeguard, not a paper value: instruction generation gives up once this many calls per
 * instruction still wanted have been made (a model that only repeats the pool would otherwise
 * spend forever). Typical replies yield 3–7 accepted instructions per call.
 */
export const MAX_INSTRUCTION_CALLS_PER_TARGET = 2;
export const MAX_INSTRUCTION_CALLS_MIN = 10;

export interface UnnaturalFilters {
	/** Drop generations missing instruction, input or constraints. */
	missingFields: boolean;
	/** Drop generations whose instruction is one of the prompt's demonstrations. */
	copies: boolean;
	/** Drop generations with the same instruction and input as an earlier accepted one. */
	duplicates: boolean;
}

export interface SelfInstructParams {
	pipeline: 'self-instruct';
	target: number;
	shots: { human: number; machine: number };
	steps: Record<SelfInstructStep, StepSettings>;
	filters: FilterConfig;
	/** Instruction-generation calls allowed before the run stops short of its target. */
	maxInstructionCalls: number;
	/** Seeds the random choice of shots (with each call's key). */
	randomSeed: number;
	seedSource: SeedSource;
	/**
	 * Classification-only mode (the reference's --use_clf_seed_tasks_only): only the seed tasks
	 * marked as classification are shown and make the seed pool, to grow classification tasks.
	 */
	classificationOnly?: boolean;
	/** false: no similarity records (10 most similar + mean ROUGE-L per instruction; a scan of the pool each). Default on. */
	similarityRecords?: false;
}

export interface UnnaturalParams {
	pipeline: 'unnatural';
	target: number;
	/** Template expansion: rephrasings asked for per accepted task (0 = no expansion). */
	rephrasings: number;
	steps: Record<UnnaturalStep, StepSettings>;
	filters: UnnaturalFilters;
	/** Core-generation calls allowed before the run stops short of its target. */
	maxCoreCalls: number;
	randomSeed: number;
	seedSource: SeedSource;
}

export interface AlpacaParams {
	pipeline: 'alpaca';
	target: number;
	/** Seed tasks shown per prompt (Alpaca: 3, from the seed pool only). */
	seedShots: number;
	steps: Record<AlpacaStep, StepSettings>;
	/** Instruction rules and ROUGE-L only (the Alpaca preset runs no instance rule). */
	filters: FilterConfig;
	/** Generation calls allowed before the run stops short of its target. */
	maxGenerationCalls: number;
	randomSeed: number;
	seedSource: SeedSource;
	/** As for Self-Instruct. */
	similarityRecords?: false;
}

export type RunParams = SelfInstructParams | UnnaturalParams | AlpacaParams;

export type SeedSource =
	| { kind: 'default' }
	/** merged: records that repeated an earlier record's instruction, merged into its task (instances pooled). */
	| { kind: 'file'; fileName: string; merged?: number }
	| { kind: 'dataset'; datasetId: number; datasetName: string }
	| { kind: 'custom' };

/** A Self-Instruct seed task as the run keeps it. */
export interface SeedTaskSnapshot {
	instruction: string;
	isClassification: boolean | null;
	instances: { input: string; output: string }[];
}

export type RunSeeds =
	| { kind: 'self-instruct'; tasks: SeedTaskSnapshot[] }
	| { kind: 'unnatural'; sets: UnnaturalDemonstration[][] };

/**
 * How many seeds a run could use, of those it was given: seed tasks (Self-Instruct, Alpaca) —
 * in classification-only mode only the classification ones, as its prompts and pool
 * (poolSeeds) — or seed sets of demonstrations (Unnatural Instructions). What the run page and
 * the dataset card state (seedCountText).
 */
export function runSeedCount(params: RunParams, seeds: RunSeeds): RunSeedCount {
	if (seeds.kind === 'unnatural') return { count: seeds.sets.length, given: seeds.sets.length, unit: 'sets', classificationOnly: false };
	return {
		count: poolSeeds(params, seeds).length,
		given: seeds.tasks.length,
		unit: 'tasks',
		classificationOnly: params.pipeline === 'self-instruct' && params.classificationOnly === true
	};
}

/**
 * The seed tasks a Self-Instruct or Alpaca run's ROUGE-L pool starts with, in order (a similarity
 * record's "seed:<i>" is the i-th): the classification ones only in classification-only mode.
 */
export function poolSeeds(params: RunParams, seeds: RunSeeds): SeedTaskSnapshot[] {
	if (seeds.kind !== 'self-instruct') return [];
	return params.pipeline === 'self-instruct' && params.classificationOnly ? seeds.tasks.filter((t) => t.isClassification === true) : seeds.tasks;
}

/** OpenAI's documented ranges; a server may be stricter, and says so when called. */
export const decodingSchema = z.object({
	maxTokens: z.number().int().min(1).max(131_072),
	temperature: z.number().min(0).max(2),
	topP: z.number().gt(0, 'top_p must be above 0').max(1),
	frequencyPenalty: z.number().min(-2).max(2),
	presencePenalty: z.number().min(-2).max(2),
	stop: z.array(z.string().min(1)).max(4, 'At most 4 stop sequences').optional()
});

export type DecodingOverride = Partial<z.input<typeof decodingSchema>>;

/** What a caller (form, CLI, test) asks for; everything but the pipeline and target has a default. */
export interface RunParamsRequest {
	pipeline: PipelineId;
	target: number;
	templates?: Partial<Record<PromptStepId, string>>;
	decoding?: Partial<Record<PromptStepId, DecodingOverride>>;
	/** Self-Instruct. */
	shots?: { human?: number; machine?: number };
	filterPreset?: FilterPresetName;
	/** Self-Instruct: only classification seed tasks in the prompts and the pool. */
	classificationOnly?: boolean;
	/** Self-Instruct and Alpaca: store each instruction's similarity record (default true). */
	similarityRecords?: boolean;
	/** A full filter configuration (wins over the preset). */
	filters?: unknown;
	rougeThreshold?: number;
	maxInstructionCalls?: number;
	/** Unnatural Instructions. */
	rephrasings?: number;
	unnaturalFilters?: Partial<UnnaturalFilters>;
	maxCoreCalls?: number;
	/** Alpaca. */
	seedShots?: number;
	maxGenerationCalls?: number;
	randomSeed?: number;
	seedSource?: SeedSource;
}

export const MAX_TARGET = 1_000_000;

function stepSettings(step: PromptStepId, request: RunParamsRequest): StepSettings {
	const text = request.templates?.[step];
	const template = text === undefined || text === '' ? PROMPT_STEPS[step].defaultTemplate : text.replace(/\r\n/g, '\n');
	const issues = validateStepTemplate(step, template);
	if (issues.length) {
		throw new RunParamsError(`${PROMPT_STEPS[step].title} template: ${issues.map((i) => i.message).join(' ')}`, `template:${step}`);
	}
	const defaults = PROMPT_STEPS[step].decoding;
	const merged = { ...defaults, ...(request.decoding?.[step] ?? {}) };
	const parsed = decodingSchema.safeParse({ ...merged, stop: merged.stop ? [...merged.stop] : undefined });
	if (!parsed.success) {
		const problems = parsed.error.issues.map((issue) => decodingProblem(issue, merged as Record<string, unknown>));
		throw new RunParamsError(`${PROMPT_STEPS[step].title} decoding: ${[...new Set(problems)].join('; ')}.`, `decoding:${step}`);
	}
	const decoding: DecodingParams = { ...parsed.data };
	if (!decoding.stop?.length) delete decoding.stop;
	return { template: describeTemplateUse(step, template), decoding };
}

/** The API's names of the decoding settings, as the form shows them. */
const DECODING_NAMES: Record<string, string> = {
	maxTokens: 'max_tokens',
	temperature: 'temperature',
	topP: 'top_p',
	frequencyPenalty: 'frequency_penalty',
	presencePenalty: 'presence_penalty',
	stop: 'stop sequences'
};

/** One decoding problem in words, with the value given (not the validator's own text). */
export function decodingProblem(issue: z.core.$ZodIssue, given: Record<string, unknown>): string {
	const key = String(issue.path[0] ?? '');
	const name = DECODING_NAMES[key] ?? issue.path.join('.');
	const value = given[key];
	const got = Array.isArray(value) ? ` (${value.length} given)` : value !== undefined ? ` (got ${JSON.stringify(value)})` : '';
	if (key === 'stop') {
		if (issue.code === 'too_big') return `at most ${Number(issue.maximum)} stop sequences${got}`;
		if (issue.code === 'too_small') return 'a stop sequence cannot be empty';
		return 'stop sequences are a list of texts';
	}
	switch (issue.code) {
		case 'too_big':
			return `${name} is at most ${Number(issue.maximum)}${issue.inclusive === false ? ' (not included)' : ''}${got}`;
		case 'too_small':
			return `${name} is ${issue.inclusive === false ? 'above' : 'at least'} ${Number(issue.minimum)}${got}`;
		case 'invalid_type':
			return `${name} must be ${issue.expected === 'int' ? 'a whole number' : 'a number'}${got}`;
		case 'invalid_format':
		case 'not_multiple_of':
			return `${name} must be a whole number${got}`;
		default:
			return `${name}: ${issue.message}${got}`;
	}
}

function intIn(value: number | undefined, fallback: number, min: number, max: number, field: string, what: string): number {
	const v = value ?? fallback;
	if (!Number.isInteger(v) || v < min || v > max) throw new RunParamsError(`${what} must be a whole number from ${min} to ${max}.`, field);
	return v;
}

/** The preset (or a full configuration) with the ROUGE-L threshold override applied. */
function filtersFor(request: RunParamsRequest, fallback: FilterPresetName): FilterConfig {
	let filters: FilterConfig;
	try {
		filters = request.filters !== undefined ? parseFilterConfig(request.filters) : filterPreset(request.filterPreset ?? fallback);
	} catch (err) {
		throw new RunParamsError(`Filter configuration: ${err instanceof Error ? err.message : String(err)}`, 'filters');
	}
	if (request.rougeThreshold !== undefined) {
		if (!(request.rougeThreshold >= 0 && request.rougeThreshold <= 1)) {
			throw new RunParamsError('The ROUGE-L threshold is between 0 and 1.', 'rougeThreshold');
		}
		filters = { ...filters, instruction: { ...filters.instruction, rougeL: { ...filters.instruction.rougeL, threshold: request.rougeThreshold } } };
	}
	return filters;
}

export function buildRunParams(request: RunParamsRequest): RunParams {
	const target = intIn(request.target, 0, 1, MAX_TARGET, 'target', 'The target');
	const randomSeed = intIn(request.randomSeed, 1, 0, 2 ** 32 - 1, 'randomSeed', 'The random seed');
	const seedSource = request.seedSource ?? { kind: 'default' };
	const defaultCalls = Math.max(MAX_INSTRUCTION_CALLS_MIN, MAX_INSTRUCTION_CALLS_PER_TARGET * target + MAX_INSTRUCTION_CALLS_MIN);
	if (request.pipeline === 'alpaca') {
		const steps = Object.fromEntries(ALPACA_STEPS.map((s) => [s, stepSettings(s, request)])) as Record<AlpacaStep, StepSettings>;
		return {
			pipeline: 'alpaca',
			target,
			seedShots: intIn(request.seedShots, ALPACA_SEED_TASKS_PER_PROMPT, 1, 20, 'seedShots', 'Seed tasks per prompt'),
			steps,
			filters: filtersFor(request, 'alpaca'),
			// A call yields up to 16 tasks: the default allows for a model that repeats itself a lot.
			maxGenerationCalls: intIn(request.maxGenerationCalls, Math.max(MAX_INSTRUCTION_CALLS_MIN, Math.ceil(target / 2) + MAX_INSTRUCTION_CALLS_MIN), 1, 100 * MAX_TARGET, 'maxGenerationCalls', 'The generation-call limit'),
			randomSeed,
			seedSource,
			...(request.similarityRecords === false ? { similarityRecords: false as const } : {})
		};
	}
	if (request.pipeline === 'self-instruct') {
		const steps = Object.fromEntries(SELF_INSTRUCT_STEPS.map((s) => [s, stepSettings(s, request)])) as Record<SelfInstructStep, StepSettings>;
		const filters = filtersFor(request, 'self-instruct');
		const human = intIn(request.shots?.human, DEFAULT_SHOTS.human, 0, 32, 'shots.human', 'Human shots');
		const machine = intIn(request.shots?.machine, DEFAULT_SHOTS.machine, 0, 32, 'shots.machine', 'Machine shots');
		if (human + machine < 1) throw new RunParamsError('A prompt needs at least one example instruction.', 'shots.human');
		return {
			pipeline: 'self-instruct',
			target,
			shots: { human, machine },
			steps,
			filters,
			maxInstructionCalls: intIn(
				request.maxInstructionCalls,
				defaultCalls,
				1,
				100 * MAX_TARGET,
				'maxInstructionCalls',
				'The instruction-call limit'
			),
			randomSeed,
			seedSource,
			...(request.classificationOnly ? { classificationOnly: true } : {}),
			...(request.similarityRecords === false ? { similarityRecords: false as const } : {})
		};
	}
	const steps = Object.fromEntries(UNNATURAL_STEPS.map((s) => [s, stepSettings(s, request)])) as Record<UnnaturalStep, StepSettings>;
	return {
		pipeline: 'unnatural',
		target,
		rephrasings: intIn(request.rephrasings, UNNATURAL_DEFAULT_REPHRASINGS, 0, 10, 'rephrasings', 'Rephrasings per task'),
		steps,
		filters: { missingFields: true, copies: true, duplicates: true, ...request.unnaturalFilters },
		maxCoreCalls: intIn(
			request.maxCoreCalls,
			Math.max(MAX_INSTRUCTION_CALLS_MIN, MAX_INSTRUCTION_CALLS_PER_TARGET * target + MAX_INSTRUCTION_CALLS_MIN),
			1,
			100 * MAX_TARGET,
			'maxCoreCalls',
			'The core-call limit'
		),
		randomSeed,
		seedSource
	};
}

/** The stored parameters, read back (they were validated when written). */
export function readRunParams(stored: unknown): RunParams {
	const params = stored as RunParams;
	if ((params as { pipeline?: string } | null)?.pipeline === 'judge') {
		throw new RunParamsError('This is a judge run: it has verdicts, not generated candidates or generation templates. Its verdicts are compared with an audit on the report page.');
	}
	if (!params || (params.pipeline !== 'self-instruct' && params.pipeline !== 'unnatural' && params.pipeline !== 'alpaca')) {
		throw new RunParamsError('The run has no readable parameters.');
	}
	return params;
}
