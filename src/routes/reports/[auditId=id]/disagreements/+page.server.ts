import { error, fail } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireRole } from '$lib/server/auth/guards';
import { RATING_KEYS, REASON_KEYS, type RatingLevel } from '$lib/audits/rubric';
import {
	MAX_ADJUDICATION_COMMENT,
	ReportError,
	clearAdjudication,
	disagreementEntry,
	listDisagreements,
	parseDisagreementFilter,
	setAdjudication,
	type AdjudicationBase,
	type AdjudicationInput
} from '$lib/server/reports';

export const load: PageServerLoad = async ({ locals, url, params }) => {
	requireRole(locals, 'researcher', url);
	const page = Number(url.searchParams.get('page') ?? '1');
	try {
		return await listDisagreements(Number(params.auditId), {
			filter: parseDisagreementFilter(url.searchParams.get('filter')),
			page: Number.isInteger(page) && page > 0 ? page : 1
		});
	} catch (err) {
		httpError(err);
	}
};

const yesNo = z.enum(['yes', 'no'], { message: 'Answer every question.' }).transform((v) => v === 'yes');
const comment = z.string().max(MAX_ADJUDICATION_COMMENT, `The comment is longer than ${MAX_ADJUDICATION_COMMENT} characters.`).optional().default('');
const itemId = z.coerce.number().int().positive();
/** The final label the form was made from: "none", or its updatedAt (see AdjudicationBase). */
const basedOn = z
	.string({ message: 'The page is out of date: reload it.' })
	.refine((v) => v === 'none' || !Number.isNaN(Date.parse(v)), 'The page is out of date: reload it.')
	.transform((v): AdjudicationBase => (v === 'none' ? null : v));
const qualityForm = z.object({
	itemId,
	kind: z.literal('quality'),
	instruction: yesNo,
	input: yesNo,
	output: yesNo,
	reason: z.union([z.enum(REASON_KEYS), z.literal('')]).optional(),
	comment
});

function adjudicationFrom(form: FormData): { itemId: number; input: AdjudicationInput } | { itemId: number | null; error: string } {
	const raw = Object.fromEntries([...form.entries()].filter((e): e is [string, string] => typeof e[1] === 'string'));
	const id = itemId.safeParse(raw.itemId);
	if (!id.success) return { itemId: null, error: 'Missing item.' };
	const base = basedOn.safeParse(raw.basedOn);
	if (!base.success) return { itemId: id.data, error: base.error.issues[0]?.message ?? 'The page is out of date: reload it.' };
	if (raw.kind === 'quality') {
		const parsed = qualityForm.safeParse(raw);
		if (!parsed.success) return { itemId: id.data, error: parsed.error.issues[0]?.message ?? 'Invalid label.' };
		const q = parsed.data;
		return {
			itemId: q.itemId,
			input: {
				kind: 'quality',
				instructionValid: q.instruction,
				inputValid: q.input,
				outputValid: q.output,
				errorReason: q.reason || null,
				comment: q.comment,
				basedOn: base.data
			}
		};
	}
	if (raw.kind === 'rating') {
		const ratings: Array<{ responseId: number; rating: RatingLevel }> = [];
		for (const [key, value] of Object.entries(raw)) {
			const match = /^rating-(\d+)$/.exec(key);
			if (!match) continue;
			if (!(RATING_KEYS as readonly string[]).includes(value)) return { itemId: id.data, error: 'Choose A, B, C or D for every response.' };
			ratings.push({ responseId: Number(match[1]), rating: value as RatingLevel });
		}
		const note = comment.safeParse(raw.comment);
		if (!note.success) return { itemId: id.data, error: note.error.issues[0]?.message ?? 'Invalid comment.' };
		return { itemId: id.data, input: { kind: 'rating', ratings, comment: note.data, basedOn: base.data } };
	}
	return { itemId: id.data, error: 'Unknown kind of label.' };
}

export const actions: Actions = {
	adjudicate: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'researcher');
		const parsed = adjudicationFrom(await request.formData());
		if ('error' in parsed) return fail(400, { itemId: parsed.itemId, error: parsed.error });
		const auditId = Number(params.auditId);
		try {
			setAdjudication(auditId, parsed.itemId, user.id, parsed.input);
		} catch (err) {
			return refused(err, auditId, parsed.itemId);
		}
		// The item as it now stands: the page keeps it in place even when the filter no longer lists it.
		return { itemId: parsed.itemId, saved: true, entry: disagreementEntry(auditId, parsed.itemId) };
	},
	clear: async ({ locals, params, request }) => {
		requireRole(locals, 'researcher');
		const form = await request.formData();
		const id = itemId.safeParse(form.get('itemId'));
		if (!id.success) return fail(400, { itemId: null, error: 'Missing item.' });
		const base = basedOn.safeParse(form.get('basedOn') ?? undefined);
		if (!base.success) return fail(400, { itemId: id.data, error: base.error.issues[0]?.message ?? 'The page is out of date: reload it.' });
		const auditId = Number(params.auditId);
		let removed: boolean;
		try {
			removed = clearAdjudication(auditId, id.data, undefined, base.data);
		} catch (err) {
			return refused(err, auditId, id.data);
		}
		if (!removed) return fail(409, { itemId: id.data, error: "This item has no final label to remove: reports already use the reviewers' majority.", entry: disagreementEntry(auditId, id.data) });
		return { itemId: id.data, cleared: true, entry: disagreementEntry(auditId, id.data) };
	}
};

/** A refused adjudication: a stale form (409) also gets the item as it now stands, to show the final label that is kept. */
function refused(err: unknown, auditId: number, itemId: number) {
	if (!(err instanceof ReportError)) throw err;
	if (err.status === 409) return fail(409, { itemId, error: err.message, entry: disagreementEntry(auditId, itemId) });
	return fail(err.status === 404 ? 404 : 400, { itemId, error: err.message });
}
