import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { ESTIMATORS, type EstimatorKey } from '$lib/reports/types';
import { ReportError, auditFilterReport, auditReport, hasFilterReport, listReportableAudits, setHeadlineEstimator } from '$lib/server/reports';

function auditIdOf(param: string): number {
	if (!/^\d+$/.test(param)) error(404, { message: 'No such audit.' });
	return Number(param);
}

export const load: PageServerLoad = ({ locals, url, params }) => {
	requireRole(locals, 'researcher', url);
	try {
		const id = auditIdOf(params.auditId);
		const report = auditReport(id);
		// Audits stratified by filter verdict also get the filter report and the ROUGE-L sweep.
		const filters = hasFilterReport(id) ? auditFilterReport(id) : null;
		const others = listReportableAudits()
			.filter((a) => a.kind === report.audit.kind && a.id !== report.audit.id)
			.map((a) => ({ id: a.id, name: a.name }));
		return { report, others, filters };
	} catch (err) {
		if (err instanceof ReportError) error(err.status, { message: err.message });
		throw err;
	}
};

export const actions: Actions = {
	/** The headline estimator of this audit's report (and of exports' manifests). */
	estimator: async ({ locals, params, request }) => {
		requireRole(locals, 'researcher');
		const value = String((await request.formData()).get('estimator') ?? '');
		if (value !== 'auto' && !(ESTIMATORS as readonly string[]).includes(value)) return fail(400, { estimatorError: 'Choose an estimator.' });
		try {
			setHeadlineEstimator(auditIdOf(params.auditId), value === 'auto' ? null : (value as EstimatorKey));
		} catch (err) {
			if (err instanceof ReportError) error(err.status, { message: err.message });
			throw err;
		}
		return { estimatorSaved: true };
	}
};
