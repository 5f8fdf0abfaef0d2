/**
 * Template sets: one JSON file holding every step's template and decoding, so a team can run
 * with a paper's exact wording (or its own) and share it. Loaded on the new-run page and with
 * `generate --templates <file>`, exported from any run. Pure: parses and validates text.
 *
 * {
 *   "format": "instruct-audit/template-set", "version": 1, "name": "…",
 *   "steps": { "alpaca/generation": { "template": "…", "decoding": { "maxTokens": 3072, … } }, … }
 * }
 */
import { DomainError } from '$lib/errors';
import type { DecodingParams } from './decoding';
import { isPromptStepId, PROMPT_STEPS, PROMPT_STEP_IDS, validateStepTemplate, type PromptStepId } from './steps';

export const TEMPLATE_SET_FORMAT = 'instruct-audit/template-set';

const DECODING_KEYS = ['maxTokens', 'temperature', 'topP', 'frequencyPenalty', 'presencePenalty', 'stop'] as const;
type DecodingKey = (typeof DECODING_KEYS)[number];

export interface TemplateSetStep {
	template?: string;
	decoding?: Partial<DecodingParams>;
}

export interface TemplateSet {
	format: typeof TEMPLATE_SET_FORMAT;
	version: 1;
	name?: string;
	steps: Partial<Record<PromptStepId, TemplateSetStep>>;
}

export class TemplateSetError extends DomainError {
	constructor(readonly problems: string[], where = 'The template set') {
		super(`${where}: ${problems.join(' ')}`, 400, 'invalid-template-set');
	}
}

/**
 * Reads a template set (JSON text or a parsed value). Every problem is reported at once, each
 * naming the step and field: an unknown step, a template missing a required placeholder or
 * using an unknown one, a decoding field that is unknown or of the wrong type.
 */
export function parseTemplateSet(input: unknown, where = 'The template set'): TemplateSet {
	let value = input;
	if (typeof input === 'string') {
		try {
			value = JSON.parse(input);
		} catch (err) {
			throw new TemplateSetError([`not valid JSON (${(err as Error).message}).`], where);
		}
	}
	const problems: string[] = [];
	if (!value || typeof value !== 'object' || Array.isArray(value)) throw new TemplateSetError(['it must be a JSON object with "steps".'], where);
	const o = value as Record<string, unknown>;
	if (o.format !== undefined && o.format !== TEMPLATE_SET_FORMAT) problems.push(`"format" must be "${TEMPLATE_SET_FORMAT}".`);
	if (o.version !== undefined && o.version !== 1) problems.push('"version" must be 1.');
	if (o.name !== undefined && typeof o.name !== 'string') problems.push('"name" must be text.');
	const steps = o.steps;
	if (!steps || typeof steps !== 'object' || Array.isArray(steps)) throw new TemplateSetError([...problems, '"steps" must be an object keyed by step id.'], where);
	const out: TemplateSet['steps'] = {};
	for (const [id, raw] of Object.entries(steps as Record<string, unknown>)) {
		if (!isPromptStepId(id)) {
			problems.push(`unknown step "${id}" (known: ${PROMPT_STEP_IDS.join(', ')}).`);
			continue;
		}
		const title = `step "${id}"`;
		if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
			problems.push(`${title} must be an object with "template" and/or "decoding".`);
			continue;
		}
		const s = raw as Record<string, unknown>;
		const step: TemplateSetStep = {};
		for (const key of Object.keys(s)) if (key !== 'template' && key !== 'decoding') problems.push(`${title}: unknown field "${key}".`);
		if (s.template !== undefined) {
			if (typeof s.template !== 'string') problems.push(`${title}: "template" must be text.`);
			else {
				const text = s.template.replace(/\r\n/g, '\n');
				for (const issue of validateStepTemplate(id, text)) problems.push(`${title} template: ${issue.message}`);
				step.template = text;
			}
		}
		if (s.decoding !== undefined) {
			if (!s.decoding || typeof s.decoding !== 'object' || Array.isArray(s.decoding)) problems.push(`${title}: "decoding" must be an object.`);
			else {
				const decoding: Record<string, unknown> = {};
				for (const [key, v] of Object.entries(s.decoding as Record<string, unknown>)) {
					if (!(DECODING_KEYS as readonly string[]).includes(key)) {
						problems.push(`${title} decoding: unknown field "${key}" (known: ${DECODING_KEYS.join(', ')}).`);
					} else if (key === 'stop') {
						if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) problems.push(`${title} decoding: "stop" must be an array of strings.`);
						else decoding.stop = v;
					} else if (typeof v !== 'number' || !Number.isFinite(v)) problems.push(`${title} decoding: "${key}" must be a number.`);
					else decoding[key as DecodingKey] = v;
				}
				step.decoding = decoding as Partial<DecodingParams>;
			}
		}
		out[id] = step;
	}
	if (problems.length) throw new TemplateSetError(problems, where);
	return { format: TEMPLATE_SET_FORMAT, version: 1, ...(typeof o.name === 'string' ? { name: o.name } : {}), steps: out };
}

/** A run's (or the defaults') steps as a template set, ready to save and share. */
export function templateSetOf(
	steps: Partial<Record<PromptStepId, { template: { text: string }; decoding: DecodingParams }>>,
	name?: string
): TemplateSet {
	const out: TemplateSet['steps'] = {};
	for (const id of PROMPT_STEP_IDS) {
		const s = steps[id];
		if (s) out[id] = { template: s.template.text, decoding: { ...s.decoding } };
	}
	return { format: TEMPLATE_SET_FORMAT, version: 1, ...(name ? { name } : {}), steps: out };
}

/** The templates and decoding overrides a run request takes, from a set. */
export function templateSetRequest(set: TemplateSet): {
	templates: Partial<Record<PromptStepId, string>>;
	decoding: Partial<Record<PromptStepId, Partial<DecodingParams>>>;
} {
	const templates: Partial<Record<PromptStepId, string>> = {};
	const decoding: Partial<Record<PromptStepId, Partial<DecodingParams>>> = {};
	for (const [id, s] of Object.entries(set.steps) as [PromptStepId, TemplateSetStep][]) {
		if (s.template !== undefined) templates[id] = s.template;
		if (s.decoding) decoding[id] = { ...s.decoding };
	}
	return { templates, decoding };
}

/** Titles of the steps a set covers, for a message ("loaded 4 steps: …"). */
export function templateSetSummary(set: TemplateSet): string {
	const ids = Object.keys(set.steps) as PromptStepId[];
	return `${set.name ? `"${set.name}": ` : ''}${ids.length} step${ids.length === 1 ? '' : 's'} (${ids.map((id) => PROMPT_STEPS[id].title).join(', ')})`;
}
