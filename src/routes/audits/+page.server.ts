import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { listAudits } from '$lib/server/audits';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	const archived = url.searchParams.get('archived') === '1';
	return { archived, audits: listAudits({ archived }), archivedCount: archived ? 0 : listAudits({ archived: true }).length };
};
