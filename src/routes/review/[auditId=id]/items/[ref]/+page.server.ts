import type { PageServerLoad } from './$types';
import { requireUser } from '$lib/server/auth/guards';
import { reviewScreenData } from '$lib/server/audits';
import { itemRefParam, orHttpError } from '$lib/server/audits/http';

/** The review screen opened on one of the reviewer's own items; anyone else's is a 404. */
export const load: PageServerLoad = ({ locals, url, params }) => {
	const user = requireUser(locals, url);
	const auditId = Number(params.auditId);
	const ref = itemRefParam(params.ref);
	return { review: orHttpError(() => reviewScreenData(auditId, user.id, ref)) };
};
