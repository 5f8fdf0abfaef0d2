import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { auditProgress } from '$lib/server/audits';
import { jsonOrError } from '$lib/server/audits/http';

/** An audit's progress and per-reviewer figures (the overview page's numbers, as JSON). */
export const GET: RequestHandler = ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	const id = Number(params.id);
	return jsonOrError(() => auditProgress(id));
};
