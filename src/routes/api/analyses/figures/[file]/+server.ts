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
 * whose ids end in the column's number (rouge-to-seeds-2.svg); the attachment is named after the dataset.
 */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	requireApiRole(locals, 'researcher');
	let figures, filePrefix;
	try {
		const found = await analysisFigureSources(url.searchParams);
		figures = analysisFigures(found.sources);
		filePrefix = found.filePrefix;
	} catch (err) {
		httpError(err);
	}
	// Saved under the dataset's name and id (analysis-alpaca.1-verb-noun.svg), as the CLI's --figures names them.
	return figureResponse(figures, params.file, filePrefix) ?? error(404, { message: figureFilesText(figures) });
};
