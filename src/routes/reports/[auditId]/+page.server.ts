import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { ReportError, auditReport, listReportableAudits } from '$lib/server/reports';

export const load: PageServerLoad = ({ locals, url, params }) => {
	requireRole(locals, 'researcher', url);
	if (!/^\d+$/.test(params.auditId)) error(404, { message: 'No such audit.' });
	try {
		const report = auditReport(Number(params.auditId));
		const others = listReportableAudits()
			.filter((a) => a.kind === report.audit.kind && a.id !== report.audit.id)
			.map((a) => ({ id: a.id, name: a.name }));
		return { report, others };
	} catch (err) {
		if (err instanceof ReportError) error(err.status, { message: err.message });
		throw err;
	}
};
