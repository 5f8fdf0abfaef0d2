import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireApiRole } from '$lib/server/auth/guards';
import { analysisFigureSources } from '$lib/server/analyses/figures';
import { figureFilesText, figureResponse } from '$lib/server/reports/figures';
import { analysisFigures } from '$lib/analyses/figures';

/**
 * The analyses pages' charts as files (verb-noun, rouge-to-seeds, length-instruction,
 * length-input, length-output; .svg or .png), with the query of the page they are on: the
 * /analyses page's (dataset, kept, run, where, seeds) or the side-by-side page's (s…, seeds),
 * whose ids end in the column's number (rouge-to-seeds-2.svg).
 */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	requireApiRole(locals, 'researcher');
	let figures;
	try {
		figures = analysisFigures(await analysisFigureSources(url.searchParams));
	} catch (err) {
		httpError(err);
	}
	return figureResponse(figures, params.file, 'analysis') ?? error(404, { message: figureFilesText(figures) });
};
