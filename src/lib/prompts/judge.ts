/**
 * Prompts for a model acting as judge, and strict parsers for its replies (see judge-reply.ts
 * for the reading rules). Three kinds, each a default template in our own words over the app's
 * one audit vocabulary (audits/rubric.ts):
 * - quality: Self-Instruct's three validity questions (paper Table 2), each answered true/false
 *   with a one-sentence reason;
 * - rating: one response rated A–D on Self-Instruct's human-evaluation scale (Figure 5);
 * - pairwise: which of two responses is better, or a tie — asked twice with the order swapped
 *   (MT-Bench, Zheng et al. 2023; see judge/pairwise.ts for combining the two).
 */
import { QUALITY_QUESTIONS, QUESTION_KEYS, RATING_KEYS, RATING_LEVELS, type QuestionKey, type RatingLevel } from '../audits/rubric';
import type { ShownVerdict } from '../judge/pairwise';
import { booleanAt, choiceAt, exactKeys, readJudgeReply, stringAt, type JudgeParseResult } from './judge-reply';
import { renderTemplate, type PlaceholderSpec } from './template';

/** How an empty field is shown to the judge, so "no input" is explicit rather than a blank. */
export const EMPTY_FIELD = '(empty)';

/** A field as the judge sees it: trimmed, or EMPTY_FIELD. */
export function judgeField(text: string | null | undefined): string {
	const trimmed = (text ?? '').trim();
	return trimmed === '' ? EMPTY_FIELD : trimmed;
}

function questionList(): string {
	return QUALITY_QUESTIONS.map((q, i) => `${i + 1}. "${q.key}": ${q.text}`).join('\n');
}

/** The A–D scale as the template's {{rubric}}: the app's one definition of the levels. */
export function ratingRubric(): string {
	return RATING_LEVELS.map((level) => `${level.key} — ${level.label}: ${level.definition}`).join('\n');
}

// ─────────────────────────────── Quality (three questions) ───────────────────────────────

export const QUALITY_JUDGE_PLACEHOLDERS: readonly PlaceholderSpec[] = [
	{ name: 'instruction', required: true, description: 'the task’s instruction' },
	{ name: 'input', required: true, description: `the instance’s input ("${EMPTY_FIELD}" when it has none)` },
	{ name: 'output', required: true, description: 'the instance’s output' }
];

export const QUALITY_JUDGE_TEMPLATE = `You are reviewing one example from a dataset used to teach language models to follow instructions. Judge it as a careful expert would, answering three questions:

${questionList()}

An input of "${EMPTY_FIELD}" is appropriate when the task can be done without one.

### Instruction
{{instruction}}

### Input
{{input}}

### Output
{{output}}

Reply with one JSON object and nothing else. For each question give "valid" (true or false) and "reason" (one short sentence), in exactly this form:
{"instruction": {"valid": true, "reason": "…"}, "input": {"valid": true, "reason": "…"}, "output": {"valid": false, "reason": "…"}}`;

export interface QualityJudgeRow {
	instruction: string;
	input: string;
	output: string;
}

export function buildQualityJudgePrompt(row: QualityJudgeRow, template: string = QUALITY_JUDGE_TEMPLATE): string {
	return renderTemplate(
		template,
		{ instruction: judgeField(row.instruction), input: judgeField(row.input), output: judgeField(row.output) },
		QUALITY_JUDGE_PLACEHOLDERS
	);
}

export interface JudgeAnswer {
	valid: boolean;
	reason: string;
}

export type QualityJudgement = Record<QuestionKey, JudgeAnswer>;


export function parseQualityJudgeReply(raw: string, finishReason?: string | null): JudgeParseResult<QualityJudgement> {
	return readJudgeReply(
		raw,
		(reply) => {
			const top = exactKeys(reply, QUESTION_KEYS, '');
			const answer = (key: QuestionKey): JudgeAnswer => {
				const entry = exactKeys(top[key], ['valid', 'reason'], key);
				return { valid: booleanAt(entry, 'valid', key), reason: stringAt(entry, 'reason', key) };
			};
			return { instruction: answer('instruction'), input: answer('input'), output: answer('output') };
		},
		finishReason
	);
}

// ─────────────────────────────── Rating (A–D) ───────────────────────────────

export const RATING_JUDGE_PLACEHOLDERS: readonly PlaceholderSpec[] = [
	{ name: 'instruction', required: true, description: 'the task’s instruction' },
	{ name: 'input', required: true, description: `the task’s input ("${EMPTY_FIELD}" when it has none)` },
	{ name: 'response', required: true, description: 'the model response to rate' },
	{ name: 'rubric', required: false, description: 'the A–D scale with the definition of each level' }
];

export const RATING_JUDGE_TEMPLATE = `You are rating how well an AI assistant's response carries out a user's instruction. Use this four-level scale:

{{rubric}}

### Instruction
{{instruction}}

### Input
{{input}}

### Response
{{response}}

Judge the response on its content, not its length or style. Reply with one JSON object and nothing else, in exactly this form, "rating" being one of "A", "B", "C", "D" and "reason" one short sentence:
{"rating": "B", "reason": "…"}`;

export interface RatingJudgeRow {
	instruction: string;
	input: string;
	response: string;
}

export function buildRatingJudgePrompt(row: RatingJudgeRow, template: string = RATING_JUDGE_TEMPLATE): string {
	return renderTemplate(
		template,
		{ instruction: judgeField(row.instruction), input: judgeField(row.input), response: judgeField(row.response), rubric: ratingRubric() },
		RATING_JUDGE_PLACEHOLDERS
	);
}

export interface RatingJudgement {
	rating: RatingLevel;
	reason: string;
}

export function parseRatingJudgeReply(raw: string, finishReason?: string | null): JudgeParseResult<RatingJudgement> {
	return readJudgeReply(
		raw,
		(reply) => {
			const top = exactKeys(reply, ['rating', 'reason'], '');
			return { rating: choiceAt(top, 'rating', RATING_KEYS), reason: stringAt(top, 'reason') };
		},
		finishReason
	);
}

// ─────────────────────────────── Pairwise ───────────────────────────────

export const PAIRWISE_JUDGE_PLACEHOLDERS: readonly PlaceholderSpec[] = [
	{ name: 'instruction', required: true, description: 'the task’s instruction' },
	{ name: 'input', required: true, description: `the task’s input ("${EMPTY_FIELD}" when it has none)` },
	{ name: 'response_a', required: true, description: 'the response shown first' },
	{ name: 'response_b', required: true, description: 'the response shown second' }
];

export const PAIRWISE_JUDGE_TEMPLATE = `You are comparing two AI assistants' responses to the same user instruction. Decide which response carries out the instruction better — more helpful, correct and relevant — or whether they are equally good.

The order in which the responses appear must not influence you, and neither must their length or the assistants' names. Judge the content.

### Instruction
{{instruction}}

### Input
{{input}}

### Response A
{{response_a}}

### Response B
{{response_b}}

Reply with one JSON object and nothing else, in exactly this form, "verdict" being "A", "B" or "tie" and "reason" one short sentence:
{"verdict": "A", "reason": "…"}`;

export interface PairwiseJudgeRow {
	instruction: string;
	input: string;
	/** The pair in its own order: judged once as (first, second) and once as (second, first). */
	first: string;
	second: string;
}

export function buildPairwiseJudgePrompt(
	row: { instruction: string; input: string; responseA: string; responseB: string },
	template: string = PAIRWISE_JUDGE_TEMPLATE
): string {
	return renderTemplate(
		template,
		{
			instruction: judgeField(row.instruction),
			input: judgeField(row.input),
			response_a: judgeField(row.responseA),
			response_b: judgeField(row.responseB)
		},
		PAIRWISE_JUDGE_PLACEHOLDERS
	);
}

/** The two prompts of a pair: `original` shows first as A, `swapped` shows second as A. */
export function buildSwappedPairwisePrompts(row: PairwiseJudgeRow, template: string = PAIRWISE_JUDGE_TEMPLATE): { original: string; swapped: string } {
	return {
		original: buildPairwiseJudgePrompt({ instruction: row.instruction, input: row.input, responseA: row.first, responseB: row.second }, template),
		swapped: buildPairwiseJudgePrompt({ instruction: row.instruction, input: row.input, responseA: row.second, responseB: row.first }, template)
	};
}

export interface PairwiseJudgement {
	/** In the labels shown: A is the response shown first in this prompt. */
	verdict: ShownVerdict;
	reason: string;
}

const SHOWN_VERDICTS: readonly ShownVerdict[] = ['A', 'B', 'tie'];

export function parsePairwiseJudgeReply(raw: string, finishReason?: string | null): JudgeParseResult<PairwiseJudgement> {
	return readJudgeReply(
		raw,
		(reply) => {
			const top = exactKeys(reply, ['verdict', 'reason'], '');
			return { verdict: choiceAt(top, 'verdict', SHOWN_VERDICTS), reason: stringAt(top, 'reason') };
		},
		finishReason
	);
}
