import type { PageServerLoad } from './$types';
import { requireUser } from '$lib/server/auth/guards';
import { reviewAuditInfo, reviewHistory } from '$lib/server/audits';
import { auditIdParam, orHttpError } from '$lib/server/audits/http';

/** The reviewer's own labels in one audit, newest first, each a link to change it. */
export const load: PageServerLoad = ({ locals, url, params }) => {
	const user = requireUser(locals, url);
	const auditId = auditIdParam(params.auditId);
	return orHttpError(() => ({ audit: reviewAuditInfo(auditId, user.id), entries: reviewHistory(auditId, user.id, { limit: 5000 }) }));
};
