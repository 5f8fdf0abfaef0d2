import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { jsonError } from '$lib/server/http/errors';
import { latentProgress } from '$lib/server/reports';
import { parseExportParams } from '$lib/server/exports/params';

/**
 * The background computation of a dataset's export estimate (its latent-truth figure), for the
 * count's parameters (`dataset` is the one read): `{ progress: { done, total, startedAt } }`, or
 * `{ progress: null }` when none is queued or running. The export page asks this while its
 * estimate waits, then counts again.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	requireApiRole(locals, 'researcher');
	try {
		const { datasetId } = parseExportParams(url.searchParams);
		return json({ progress: latentProgress({ dataset: datasetId }) }, { headers: { 'cache-control': 'no-store' } });
	} catch (err) {
		return jsonError(err);
	}
};
