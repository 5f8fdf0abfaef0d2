import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { ReportError, auditReport } from '$lib/server/reports';
import { figureFilesText, figureResponse } from '$lib/server/reports/figures';
import { reportFigures } from '$lib/reports/figures';

/** A report chart as a file: quality-rates.svg, quality-rates.png, model-ratings.svg, model-ratings.png. */
export const GET: RequestHandler = ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	const auditId = Number(params.auditId);
	let figures;
	try {
		figures = reportFigures(auditReport(auditId));
	} catch (err) {
		if (err instanceof ReportError) error(err.status, { message: err.message });
		throw err;
	}
	return figureResponse(figures, params.file, `audit-${auditId}`) ?? error(404, { message: figureFilesText(figures) });
};
