import type { RequestHandler } from './$types';
import { z } from 'zod';
import { requireApiRole } from '$lib/server/auth/guards';
import { AuditError, nextAssignment, reviewItemView, reviewProgress } from '$lib/server/audits';
import { jsonWithBody } from '$lib/server/audits/http';

const body = z.object({ exclude: z.array(z.string().max(32)).max(10).default([]) });

/** The reviewer's next item (leased to them) with the audit progress; `exclude` = refs the screen already has. */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	const user = requireApiRole(locals, 'reviewer');
	const auditId = Number(params.auditId);
	return jsonWithBody(request, (raw) => {
		const parsed = body.safeParse(raw);
		if (!parsed.success) throw new AuditError('Invalid request.', 400);
		const next = nextAssignment(auditId, user.id, { exclude: parsed.data.exclude });
		const item = next.status === 'assigned' ? reviewItemView(auditId, user.id, next.ref) : null;
		return { next, item, progress: reviewProgress(auditId, user.id) };
	});
};
