import type { RequestHandler } from './$types';
import { z } from 'zod';
import { requireApiRole } from '$lib/server/auth/guards';
import { AuditError, skipItem } from '$lib/server/audits';
import { itemRefParam, jsonWithBody } from '$lib/server/audits/http';

const body = z.object({ reason: z.string().max(2000).default('') });

/** Skips the item: it returns to the pool and this reviewer will not get it again. */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	const user = requireApiRole(locals, 'reviewer');
	const auditId = Number(params.auditId);
	const ref = itemRefParam(params.ref);
	return jsonWithBody(request, (raw) => {
		const parsed = body.safeParse(raw);
		if (!parsed.success) throw new AuditError('Invalid request.', 400);
		skipItem(auditId, user.id, ref, parsed.data.reason);
		return { skipped: true };
	});
};
