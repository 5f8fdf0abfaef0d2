import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { listDatasets } from '$lib/server/datasets/datasets';
import { FORMATS } from '$lib/formats';
import { config } from '$lib/server/config';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'researcher', url);
	return {
		datasets: listDatasets().map((d) => ({ id: d.id, name: d.name })),
		formats: FORMATS.filter((f) => f.importable).map((f) => ({ id: f.id, label: f.label, description: f.description })),
		maxBytes: config().maxImportBytes,
		preselected: url.searchParams.get('dataset') ?? ''
	};
};
