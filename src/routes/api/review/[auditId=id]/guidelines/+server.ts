import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { reviewAuditInfo } from '$lib/server/audits';
import { jsonOrError } from '$lib/server/audits/http';

/** The audit's guidelines as they are now, for a review screen told they were updated. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const user = requireApiRole(locals, 'reviewer');
	const auditId = Number(params.auditId);
	return jsonOrError(() => {
		const { guidelinesHtml, guidelinesVersion } = reviewAuditInfo(auditId, user.id);
		return { guidelinesHtml, guidelinesVersion };
	});
};
