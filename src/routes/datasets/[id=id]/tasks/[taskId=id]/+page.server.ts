import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { datasetOrError } from '$lib/server/datasets/http';
import { getTaskDetail, taskPageView } from '$lib/server/datasets/browse';

export const load: PageServerLoad = ({ locals, url, params }) => {
	requireRole(locals, 'researcher', url);
	const dataset = datasetOrError(params.id);
	const detail = getTaskDetail(dataset.id, Number(params.taskId));
	if (!detail) error(404, { message: 'No such task.' });
	// Long fields come clipped; ?full=<field> (repeatable, or "all") sends a field whole.
	return { dataset: { id: dataset.id, name: dataset.name }, ...taskPageView(detail, new Set(url.searchParams.getAll('full'))) };
};
