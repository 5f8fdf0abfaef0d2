import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { requireUser } from '$lib/server/auth/guards';
import { AuditError, reviewAuditInfo, reviewHistory, reviewProgress, reviewSkips, takeBackSkip } from '$lib/server/audits';
import { itemRefParam, orHttpError } from '$lib/server/audits/http';

/** Labels listed per page: a reviewer of a large audit has thousands. */
const PAGE_SIZE = 200;

/** The reviewer's own labels in one audit, newest first and paged, each a link to change it; and their skips. */
export const load: PageServerLoad = ({ locals, url, params }) => {
	const user = requireUser(locals, url);
	const auditId = Number(params.auditId);
	return orHttpError(() => {
		const progress = reviewProgress(auditId, user.id);
		const pages = Math.max(1, Math.ceil(progress.mine / PAGE_SIZE));
		const asked = Number(url.searchParams.get('page') ?? '1');
		const page = Number.isInteger(asked) ? Math.min(Math.max(1, asked), pages) : 1;
		return {
			audit: reviewAuditInfo(auditId, user.id),
			entries: reviewHistory(auditId, user.id, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
			labels: { total: progress.mine, page, pages },
			skips: reviewSkips(auditId, user.id),
			/** Items still open to this reviewer: none left, and the audit is finished for them. */
			remaining: progress.remaining
		};
	});
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
