import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { listAudits } from '$lib/server/audits';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	return { audits: listAudits() };
};
