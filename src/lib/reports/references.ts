/**
 * The papers' own audit figures, shown next to an audit's rates for orientation only: they come
 * from other data, other reviewers and (for Self-Instruct) a single expert, without intervals.
 */
import type { ErrorReason } from './types';

export interface PaperReference {
	/** Short citation shown in tables. */
	source: string;
	/** What was audited, in a sentence. */
	description: string;
}

/**
 * Self-Instruct (Wang et al., 2022), Table 2: 200 random generated instructions, one random
 * instance each, judged by one expert author.
 */
export const SELF_INSTRUCT_TABLE_2 = {
	source: 'Self-Instruct, Table 2',
	description: '200 generated instructions, one instance each, one expert',
	items: 200,
	instruction: 0.92,
	input: 0.79,
	output: 0.58,
	allValid: 0.54
} as const satisfies PaperReference & Record<string, unknown>;

/**
 * Unnatural Instructions (Honovich et al., 2022), §audit: 200 random examples, 113 (56.5%) fully
 * correct; of the 87 incorrect, 9 incomprehensible instructions, 35 inputs not matching the task
 * description, 43 incorrect outputs. The paper has no "other" category.
 */
export const UNNATURAL_AUDIT = {
	source: 'Unnatural Instructions, §audit',
	description: '200 random examples',
	items: 200,
	correct: 113,
	reasons: { incomprehensible_instruction: 9, input_mismatch: 35, incorrect_output: 43, other: null } as Record<ErrorReason, number | null>
} as const satisfies PaperReference & Record<string, unknown>;
