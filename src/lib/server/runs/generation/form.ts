/**
 * The new-run form: what it shows by default (every step's template and decoding, the seed
 * sets, the filter presets) and how a submitted form becomes a CreateRunRequest. Field names
 * are `template:<step>`, `decoding:<step>:<param>`, so one loop serves both pipelines.
 */
import { ALPACA_SEED_TASKS_PER_PROMPT, PROMPT_STEPS, type PromptStepId, UNNATURAL_DEFAULT_REPHRASINGS } from '$lib/prompts';
import { FILTER_PRESETS, filterPreset, instructionCasing, isFilterPresetName, SELF_INSTRUCT_ROUGE_L_THRESHOLD } from '$lib/filters';
import type { PipelineId } from '../../db/tables';
import type { RunEndpointChoice } from '../endpoints';
import { RunParamsError } from '../errors';
import type { CreateRunRequest, SeedChoice } from './create';
import { ALPACA_STEPS, DEFAULT_SHOTS, SELF_INSTRUCT_STEPS, UNNATURAL_STEPS, decodingProblem, decodingSchema, type DecodingOverride } from './params';
import { defaultUnnaturalSeedSets } from './seeds';

export const DECODING_FIELDS = [
	{ name: 'maxTokens', label: 'max_tokens', step: '1' },
	{ name: 'temperature', label: 'temperature', step: '0.01' },
	{ name: 'topP', label: 'top_p', step: '0.01' },
	{ name: 'frequencyPenalty', label: 'frequency_penalty', step: '0.1' },
	{ name: 'presencePenalty', label: 'presence_penalty', step: '0.1' }
] as const;

export interface StepFormDefaults {
	id: PromptStepId;
	pipeline: PipelineId;
	title: string;
	description: string;
	template: string;
	defaultVersion: number;
	placeholders: { name: string; description: string; required: boolean }[];
	decoding: Record<(typeof DECODING_FIELDS)[number]['name'], number>;
	/** Stop sequences as a JSON array (they hold newlines). */
	stop: string;
}

export function runFormDefaults() {
	const steps: StepFormDefaults[] = [...SELF_INSTRUCT_STEPS, ...UNNATURAL_STEPS, ...ALPACA_STEPS].map((id) => {
		const step = PROMPT_STEPS[id];
		return {
			id,
			pipeline: step.pipeline,
			title: step.title,
			description: step.description,
			template: step.defaultTemplate,
			defaultVersion: step.defaultVersion,
			placeholders: step.placeholders.map((p) => ({ ...p })),
			decoding: {
				maxTokens: step.decoding.maxTokens,
				temperature: step.decoding.temperature,
				topP: step.decoding.topP,
				frequencyPenalty: step.decoding.frequencyPenalty,
				presencePenalty: step.decoding.presencePenalty
			},
			stop: JSON.stringify(step.decoding.stop ?? [])
		};
	});
	return {
		steps,
		shots: { ...DEFAULT_SHOTS },
		alpacaSeedShots: ALPACA_SEED_TASKS_PER_PROMPT,
		rephrasings: UNNATURAL_DEFAULT_REPHRASINGS,
		rougeThreshold: SELF_INSTRUCT_ROUGE_L_THRESHOLD,
		filterPresets: FILTER_PRESETS.map((name) => ({ name, blacklist: filterPreset(name).instruction.blacklist.words, casing: instructionCasing(filterPreset(name).normalize) })),
		seedSets: JSON.stringify(defaultUnnaturalSeedSets(), null, 2)
	};
}

function text(form: FormData, name: string): string | undefined {
	const v = form.get(name);
	return typeof v === 'string' ? v : undefined;
}

function number(form: FormData, name: string, label: string): number | undefined {
	const raw = text(form, name)?.trim();
	if (raw === undefined || raw === '') return undefined;
	const n = Number(raw);
	if (!Number.isFinite(n)) throw new RunParamsError(`${label} must be a number.`, name);
	return n;
}

function percentShare(percent: number | undefined): number | undefined {
	if (percent === undefined) return undefined;
	if (!(percent > 0 && percent <= 100)) throw new RunParamsError('The share of failed calls allowed is a percentage above 0 and at most 100.', 'failedCallShare');
	return percent / 100;
}

function stopSequences(raw: string | undefined, field: string): string[] | undefined {
	if (raw === undefined || raw.trim() === '') return undefined;
	let parsed: unknown;
	try {
		parsed = JSON.parse(raw);
	} catch {
		throw new RunParamsError('Stop sequences are a JSON array of strings, e.g. ["\\n\\n", "16."].', field);
	}
	if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) {
		throw new RunParamsError('Stop sequences are a JSON array of strings.', field);
	}
	return parsed as string[];
}

function stepsOf(pipeline: PipelineId): readonly PromptStepId[] {
	return pipeline === 'self-instruct' ? SELF_INSTRUCT_STEPS : pipeline === 'alpaca' ? ALPACA_STEPS : UNNATURAL_STEPS;
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Every decoding field's problem on a submitted form, by its input name
 * (`decoding:<step>:<param>`): the page shows them all at once, each beside its field, where
 * creating the run would stop at the first. The same checks run again when the run is made.
 */
export function decodingFieldErrors(form: FormData): Record<string, string> {
	const pipeline = text(form, 'pipeline');
	if (pipeline !== 'self-instruct' && pipeline !== 'unnatural' && pipeline !== 'alpaca') return {};
	const errors: Record<string, string> = {};
	// Each value alone against the same schema the run is made with (the others left out).
	const fieldSchema = decodingSchema.partial();
	const check = (name: string, key: keyof DecodingOverride, read: () => unknown) => {
		try {
			const given = { [key]: read() };
			const checked = given[key] === undefined ? undefined : fieldSchema.safeParse(given);
			if (checked && !checked.success) errors[name] = `${capitalised(decodingProblem(checked.error.issues[0], given))}.`;
		} catch (err) {
			if (!(err instanceof RunParamsError)) throw err;
			errors[name] = err.message;
		}
	};
	for (const step of stepsOf(pipeline)) {
		for (const field of DECODING_FIELDS) {
			const name = `decoding:${step}:${field.name}`;
			check(name, field.name, () => number(form, name, `${PROMPT_STEPS[step].title} ${field.label}`));
		}
		const name = `decoding:${step}:stop`;
		check(name, 'stop', () => stopSequences(text(form, name), name));
	}
	return errors;
}

/** A submitted new-run form as a request; throws RunParamsError naming the field. */
export async function runRequestFromForm(
	form: FormData,
	createdBy: number | null,
	options: { endpointsExist?: boolean } = {}
): Promise<CreateRunRequest> {
	const pipeline = text(form, 'pipeline');
	if (pipeline !== 'self-instruct' && pipeline !== 'unnatural' && pipeline !== 'alpaca') throw new RunParamsError('Choose a pipeline.', 'pipeline');
	const endpointRef = text(form, 'endpoint') ?? '';
	let endpoint: RunEndpointChoice;
	if (endpointRef === 'env') endpoint = { kind: 'env' };
	else if (/^\d+$/.test(endpointRef)) endpoint = { kind: 'stored', id: Number(endpointRef) };
	else throw new RunParamsError(options.endpointsExist ? 'Choose one of the endpoints.' : 'No endpoint is configured yet: an administrator adds one under Admin → Endpoints.', 'endpoint');
	const target = number(form, 'target', 'The target');
	if (target === undefined) throw new RunParamsError('Give a target number.', 'target');

	const steps = stepsOf(pipeline);
	const templates: Partial<Record<PromptStepId, string>> = {};
	const decoding: Partial<Record<PromptStepId, DecodingOverride>> = {};
	for (const step of steps) {
		const template = text(form, `template:${step}`);
		if (template !== undefined) templates[step] = template;
		const override: DecodingOverride = {};
		for (const field of DECODING_FIELDS) {
			const v = number(form, `decoding:${step}:${field.name}`, `${PROMPT_STEPS[step].title} ${field.label}`);
			if (v !== undefined) override[field.name] = v;
		}
		const stop = stopSequences(text(form, `decoding:${step}:stop`), `decoding:${step}:stop`);
		if (stop !== undefined) override.stop = stop;
		decoding[step] = override;
	}

	const request: CreateRunRequest = {
		pipeline,
		target,
		endpoint,
		model: text(form, 'model')?.trim() || undefined,
		name: text(form, 'name')?.trim() || undefined,
		datasetName: text(form, 'datasetName')?.trim() || undefined,
		templates,
		decoding,
		randomSeed: number(form, 'randomSeed', 'The random seed'),
		failedCallShare: percentShare(number(form, 'failedCallPercent', 'The share of failed calls allowed')),
		createdBy
	};
	if (pipeline === 'self-instruct' || pipeline === 'alpaca') {
		const seedKind = text(form, 'seedSource') ?? 'default';
		let seeds: SeedChoice = { kind: 'default' };
		if (seedKind === 'file') {
			const file = form.get('seedFile');
			if (!(file instanceof File) || file.size === 0) throw new RunParamsError('Choose a seed file to upload.', 'seeds');
			seeds = { kind: 'file', fileName: file.name, content: new Uint8Array(await file.arrayBuffer()) };
		} else if (seedKind === 'dataset') {
			const id = number(form, 'seedDataset', 'The seed dataset');
			if (id === undefined) throw new RunParamsError('Choose the dataset to take seed tasks from.', 'seeds');
			seeds = { kind: 'dataset', datasetId: id };
		}
		const preset = text(form, 'filterPreset') || pipeline;
		if (!isFilterPresetName(preset)) throw new RunParamsError('Unknown filter preset.', 'filterPreset');
		Object.assign(request, {
			seeds,
			filterPreset: preset,
			rougeThreshold: number(form, 'rougeThreshold', 'The ROUGE-L threshold'),
			similarityRecords: form.get('similarityRecords') !== 'off'
		});
		if (pipeline === 'alpaca') {
			Object.assign(request, {
				seedShots: number(form, 'alpacaSeedShots', 'Seed tasks per prompt'),
				allowSeedsWithoutOutputs: form.get('allowSeedsWithoutOutputs') === 'on',
				maxGenerationCalls: number(form, 'maxGenerationCalls', 'The generation-call limit')
			});
		} else {
			Object.assign(request, {
				shots: { human: number(form, 'shotsHuman', 'Human shots'), machine: number(form, 'shotsMachine', 'Machine shots') },
				classificationOnly: form.get('classificationOnly') === 'on',
				maxInstructionCalls: number(form, 'maxInstructionCalls', 'The instruction-call limit')
			});
		}
	} else {
		Object.assign(request, {
			rephrasings: number(form, 'rephrasings', 'Rephrasings'),
			seedSets: text(form, 'seedSets'),
			unnaturalFilters: {
				missingFields: form.get('filterMissingFields') === 'on',
				copies: form.get('filterCopies') === 'on',
				duplicates: form.get('filterDuplicates') === 'on'
			},
			maxCoreCalls: number(form, 'maxCoreCalls', 'The core-call limit')
		});
	}
	return request;
}
