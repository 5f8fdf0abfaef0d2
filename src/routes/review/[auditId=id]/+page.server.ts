import type { PageServerLoad } from './$types';
import { requireUser } from '$lib/server/auth/guards';
import { reviewScreenData } from '$lib/server/audits';
import { orHttpError } from '$lib/server/audits/http';

/** The review screen on the reviewer's current item (leased now if they hold none). */
export const load: PageServerLoad = ({ locals, url, params }) => {
	const user = requireUser(locals, url);
	const auditId = Number(params.auditId);
	return { review: orHttpError(() => reviewScreenData(auditId, user.id, null)) };
};
