import { DomainError } from '../errors';
import { z } from 'zod';
import { PAIR_VERDICTS, REASON_KEYS, RATING_KEYS, type ErrorReason, type PairVerdict, type RatingLevel } from './rubric';

/**
 * Gold items: instances whose right answers the researcher already knows, mixed into reviewers'
 * work to measure their accuracy. Given as JSON Lines, one item per line:
 *
 *   quality: {"instance": 123, "instruction": "yes", "input": "yes", "output": "no", "reason": "incorrect_output", "note": "…"}
 *   rating:  {"task": 45, "ratings": {"model-a": "A", "model-b": "C"}, "note": "…"}
 *   conversation: {"conversation": 7, "valid": "no", "note": "…"}  (the dialogue as a whole: every reply valid?)
 *   pairwise: {"pair": 12, "preference": "a" | "b" | "tie" | "both_bad", "note": "…"}  (in the pair's own A/B order)
 *
 * Answers may be "yes"/"no" or true/false. `reason` defaults to the taxonomy entry of the first
 * "no" and is dropped when everything is "yes".
 */

export interface QualityGold {
	kind: 'quality';
	instanceId: number;
	instruction: boolean;
	input: boolean;
	output: boolean;
	reason: ErrorReason | null;
	note: string;
}

export interface RatingGold {
	kind: 'rating';
	taskId: number;
	instanceId: number | null;
	ratings: Record<string, RatingLevel>;
	note: string;
}

/** A conversation whose verdict as a whole is known: valid when every assistant reply is. */
export interface ConversationGold {
	kind: 'conversation';
	conversationId: number;
	valid: boolean;
	note: string;
}

/** A preference pair whose verdict is known, in the pair's own A/B order (not a reviewer's screen order). */
export interface PairwiseGold {
	kind: 'pairwise';
	pairId: number;
	preference: PairVerdict;
	note: string;
}

export type GoldSpec = QualityGold | RatingGold | ConversationGold | PairwiseGold;
export type GoldKind = GoldSpec['kind'];

export class GoldParseError extends DomainError {
	constructor(
		message: string,
		readonly line: number
	) {
		super(`Gold line ${line}: ${message}`, 400, 'invalid', 'gold');
	}
}

const yesNo = z.union([z.boolean(), z.enum(['yes', 'no', 'Yes', 'No', 'YES', 'NO'])], { error: 'must be yes or no' }).transform((v) => (typeof v === 'boolean' ? v : v.toLowerCase() === 'yes'));
const id = z.number().int().positive();
const note = z.string().max(2000).default('');

const qualityLine = z.strictObject({
	instance: id,
	instruction: yesNo,
	input: yesNo,
	output: yesNo,
	reason: z.enum(REASON_KEYS).nullable().optional(),
	note
});

const ratingLine = z.strictObject({
	task: id,
	instance: id.nullable().optional(),
	ratings: z.record(z.string().min(1), z.enum(RATING_KEYS)).refine((r) => Object.keys(r).length > 0, 'needs at least one rating'),
	note
});

const conversationLine = z.strictObject({ conversation: id, valid: yesNo, note });
const pairwiseLine = z.strictObject({ pair: id, preference: z.enum(PAIR_VERDICTS), note });

const LINES = { quality: qualityLine, rating: ratingLine, conversation: conversationLine, pairwise: pairwiseLine } as const;

const FIRST_NO_REASON: [keyof Pick<QualityGold, 'instruction' | 'input' | 'output'>, ErrorReason][] = [
	['instruction', 'incomprehensible_instruction'],
	['input', 'input_mismatch'],
	['output', 'incorrect_output']
];

export const MAX_GOLD_ITEMS = 1000;

/** A refused line's first problem in words: which field, and whether it is missing or what it must be (zod's own "Invalid input" says neither). */
function issueText(issue: z.core.$ZodIssue, value: unknown): string {
	if (issue.path.length === 0) return issue.message;
	const given = issue.path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), value);
	const field = `field "${issue.path.join('.')}"`;
	if (given === undefined) return `${field} is missing`;
	if (issue.code === 'invalid_value') return `${field} must be one of ${issue.values.map(String).join(', ')}`;
	if (issue.code === 'invalid_type') return `${field} must be ${issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`}`;
	// Our own messages ("must be yes or no", "needs at least one rating") follow the field; zod's are quoted after it.
	return issue.code === 'invalid_union' || issue.code === 'custom' ? `${field} ${issue.message}` : `${field}: ${issue.message}`;
}

export function parseGold(text: string, kind: GoldKind): GoldSpec[] {
	const specs: GoldSpec[] = [];
	const lines = text.split(/\r?\n/);
	lines.forEach((raw, i) => {
		const line = raw.trim();
		if (!line) return;
		let value: unknown;
		try {
			value = JSON.parse(line);
		} catch {
			throw new GoldParseError('not valid JSON.', i + 1);
		}
		const parsed = LINES[kind].safeParse(value);
		if (!parsed.success) {
			throw new GoldParseError(issueText(parsed.error.issues[0], value), i + 1);
		}
		if (kind === 'quality') {
			const q = parsed.data as z.infer<typeof qualityLine>;
			const allYes = q.instruction && q.input && q.output;
			const reason = allYes ? null : (q.reason ?? FIRST_NO_REASON.find(([k]) => !q[k])![1]);
			specs.push({ kind, instanceId: q.instance, instruction: q.instruction, input: q.input, output: q.output, reason, note: q.note });
		} else if (kind === 'rating') {
			const r = parsed.data as z.infer<typeof ratingLine>;
			specs.push({ kind, taskId: r.task, instanceId: r.instance ?? null, ratings: r.ratings, note: r.note });
		} else if (kind === 'conversation') {
			const c = parsed.data as z.infer<typeof conversationLine>;
			specs.push({ kind, conversationId: c.conversation, valid: c.valid, note: c.note });
		} else {
			const p = parsed.data as z.infer<typeof pairwiseLine>;
			specs.push({ kind, pairId: p.pair, preference: p.preference, note: p.note });
		}
		if (specs.length > MAX_GOLD_ITEMS) throw new GoldParseError(`at most ${MAX_GOLD_ITEMS} gold items.`, i + 1);
	});
	return specs;
}
