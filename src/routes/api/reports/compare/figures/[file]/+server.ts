import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireApiRole } from '$lib/server/auth/guards';
import { compareAuditsOffThread } from '$lib/server/reports';
import { figureFilesText, figureResponse } from '$lib/server/reports/figures';
import { comparisonFigures } from '$lib/reports/figures';

/** The comparison page's chart as a file, ?a=<audit>&b=<audit>: differences.svg, differences.png. */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	requireApiRole(locals, 'researcher');
	const [a, b] = [url.searchParams.get('a') ?? '', url.searchParams.get('b') ?? ''];
	if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) error(400, { message: 'Give two audits: ?a=<id>&b=<id>.' });
	let figures;
	try {
		figures = comparisonFigures(await compareAuditsOffThread(Number(a), Number(b)));
	} catch (err) {
		httpError(err);
	}
	return figureResponse(figures, params.file, `audits-${a}-vs-${b}`) ?? error(404, { message: figureFilesText(figures) });
};
