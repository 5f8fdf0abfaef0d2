import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireApiRole } from '$lib/server/auth/guards';
import { runSummary } from '$lib/server/runs/summary';
import { controlRun } from '$lib/server/runs/engine/manager';

/** The live progress of a run (polled by the run page). */
export const GET: RequestHandler = ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	const summary = runSummary(Number(params.id));
	if (!summary) error(404, 'Not found');
	return json(summary, { headers: { 'cache-control': 'no-store' } });
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
