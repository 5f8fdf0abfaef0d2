import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireRole } from '$lib/server/auth/guards';
import { ESTIMATORS, type EstimatorKey } from '$lib/reports/types';
import { datasetStatistics } from '$lib/server/datasets/statistics';
import { methodsText } from '$lib/reports/methods';
import { auditMethods, auditReport, listReportableAudits, setHeadlineEstimator } from '$lib/server/reports';

export const load: PageServerLoad = ({ locals, url, params }) => {
	requireRole(locals, 'researcher', url);
	try {
		const report = auditReport(Number(params.auditId));
		const others = listReportableAudits()
			.filter((a) => a.kind === report.audit.kind && a.id !== report.audit.id)
			.map((a) => ({ id: a.id, name: a.name }));
		return { report, others, datasetStats: datasetStatistics(report.audit.datasetId), methods: methodsText(auditMethods(report)) };
	} catch (err) {
		httpError(err);
	}
};

export const actions: Actions = {
	/** The headline estimator of this audit's report (and of exports' manifests). */
	estimator: async ({ locals, params, request }) => {
		requireRole(locals, 'researcher');
		const value = String((await request.formData()).get('estimator') ?? '');
		if (value !== 'auto' && !(ESTIMATORS as readonly string[]).includes(value)) return fail(400, { estimatorError: 'Choose an estimator.' });
		try {
			setHeadlineEstimator(Number(params.auditId), value === 'auto' ? null : (value as EstimatorKey));
		} catch (err) {
			httpError(err);
		}
		return { estimatorSaved: true };
	}
};
