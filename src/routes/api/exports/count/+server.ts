import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { jsonError } from '$lib/server/http/errors';
import { requireApiRole } from '$lib/server/auth/guards';
import { countExportOffThread } from '$lib/server/exports/export';
import { parseExportParams } from '$lib/server/exports/params';
import { liveQualityEstimate } from '$lib/server/exports/quality';

/**
 * The page's live count: how many rows the request would export, the audits' estimate for them,
 * and `latent`, the progress of its latent-truth figure while that is computed in the background.
 */
export const GET: RequestHandler = async ({ url, locals }) => {
	requireApiRole(locals, 'researcher');
	try {
		const request = parseExportParams(url.searchParams);
		const counts = await countExportOffThread(request);
		return json({ counts, ...(await liveQualityEstimate(request)) });
	} catch (err) {
		return jsonError(err);
	}
};
