import { z } from 'zod';
import { MAX_COMMENT_LENGTH } from './answers';
import { PAIR_CHOICE_KEYS, REASON_KEYS, RATING_KEYS, type PairChoice } from './rubric';

/**
 * What the server accepts as a submitted answer or a saved draft (answers.ts holds the types
 * and the rules the screen applies as the reviewer answers). Server-side only in practice: the
 * review screen builds its answers with answers.ts and never needs the schema library.
 */

const reason = z.enum(REASON_KEYS);
const rating = z.enum(RATING_KEYS);
const choice = z.enum(PAIR_CHOICE_KEYS as [PairChoice, ...PairChoice[]]);
const comment = z.string().max(MAX_COMMENT_LENGTH * 2).transform((c) => c.trim().slice(0, MAX_COMMENT_LENGTH));

/** Validates a submitted answer; the server adds the checks that need the item (response count). */
export const answerSchema = z.discriminatedUnion('kind', [
	z
		.object({
			kind: z.literal('quality'),
			instruction: z.boolean(),
			input: z.boolean(),
			output: z.boolean(),
			reason: reason.nullable(),
			comment: comment.default('')
		})
		.transform((a) => ({ ...a, reason: a.instruction && a.input && a.output ? null : a.reason }))
		.refine((a) => a.instruction && a.input && a.output ? true : a.reason !== null, {
			message: 'A "no" needs a reason.',
			path: ['reason']
		}),
	z.object({ kind: z.literal('rating'), ratings: z.array(rating).min(1).max(64), comment: comment.default('') }),
	z.object({ kind: z.literal('conversation'), turns: z.array(z.object({ valid: z.boolean(), rating })).min(1).max(500), comment: comment.default('') }),
	z.object({ kind: z.literal('pairwise'), choice, comment: comment.default('') })
]);

/** Drafts are partial by nature; the schema only bounds their shape and size. */
export const draftSchema = z.discriminatedUnion('kind', [
	z.object({
		kind: z.literal('quality'),
		answers: z.object({ instruction: z.boolean().nullable(), input: z.boolean().nullable(), output: z.boolean().nullable() }),
		reason: reason.nullable(),
		reasonChosen: z.boolean().default(false),
		comment: z.string().max(MAX_COMMENT_LENGTH * 2)
	}),
	z.object({ kind: z.literal('rating'), ratings: z.array(rating.nullable()).max(64), comment: z.string().max(MAX_COMMENT_LENGTH * 2) }),
	z.object({
		kind: z.literal('conversation'),
		turns: z.array(z.object({ valid: z.boolean().nullable(), rating: rating.nullable() })).max(500),
		comment: z.string().max(MAX_COMMENT_LENGTH * 2)
	}),
	z.object({ kind: z.literal('pairwise'), choice: choice.nullable(), comment: z.string().max(MAX_COMMENT_LENGTH * 2) })
]);

