/**
 * What reviewers answer. The three validity questions are Self-Instruct's audit (paper Table 2),
 * worded as in the issue; the reasons are Unnatural Instructions' error taxonomy (its audit of
 * 200 examples: incomprehensible instruction / input does not match the task / incorrect
 * output) plus "other"; the A–D levels are Self-Instruct's human evaluation scale (Figure 5),
 * defined in our own words.
 */

export const QUALITY_QUESTIONS = [
	{
		key: 'instruction',
		label: 'Instruction',
		text: 'Does the instruction describe a valid task?',
		/** The taxonomy entry a "no" here usually means (pre-selected, the reviewer can change it). */
		reasonIfNo: 'incomprehensible_instruction'
	},
	{
		key: 'input',
		label: 'Input',
		text: 'Is the input appropriate for the instruction?',
		reasonIfNo: 'input_mismatch'
	},
	{
		key: 'output',
		label: 'Output',
		text: 'Is the output a correct and acceptable response to the instruction and input?',
		reasonIfNo: 'incorrect_output'
	}
] as const;

export type QuestionKey = (typeof QUALITY_QUESTIONS)[number]['key'];

export const ERROR_REASONS = [
	{ key: 'incomprehensible_instruction', label: 'Incomprehensible instruction' },
	{ key: 'input_mismatch', label: 'Input does not match the task' },
	{ key: 'incorrect_output', label: 'Incorrect output' },
	{ key: 'other', label: 'Other' }
] as const;

export type ErrorReason = (typeof ERROR_REASONS)[number]['key'];

export const RATING_LEVELS = [
	{ key: 'A', label: 'Valid and satisfying', definition: 'The response does what the instruction asks, correctly and in full.' },
	{
		key: 'B',
		label: 'Acceptable, minor errors',
		definition: 'An acceptable response with minor errors or imperfections that are easy to fix or overlook.'
	},
	{
		key: 'C',
		label: 'Relevant, significant errors',
		definition: 'It responds to the instruction and is relevant, but its content has significant errors.'
	},
	{ key: 'D', label: 'Irrelevant or invalid', definition: 'The response is irrelevant to the instruction or completely invalid.' }
] as const;

export type RatingLevel = (typeof RATING_LEVELS)[number]['key'];

/**
 * The ratings that go with a reply judged "not valid" (not a correct and acceptable response):
 * C (significant errors) and D (irrelevant or invalid). A and B describe acceptable responses.
 */
export const RATINGS_FOR_NOT_VALID: readonly RatingLevel[] = ['C', 'D'];

/** The keys of a list of `{ key }` entries, as a tuple of literal types (what `z.enum` and Drizzle's `enum` take). */
type KeysOf<T extends readonly { key: string }[]> = { readonly [I in keyof T]: T[I] extends { key: infer K } ? K : never };
function keysOf<const T extends readonly { key: string }[]>(list: T): KeysOf<T> {
	return list.map((entry) => entry.key) as unknown as KeysOf<T>;
}

/** 'instruction', 'input', 'output', in the order reviewers answer them. */
export const QUESTION_KEYS = keysOf(QUALITY_QUESTIONS);
/** The error taxonomy's keys, in display order. */
export const REASON_KEYS = keysOf(ERROR_REASONS);
/** 'A'…'D', best first. */
export const RATING_KEYS = keysOf(RATING_LEVELS);

export function reasonLabel(key: string | null | undefined): string {
	return ERROR_REASONS.find((r) => r.key === key)?.label ?? '';
}

/** Conversation audits ask this of every assistant turn (Self-Instruct's output question, put to a reply in context). */
export const TURN_QUESTION = 'Is this reply a correct and acceptable response to the conversation so far?';

/** Conversation audits judging the dialogue as a whole ask this once, after every turn. */
export const CONVERSATION_QUESTION = 'Is this conversation, as a whole, correct and acceptable (every reply a correct and acceptable response to what came before)?';

/**
 * Where a judgement of the whole conversation is kept (audit_label_turns.position) and shown
 * (the review screen's row after the dialogue): not a turn's position.
 */
export const WHOLE_CONVERSATION_POSITION = -1;

/**
 * Pairwise preference audits: which of two responses to one prompt is better. Keys 1–4 in this
 * order; "both bad" keeps a pair where neither is acceptable out of the winner counts.
 */
export const PAIR_CHOICES = [
	{ key: 'A', label: 'A is better' },
	{ key: 'B', label: 'B is better' },
	{ key: 'tie', label: 'About the same' },
	{ key: 'both_bad', label: 'Both bad' }
] as const;

/** A stored pairwise verdict, in the pair's own A/B order (the screen's order is per reviewer). */
export const PAIR_VERDICTS = ['a', 'b', 'tie', 'both_bad'] as const;
export type PairVerdict = (typeof PAIR_VERDICTS)[number];

/** A choice as the reviewer sees it: A and B are the left and right responses on their screen. */
export type PairChoice = (typeof PAIR_CHOICES)[number]['key'];
export const PAIR_CHOICE_KEYS: readonly PairChoice[] = PAIR_CHOICES.map((c) => c.key);

export function pairChoiceLabel(key: string | null | undefined): string {
	return PAIR_CHOICES.find((c) => c.key === key)?.label ?? '';
}
