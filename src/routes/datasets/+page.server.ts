import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { db } from '$lib/server/db';
import { listDatasets } from '$lib/server/datasets/datasets';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	const archived = url.searchParams.get('archived') === '1';
	return {
		archived,
		datasets: listDatasets(db(), { archived }),
		archivedCount: archived ? 0 : listDatasets(db(), { archived: true }).length
	};
};
