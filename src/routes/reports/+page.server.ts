import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { listReportableAudits } from '$lib/server/reports';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	return { audits: listReportableAudits() };
};
