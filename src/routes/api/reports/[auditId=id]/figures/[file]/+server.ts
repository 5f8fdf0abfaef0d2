import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { ReportError, auditReportOffThread } from '$lib/server/reports';
import { auditFigures, figureFilesText, figureResponse } from '$lib/server/reports/figures';

/** A report chart as a file: quality-rates, model-ratings, rouge-sweep (.svg or .png). */
export const GET: RequestHandler = async ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	const auditId = Number(params.auditId);
	let figures;
	try {
		figures = auditFigures(await auditReportOffThread(auditId));
	} catch (err) {
		if (err instanceof ReportError) error(err.status, { message: err.message });
		throw err;
	}
	return figureResponse(figures, params.file, `audit-${auditId}`) ?? error(404, { message: figureFilesText(figures) });
};
