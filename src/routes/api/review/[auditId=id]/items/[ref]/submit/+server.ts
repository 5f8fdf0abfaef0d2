import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { z } from 'zod';
import { requireApiRole } from '$lib/server/auth/guards';
import { AuditError, reviewProgress, submitLabel } from '$lib/server/audits';
import { itemRefParam, jsonWithBody } from '$lib/server/audits/http';

const body = z.object({
	submissionId: z.string().max(64),
	answer: z.unknown(),
	activeMs: z.number().finite().nonnegative().optional(),
	baseRevision: z.number().int().nonnegative().optional()
});

/**
 * Submits (or changes) the reviewer's label. Idempotent per submissionId, so the browser retries
 * freely. An answer made from an older state of the label (changed in another tab) is refused
 * with 409 "labelled-elsewhere", never written over it. A label the item no longer needs (others completed it after this lease lapsed) is
 * answered 409 with code "full"; it is kept in the submissions log.
 */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	const user = requireApiRole(locals, 'reviewer');
	const auditId = Number(params.auditId);
	const ref = itemRefParam(params.ref);
	return jsonWithBody(request, (raw) => {
		const parsed = body.safeParse(raw);
		if (!parsed.success) throw new AuditError('Invalid request.', 400);
		const result = submitLabel(auditId, user.id, { ref, ...parsed.data });
		if (result.outcome === 'refused') {
			const message = 'Your hold on this item had lapsed, and meanwhile other reviewers completed it or took it up (or a researcher brought earlier labels back), so there was no room left for your label and it was not counted.';
			// With the progress: the screen's counts (another tab's labels, say) follow the server's.
			return json({ message, code: 'full', result, progress: reviewProgress(auditId, user.id) }, { status: 409 });
		}
		return { result, progress: reviewProgress(auditId, user.id) };
	});
};
