import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { listRuns } from '$lib/server/runs/summary';

/** Every run with its counters, newest first. */
export const GET: RequestHandler = ({ locals }) => {
	requireApiRole(locals, 'researcher');
	return json(listRuns(), { headers: { 'cache-control': 'no-store' } });
};
