import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { reviewItemView, reviewProgress } from '$lib/server/audits';
import { itemRefParam, jsonOrError } from '$lib/server/audits/http';

/** One of the reviewer's own items (held, or labelled earlier with their label), and their progress now (another tab may have moved it). */
export const GET: RequestHandler = async ({ locals, params }) => {
	const user = requireApiRole(locals, 'reviewer');
	const auditId = Number(params.auditId);
	const ref = itemRefParam(params.ref);
	return jsonOrError(() => ({ item: reviewItemView(auditId, user.id, ref), progress: reviewProgress(auditId, user.id) }));
};
