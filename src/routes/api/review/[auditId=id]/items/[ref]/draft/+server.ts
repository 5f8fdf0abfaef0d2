import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { saveDraft } from '$lib/server/audits';
import { itemRefParam, jsonWithBody } from '$lib/server/audits/http';

/** Saves the draft answer of an item the reviewer holds (and renews the lease). */
export const PUT: RequestHandler = async ({ locals, params, request }) => {
	const user = requireApiRole(locals, 'reviewer');
	const auditId = Number(params.auditId);
	const ref = itemRefParam(params.ref);
	return jsonWithBody(request, (body) => saveDraft(auditId, user.id, ref, body.draft), 16 * 1024);
};
