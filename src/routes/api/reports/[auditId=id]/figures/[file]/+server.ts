import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { ReportError, auditReport } from '$lib/server/reports';
import { figurePng, figureSvg } from '$lib/server/reports/figures';
import { reportFigures } from '$lib/reports/figures';

/** A report chart as a file: quality-rates.svg, quality-rates.png, model-ratings.svg, model-ratings.png. */
export const GET: RequestHandler = ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	const auditId = Number(params.auditId);
	const match = /^([a-z-]+)\.(svg|png)$/.exec(params.file);
	let figures;
	try {
		figures = reportFigures(auditReport(auditId));
	} catch (err) {
		if (err instanceof ReportError) error(err.status, { message: err.message });
		throw err;
	}
	const figure = match && figures.find((f) => f.id === match[1]);
	if (!match || !figure) error(404, { message: `Figures of this report: ${figures.flatMap((f) => [`${f.id}.svg`, `${f.id}.png`]).join(', ')}.` });
	const svg = figureSvg(figure);
	const body = match[2] === 'svg' ? svg : new Uint8Array(figurePng(svg));
	return new Response(body, {
		headers: {
			'content-type': match[2] === 'svg' ? 'image/svg+xml; charset=utf-8' : 'image/png',
			'content-disposition': `attachment; filename="audit-${auditId}-${figure.id}.${match[2]}"`,
			'cache-control': 'no-store'
		}
	});
};
