import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { requireUser } from '$lib/server/auth/guards';
import { AuditError, reviewAuditInfo, reviewHistory, reviewProgress, reviewSkips, takeBackSkip } from '$lib/server/audits';
import { itemRefParam, orHttpError } from '$lib/server/audits/http';

/** The reviewer's own labels in one audit, newest first, each a link to change it; and their skips. */
export const load: PageServerLoad = ({ locals, url, params }) => {
	const user = requireUser(locals, url);
	const auditId = Number(params.auditId);
	return orHttpError(() => ({
		audit: reviewAuditInfo(auditId, user.id),
		entries: reviewHistory(auditId, user.id, { limit: 5000 }),
		skips: reviewSkips(auditId, user.id),
		/** Items still open to this reviewer: none left, and the audit is finished for them. */
		remaining: reviewProgress(auditId, user.id).remaining
	}));
};

export const actions: Actions = {
	/** "Review now": take a skipped item back and open it. */
	reviewNow: async ({ locals, url, params, request }) => {
		const user = requireUser(locals, url);
		const auditId = Number(params.auditId);
		const ref = itemRefParam(String((await request.formData()).get('ref') ?? ''));
		try {
			takeBackSkip(auditId, user.id, ref);
		} catch (err) {
			if (err instanceof AuditError && err.status === 409) return fail(409, { ref, message: err.message });
			return orHttpError(() => {
				throw err;
			});
		}
		redirect(303, `/review/${auditId}/items/${ref}`);
	}
};
