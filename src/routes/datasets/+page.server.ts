import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { datasetsReceivingImports, listDatasets } from '$lib/server/datasets/datasets';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	const archived = url.searchParams.get('archived') === '1';
	return {
		archived,
		datasets: listDatasets(undefined, { archived }),
		receivingImports: archived ? [] : datasetsReceivingImports(),
		archivedCount: archived ? 0 : listDatasets(undefined, { archived: true }).length
	};
};
