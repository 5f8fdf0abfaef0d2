import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { listRuns } from '$lib/server/runs/summary';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	return { runs: listRuns() };
};
