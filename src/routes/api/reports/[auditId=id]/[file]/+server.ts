import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireApiRole } from '$lib/server/auth/guards';
import { auditReportOffThread, itemVerdicts, labelRecords, labelsCsv, labelsJsonl, loadAudit, reportCsv, verdictsCsv } from '$lib/server/reports';

const TYPES = { json: 'application/json', csv: 'text/csv', jsonl: 'application/x-ndjson' } as const;

/** The report's downloads: report.json / report.csv, labels.csv / labels.jsonl, items.csv / items.jsonl. */
export const GET: RequestHandler = async ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	const auditId = Number(params.auditId);
	const match = /^(report|labels|items)\.(json|csv|jsonl)$/.exec(params.file);
	if (!match || (match[1] === 'report' && match[2] === 'jsonl') || (match[1] !== 'report' && match[2] === 'json')) {
		error(404, { message: 'Downloads: report.json, report.csv, labels.csv, labels.jsonl, items.csv, items.jsonl.' });
	}
	const [, what, format] = match as unknown as [string, 'report' | 'labels' | 'items', keyof typeof TYPES];
	let body: string;
	try {
		if (what === 'report') {
			const report = await auditReportOffThread(auditId);
			body = format === 'json' ? JSON.stringify(report, null, 2) + '\n' : reportCsv(report);
		} else if (what === 'labels') {
			const records = labelRecords(auditId);
			body = format === 'csv' ? labelsCsv(records, loadAudit(auditId).models) : labelsJsonl(records);
		} else {
			const verdicts = itemVerdicts(auditId);
			body = format === 'csv' ? verdictsCsv(verdicts, loadAudit(auditId).models) : verdicts.map((v) => JSON.stringify(v)).join('\n') + (verdicts.length ? '\n' : '');
		}
	} catch (err) {
		httpError(err);
	}
	return new Response(body, {
		headers: {
			'content-type': `${TYPES[format]}; charset=utf-8`,
			'content-disposition': `attachment; filename="audit-${auditId}-${what}.${format}"`,
			'cache-control': 'no-store'
		}
	});
};
