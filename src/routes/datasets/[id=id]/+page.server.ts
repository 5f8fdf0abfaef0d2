import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { hasRole, requireRole } from '$lib/server/auth/guards';
import { datasetResponseModels } from '$lib/server/datasets/datasets';
import { datasetOrError } from '$lib/server/datasets/http';
import { datasetShapeCounts, datasetStatistics } from '$lib/server/datasets/statistics';
import { listImports, listTasks, SearchError, type TaskListPage } from '$lib/server/datasets/browse';
import { getUser } from '$lib/server/auth/users';
import { archiveAction, archiveFailure } from '$lib/server/archive/http';
import {
	archiveDataset,
	datasetPurgePlan,
	datasetReviewedWork,
	deleteDataset,
	describeWork,
	purgeDataset,
	restoreDataset
} from '$lib/server/archive';

/** Longest search accepted; a longer one is refused in words rather than ignored. */
const MAX_SEARCH_LENGTH = 500;
/** The newest imports the page lists (the rest are counted). */
const IMPORTS_SHOWN = 20;

const filtersSchema = z.object({
	q: z.string().trim().optional().catch(undefined),
	classification: z.enum(['yes', 'no', 'unknown']).optional().catch(undefined),
	emptyInput: z.enum(['yes', 'no']).optional().catch(undefined),
	origin: z.enum(['seed', 'generated', 'imported']).optional().catch(undefined),
	filter: z.enum(['kept', 'rejected', 'unfiltered']).optional().catch(undefined),
	page: z.coerce.number().int().min(1).optional().catch(undefined),
	count: z.enum(['all']).optional().catch(undefined)
});

function datasetOr404(id: string) {
	return datasetOrError(id);
}

export const load: PageServerLoad = ({ locals, url, params }) => {
	const user = requireRole(locals, 'researcher', url);
	const dataset = datasetOr404(params.id);
	const filters = filtersSchema.parse(Object.fromEntries(url.searchParams));
	// A search that cannot run shows why, above an empty list, instead of failing the page.
	let searchError: string | null = null;
	let tasks: TaskListPage = { rows: [], total: 0, totalExact: true, page: 1, pageSize: 50, pages: 1 };
	if (filters.q && filters.q.length > MAX_SEARCH_LENGTH) {
		searchError = `The search is ${filters.q.length.toLocaleString('en-US')} characters long: searches are limited to ${MAX_SEARCH_LENGTH} characters, so nothing was searched. Shorten it.`;
	} else {
		try {
			tasks = listTasks(dataset.id, { ...filters, pageSize: 50 });
		} catch (err) {
			if (!(err instanceof SearchError)) throw err;
			searchError = err.message;
		}
	}
	const archived = dataset.archivedAt !== null;
	const imports = listImports(dataset.id);
	return {
		dataset,
		archivedBy: dataset.archivedBy ? (getUser(dataset.archivedBy)?.email ?? null) : null,
		filters,
		searchError,
		stats: datasetStatistics(dataset.id),
		shapes: datasetShapeCounts(dataset.id),
		tasks,
		responseModels: datasetResponseModels(dataset.id),
		imports: imports.slice(0, IMPORTS_SHOWN),
		importsTotal: imports.length,
		work: datasetReviewedWork(dataset.id).map(describeWork),
		purgePlan: archived && hasRole(user, 'admin') ? datasetPurgePlan(dataset.id) : null
	};
};

export const actions: Actions = {
	delete: async ({ locals, params, request }) => {
		requireRole(locals, 'researcher');
		const dataset = datasetOr404(params.id);
		const form = await request.formData();
		if (form.get('confirm') !== dataset.name) {
			return fail(400, { action: 'delete', error: `Type the dataset name "${dataset.name}" to confirm.` });
		}
		try {
			deleteDataset(dataset.id);
		} catch (err) {
			return archiveFailure('delete', err);
		}
		redirect(303, '/datasets');
	},
	archive: ({ locals, params }) => {
		const user = requireRole(locals, 'researcher');
		const dataset = datasetOr404(params.id);
		return archiveAction('archive', () => {
			const { audits } = archiveDataset(dataset.id, user.id);
			return `Archived${audits ? ` with its ${audits} audit(s)` : ''}: hidden from lists and read-only until restored.`;
		});
	},
	restore: ({ locals, params }) => {
		requireRole(locals, 'researcher');
		const dataset = datasetOr404(params.id);
		return archiveAction('restore', () => {
			const { audits } = restoreDataset(dataset.id);
			return `Restored${audits ? ` with ${audits} audit(s)` : ''}.`;
		});
	},
	purge: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'admin');
		const dataset = datasetOr404(params.id);
		const form = await request.formData();
		try {
			await purgeDataset(dataset.id, user, String(form.get('confirm') ?? ''));
		} catch (err) {
			return archiveFailure('purge', err);
		}
		redirect(303, '/datasets?archived=1');
	}
};
