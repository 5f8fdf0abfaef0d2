import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { heartbeat } from '$lib/server/audits';
import { jsonWithBody } from '$lib/server/audits/http';

/** The reviewer is active: renews their leases; `showing` records when an item was first on screen. */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	const user = requireApiRole(locals, 'reviewer');
	const auditId = Number(params.auditId);
	return jsonWithBody(
		request,
		(body) => {
			const showing = typeof body.showing === 'string' && /^[A-Za-z0-9_-]{12}$/.test(body.showing) ? body.showing : undefined;
			return heartbeat(auditId, user.id, showing);
		},
		1024
	);
};
