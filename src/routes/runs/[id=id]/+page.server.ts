import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { getRun, setFailedCallShare } from '$lib/server/runs/engine/run-rows';
import { RunError } from '$lib/server/runs/errors';
import { runSummary } from '$lib/server/runs/summary';
import { controlRun, runLocation, type RunControl } from '$lib/server/runs/engine/manager';
import { listCalls } from '$lib/server/runs/engine/calls';
import { runParamsView } from '$lib/server/runs/generation/view';
import { RECENT_CALLS } from './run-progress.svelte';
import { runNavSection } from '$lib/components/nav-section';

export const load: PageServerLoad = ({ locals, url, params }) => {
	requireRole(locals, 'researcher', url);
	const id = Number(params.id);
	const run = getRun(id);
	const summary = runSummary(id);
	if (!run || !summary) error(404, 'No such run.');
	return {
		summary,
		params: runParamsView(run),
		location: runLocation(id),
		recentCalls: listCalls(undefined, id, { pageSize: RECENT_CALLS }).rows,
		navSection: runNavSection(run.pipeline)
	};
};

async function act(locals: App.Locals, idParam: string, action: RunControl, options: { model?: string } = {}) {
	requireRole(locals, 'researcher');
	try {
		// A pause or cancel's acknowledgement ("Cancelling…") is for while the run is still stopping.
		return { message: controlRun(Number(idParam), action, undefined, options), stopRequest: action === 'pause' || action === 'cancel' };
	} catch (err) {
		if (err instanceof RunError) return fail(400, { error: err.message });
		throw err;
	}
}

export const actions: Actions = {
	pause: ({ locals, params }) => act(locals, params.id, 'pause'),
	resume: ({ locals, params }) => act(locals, params.id, 'resume'),
	cancel: ({ locals, params }) => act(locals, params.id, 'cancel'),
	retryFailed: async ({ locals, params, request }) => {
		const model = String((await request.formData()).get('model') ?? '').trim();
		return act(locals, params.id, 'retry-failed', model ? { model } : {});
	},
	failedShare: async ({ locals, params, request }) => {
		requireRole(locals, 'researcher');
		const raw = String((await request.formData()).get('percent') ?? '').trim();
		const percent = Number(raw);
		if (raw === '' || !Number.isFinite(percent)) return fail(400, { error: 'Give the share of failed calls allowed as a percentage, e.g. 5.', field: 'percent' });
		try {
			setFailedCallShare(Number(params.id), percent / 100);
			return { message: `The run now pauses when more than ${percent}% of its recent calls fail.` };
		} catch (err) {
			if (err instanceof RunError) return fail(400, { error: err.message, field: 'percent' });
			throw err;
		}
	}
};
