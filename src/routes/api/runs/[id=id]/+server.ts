import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireApiRole } from '$lib/server/auth/guards';
import { runSummary } from '$lib/server/runs/summary';
import { controlRun } from '$lib/server/runs/engine/manager';
import { listCalls } from '$lib/server/runs/engine/calls';

/** The live progress of a run (polled by the run page); with ?recentCalls=N, also its N latest calls (at most 50). */
export const GET: RequestHandler = ({ locals, params, url }) => {
	requireApiRole(locals, 'researcher');
	const id = Number(params.id);
	const summary = runSummary(id);
	if (!summary) error(404, 'No such run.');
	const recent = Number(url.searchParams.get('recentCalls') ?? 0);
	const body = Number.isInteger(recent) && recent > 0 ? { ...summary, recentCalls: listCalls(undefined, id, { pageSize: Math.min(recent, 50) }).rows } : summary;
	return json(body, { headers: { 'cache-control': 'no-store' } });
};

/** {"action": "pause" | "resume" | "cancel" | "retry-failed", "model"?: string (retry-failed only)} */
export const POST: RequestHandler = async ({ locals, params, request }) => {
	requireApiRole(locals, 'researcher');
	const id = Number(params.id);
	const body = (await request.json().catch(() => null)) as { action?: unknown; model?: unknown } | null;
	const action = body?.action;
	if (action !== 'pause' && action !== 'resume' && action !== 'cancel' && action !== 'retry-failed') {
		error(400, 'Send {"action": "pause" | "resume" | "cancel" | "retry-failed"}.');
	}
	const model = typeof body?.model === 'string' && body.model.trim() ? body.model.trim() : undefined;
	try {
		const message = controlRun(id, action, undefined, model ? { model } : {});
		return json({ message, run: runSummary(id) });
	} catch (err) {
		httpError(err);
	}
};
