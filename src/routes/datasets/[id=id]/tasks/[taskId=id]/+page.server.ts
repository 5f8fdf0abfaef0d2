import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { getDataset } from '$lib/server/datasets/datasets';
import { getTaskDetail, taskPageView } from '$lib/server/datasets/browse';

export const load: PageServerLoad = ({ locals, url, params }) => {
	requireRole(locals, 'researcher', url);
	const dataset = getDataset(Number(params.id));
	const detail = dataset ? getTaskDetail(dataset.id, Number(params.taskId)) : null;
	if (!dataset || !detail) error(404, { message: 'No such task.' });
	// Long fields come clipped; ?full=<field> (repeatable, or "all") sends a field whole.
	return { dataset: { id: dataset.id, name: dataset.name }, ...taskPageView(detail, new Set(url.searchParams.getAll('full'))) };
};
