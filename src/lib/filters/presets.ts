/**
 * The filters of the two reference pipelines, as configurations.
 * Self-Instruct (Wang et al., 2022; bootstrap_instructions.py, prepare_for_finetuning.py) and
 * Alpaca (Taori et al., 2023; generate_instruction.py).
 */
import type { FilterConfig } from './config';

/** Self-Instruct keeps an instruction only if ROUGE-L ≤ 0.7 to every pool instruction. */
export const SELF_INSTRUCT_ROUGE_L_THRESHOLD = 0.7;
/** "len(inst.split()) <= 3 or len(inst.split()) > 150" is dropped: 4 to 150 words are kept. */
export const MIN_INSTRUCTION_WORDS = 4;
export const MAX_INSTRUCTION_WORDS = 150;
/** Words that make a task unsuitable for a text-only model (Self-Instruct's list). */
export const SELF_INSTRUCT_BLACKLIST = [
	'image',
	'images',
	'graph',
	'graphs',
	'picture',
	'pictures',
	'file',
	'files',
	'map',
	'maps',
	'draw',
	'plot',
	'go to'
];
/** Alpaca adds these to Self-Instruct's list. */
export const ALPACA_EXTRA_BLACKLIST = ['video', 'audio', 'music', 'flowchart', 'diagram'];
/** The model tended to prepend "Write a program" to existing instructions. */
export const FORBIDDEN_PREFIXES = ['Write a program'];
/** "We only allow max 5 instances per task." */
export const MAX_INSTANCES_PER_TASK = 5;
/** How many similar pool instructions a verdict records (the reference keeps 10). */
export const MOST_SIMILAR_KEPT = 10;

export const FILTER_PRESETS = ['self-instruct', 'alpaca'] as const;
export type FilterPresetName = (typeof FILTER_PRESETS)[number];

export function filterPreset(name: FilterPresetName): FilterConfig {
	const selfInstruct = name === 'self-instruct';
	return {
		name,
		normalize: { collapseWhitespace: selfInstruct, capitalize: selfInstruct },
		instruction: {
			wordCount: { enabled: true, min: MIN_INSTRUCTION_WORDS, max: MAX_INSTRUCTION_WORDS },
			blacklist: {
				enabled: true,
				words: selfInstruct ? [...SELF_INSTRUCT_BLACKLIST] : [...SELF_INSTRUCT_BLACKLIST, ...ALPACA_EXTRA_BLACKLIST]
			},
			forbiddenPrefix: { enabled: true, prefixes: [...FORBIDDEN_PREFIXES] },
			leadingPunctuation: { enabled: true },
			leadingNonAscii: { enabled: true },
			rougeL: { enabled: true, threshold: SELF_INSTRUCT_ROUGE_L_THRESHOLD, topK: MOST_SIMILAR_KEPT }
		},
		// Alpaca's generate_instruction.py runs no instance rule: its preset is instruction rules only.
		instance: {
			inputEqualsOutput: { enabled: selfInstruct },
			emptyOutput: { enabled: selfInstruct },
			endsWithColon: { enabled: selfInstruct },
			conflictingOutputs: { enabled: selfInstruct },
			duplicate: { enabled: selfInstruct },
			maxPerTask: { enabled: selfInstruct, max: MAX_INSTANCES_PER_TASK }
		}
	};
}

export function isFilterPresetName(name: string): name is FilterPresetName {
	return (FILTER_PRESETS as readonly string[]).includes(name);
}
