import type { PageServerLoad } from './$types';
import { requireUser } from '$lib/server/auth/guards';
import { listMyAudits } from '$lib/server/audits';

export const load: PageServerLoad = ({ locals, url }) => {
	const user = requireUser(locals, url);
	return { audits: listMyAudits(user.id) };
};
