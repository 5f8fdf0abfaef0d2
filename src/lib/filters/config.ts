/**
 * Filter configuration: a plain JSON-serialisable object (stored with a run), validated with
 * `parseFilterConfig`. Every number of the papers' filters is a field here.
 */
import { z } from 'zod';
import { FILTER_PRESETS, filterPreset, isFilterPresetName } from './presets';

/** Names of the rules, as they appear in verdicts and funnels. */
export const INSTRUCTION_RULES = [
	'emptyInstruction',
	'wordCount',
	'blacklist',
	'forbiddenPrefix',
	'leadingPunctuation',
	'leadingNonAscii',
	'rougeL'
] as const;
export const INSTANCE_RULES = [
	'taskRejected',
	'inputEqualsOutput',
	'emptyOutput',
	'endsWithColon',
	'conflictingOutputs',
	'duplicate',
	'maxPerTask'
] as const;
/** A task whose instruction passed but none of whose instances did. */
export const TASK_RULES = ['noInstances'] as const;

export type InstructionRule = (typeof INSTRUCTION_RULES)[number];
export type InstanceRule = (typeof INSTANCE_RULES)[number];
export type FilterRule = InstructionRule | InstanceRule | (typeof TASK_RULES)[number];

/** Human labels for funnels and tables. */
export const RULE_LABELS: Record<FilterRule, string> = {
	emptyInstruction: 'Empty instruction',
	wordCount: 'Too short or too long',
	blacklist: 'Blacklisted word',
	forbiddenPrefix: 'Forbidden opening ("Write a program")',
	leadingPunctuation: 'Starts with punctuation',
	leadingNonAscii: 'Starts with a non-ASCII character',
	rougeL: 'Too similar to the pool (ROUGE-L)',
	taskRejected: 'Its instruction was rejected',
	inputEqualsOutput: 'Input identical to output',
	emptyOutput: 'Empty output',
	endsWithColon: 'Input or output ends with ":"',
	conflictingOutputs: 'Same input, different outputs (whole task)',
	duplicate: 'Exact duplicate instance',
	maxPerTask: 'Over the per-task limit',
	noInstances: 'No instance left'
};

const toggle = z.object({ enabled: z.boolean() });

export const filterConfigSchema = z.object({
	/** Preset it came from ("self-instruct", "alpaca") or a user's name for it. */
	name: z.string().min(1),
	/** What the reference does to a generated instruction before its rules. */
	normalize: z.object({
		/** re.sub(r"\s+", " ", inst) — Self-Instruct only. */
		collapseWhitespace: z.boolean(),
		/** inst.capitalize() — Self-Instruct only (makes "Write a program" case-insensitive). */
		capitalize: z.boolean()
	}),
	instruction: z.object({
		/** Kept only with min ≤ words ≤ max, words as Python's str.split() counts them. */
		wordCount: toggle.extend({ min: z.number().int().min(0), max: z.number().int().min(0) }),
		/** Whole words, case-insensitive, Python word boundaries; taken literally (the reference pastes them into a regex). */
		blacklist: toggle.extend({ words: z.array(z.string().min(1)) }),
		/** Case-sensitive prefixes of the (normalised) instruction. */
		forbiddenPrefix: toggle.extend({ prefixes: z.array(z.string().min(1)) }),
		/** First character in Python's string.punctuation. */
		leadingPunctuation: toggle,
		/** First character outside ASCII. */
		leadingNonAscii: toggle,
		/** Rejected when ROUGE-L F to some pool instruction is > threshold. */
		rougeL: toggle.extend({ threshold: z.number().min(0).max(1), topK: z.number().int().min(0) })
	}),
	instance: z.object({
		inputEqualsOutput: toggle,
		emptyOutput: toggle,
		endsWithColon: toggle,
		/** One non-empty input with different outputs: every instance of the task goes. */
		conflictingOutputs: toggle,
		duplicate: toggle,
		/** The first `max` valid instances are kept (the reference samples them at random). */
		maxPerTask: toggle.extend({ max: z.number().int().min(1) })
	})
});

export type FilterConfig = z.infer<typeof filterConfigSchema>;

/**
 * A configuration's settings in words, as a run page, an export manifest, a dataset card and the
 * command line name them: which preset ("preset self-instruct"), or that the preset's settings
 * were changed ("self-instruct, customised") or are a user's own ("custom settings "strict-v2""),
 * "ROUGE-L ≤ 0.7" or "no ROUGE-L", the word-count range, the blacklist, the per-task instance
 * limit and, unless they are a preset's unchanged, the rules that are off.
 */
export function filterConfigSummary(f: FilterConfig): string[] {
	const off = disabledRules(f).filter((rule) => rule !== 'rougeL');
	return [
		filterConfigName(f),
		f.instruction.rougeL.enabled ? `ROUGE-L ≤ ${f.instruction.rougeL.threshold}` : 'no ROUGE-L',
		f.instruction.wordCount.enabled ? `${f.instruction.wordCount.min}–${f.instruction.wordCount.max} words` : '',
		f.instruction.blacklist.enabled ? blacklistText(f.instruction.blacklist.words) : '',
		f.instance.maxPerTask.enabled ? `≤ ${f.instance.maxPerTask.max} instance${f.instance.maxPerTask.max === 1 ? '' : 's'} per task` : '',
		// A preset's own rules that are off are part of its name (Alpaca runs no instance rule).
		!isUnchangedPreset(f) && off.length ? `off: ${off.map((rule) => RULE_LABELS[rule][0].toLowerCase() + RULE_LABELS[rule].slice(1)).join('; ')}` : ''
	].filter(Boolean);
}

/**
 * What the settings are: "preset self-instruct" when they are that preset's unchanged,
 * "self-instruct, customised" when named after a preset but changed, else the user's name
 * ("custom settings "strict-v2"", with the preset it equals if it does).
 */
export function filterConfigName(f: FilterConfig): string {
	if (isFilterPresetName(f.name)) return isUnchangedPreset(f) ? `preset ${f.name}` : `${f.name}, customised`;
	const same = FILTER_PRESETS.find((name) => sameSettings(f, filterPreset(name)));
	return `custom settings "${f.name}"${same ? ` (the ${same} preset's)` : ''}`;
}

/** Whether the settings are exactly those of the preset they are named after. */
export function isUnchangedPreset(f: FilterConfig): boolean {
	return isFilterPresetName(f.name) && sameSettings(f, filterPreset(f.name));
}

function sameSettings(a: FilterConfig, b: FilterConfig): boolean {
	return JSON.stringify({ ...a, name: '' }) === JSON.stringify({ ...b, name: '' });
}

/** The instruction and instance rules a configuration leaves out, in funnel order. */
export function disabledRules(f: FilterConfig): (InstructionRule | InstanceRule)[] {
	const instruction = INSTRUCTION_RULES.filter((rule) => rule !== 'emptyInstruction' && !f.instruction[rule].enabled);
	const instance = INSTANCE_RULES.filter((rule) => rule !== 'taskRejected' && !f.instance[rule].enabled);
	return [...instruction, ...instance];
}

/** "blacklist (13 words)", "blacklist (1 word)". */
export function blacklistText(words: readonly string[]): string {
	return `blacklist (${words.length} word${words.length === 1 ? '' : 's'})`;
}

/** Validate a stored or user-given configuration; throws a ZodError naming the bad field. */
export function parseFilterConfig(value: unknown): FilterConfig {
	return filterConfigSchema.parse(value);
}

/**
 * The fields of a configuration someone wrote that no configuration has, as paths
 * ("instruction.rougeL.treshold"), in the order written. Parsing leaves them out without a word,
 * so a misspelt field would silently be its default: a file given by hand is refused instead.
 * Every field the app writes (a preset, a stored run's settings) is known.
 */
export function unknownFilterConfigFields(value: unknown): string[] {
	const unknown: string[] = [];
	const walk = (schema: z.ZodType, v: unknown, path: string[]) => {
		if (!(schema instanceof z.ZodObject) || typeof v !== 'object' || v === null || Array.isArray(v)) return;
		const shape = schema.shape as Record<string, z.ZodType>;
		for (const [key, child] of Object.entries(v)) {
			if (Object.hasOwn(shape, key)) walk(shape[key], child, [...path, key]);
			else unknown.push([...path, key].join('.'));
		}
	};
	walk(filterConfigSchema, value, []);
	return unknown;
}
