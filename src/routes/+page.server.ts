import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { requireUser, hasRole } from '$lib/server/auth/guards';
import { listDatasets } from '$lib/server/datasets/datasets';

export const load: PageServerLoad = ({ locals, url }) => {
	const user = requireUser(locals, url);
	if (!hasRole(user, 'researcher')) redirect(303, '/review');
	const datasets = listDatasets();
	return {
		datasets: datasets.slice(0, 8).map((d) => ({ id: d.id, name: d.name, tasks: d.tasks, instances: d.instances })),
		totals: {
			datasets: datasets.length,
			tasks: datasets.reduce((s, d) => s + d.tasks, 0),
			instances: datasets.reduce((s, d) => s + d.instances, 0)
		}
	};
};
