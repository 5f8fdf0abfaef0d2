import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { z } from 'zod';
import { requireApiRole } from '$lib/server/auth/guards';
import { AuditError, reviewProgress, submitLabel } from '$lib/server/audits';
import { AUDIT_ARCHIVED, REVIEWER_REMOVED, type ReviewProgress, type SubmitResult } from '$lib/audits/views';
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
		let result: SubmitResult;
		try {
			result = submitLabel(auditId, user.id, { ref, ...parsed.data });
		} catch (err) {
			// A refusal (the audit closed meanwhile, the label changed in another tab, …) carries the
			// reviewer's counts too: the screen's may be stale.
			if (err instanceof AuditError && err.status === 409) {
				return json({ message: err.message, code: err.code, field: err.field, progress: progressOrNull(auditId, user.id) }, { status: 409 });
			}
			throw err;
		}
		if (result.outcome === 'refused') {
			const message = 'Your hold on this item had lapsed, and meanwhile other reviewers completed it or took it up (or a researcher brought earlier labels back), so there was no room left for your label and it was not counted.';
			// With the progress: the screen's counts (another tab's labels, say) follow the server's.
			return json({ message, code: 'full', result, progress: progressOrNull(auditId, user.id) }, { status: 409 });
		}
		return { result, progress: progressOrNull(auditId, user.id) };
	});
};

/**
 * The reviewer's counts after a submit, or null once a researcher has removed them from the
 * audit or archived it: a retry is answered as the original was even then (their counted label
 * stands), and must not carry the removal or archiving, which the screen would read as a lost label.
 */
function progressOrNull(auditId: number, userId: number): ReviewProgress | null {
	try {
		return reviewProgress(auditId, userId);
	} catch (err) {
		if (err instanceof AuditError && (err.code === REVIEWER_REMOVED || err.code === AUDIT_ARCHIVED)) return null;
		throw err;
	}
}
