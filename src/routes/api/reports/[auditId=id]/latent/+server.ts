import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { latentProgress } from '$lib/server/reports';

/** The audit's background latent-truth computation: `{ progress: { done, total, startedAt } }`, or `{ progress: null }` when none is queued or running. */
export const GET: RequestHandler = async ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	return json({ progress: latentProgress({ audit: Number(params.auditId) }) }, { headers: { 'cache-control': 'no-store' } });
};
