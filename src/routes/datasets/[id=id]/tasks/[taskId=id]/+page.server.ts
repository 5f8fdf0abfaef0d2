import { error } from '@sveltejs/kit';
import { z } from 'zod';
import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { datasetOrError } from '$lib/server/datasets/http';
import { getTaskDetail, taskPageView } from '$lib/server/datasets/browse';
import { backToListHref } from '$lib/datasets/list-link';

const pagingSchema = z.object({
	page: z.coerce.number().int().min(1).optional().catch(undefined),
	/** A link to one instance (?instance=<id>#instance-<id>) opens the page that holds it. */
	instance: z.coerce.number().int().min(1).optional().catch(undefined)
});

export const load: PageServerLoad = ({ locals, url, params }) => {
	requireRole(locals, 'researcher', url);
	const dataset = datasetOrError(params.id);
	const paging = pagingSchema.parse(Object.fromEntries(url.searchParams));
	const detail = getTaskDetail(dataset.id, Number(params.taskId), undefined, { page: paging.page, instanceId: paging.instance });
	if (!detail) error(404, { message: 'No such task.' });
	// Long fields come clipped; ?full=<field> (repeatable, or "all") sends a field whole.
	return {
		dataset: { id: dataset.id, name: dataset.name },
		/** The list this task was opened from (its search, filters and page), or the dataset's list. */
		backHref: backToListHref(dataset.id, url.searchParams.get('from')),
		fromList: url.searchParams.has('from'),
		...taskPageView(detail, new Set(url.searchParams.getAll('full')))
	};
};
