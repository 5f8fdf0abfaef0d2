import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { reviewHistory } from '$lib/server/audits';
import { jsonOrError } from '$lib/server/audits/http';

/** The reviewer's own labels in this audit, newest first. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const user = requireApiRole(locals, 'reviewer');
	const auditId = Number(params.auditId);
	return jsonOrError(() => ({ entries: reviewHistory(auditId, user.id) }));
};
