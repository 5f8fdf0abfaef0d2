import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireApiRole } from '$lib/server/auth/guards';
import { textDownload } from '$lib/server/http/stream';
import { auditItemsDownload, auditReportOffThread, itemVerdictsOffThread, labelsDownload, reportCsv } from '$lib/server/reports';

const TYPES = { json: 'application/json', csv: 'text/csv', jsonl: 'application/x-ndjson' } as const;

/**
 * The report's downloads: report.json / report.csv, labels.csv / labels.jsonl, items.csv /
 * items.jsonl. Labels and items are written a block at a time (100,000 labels are tens of MB).
 */
export const GET: RequestHandler = async ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	const auditId = Number(params.auditId);
	const match = /^(report|labels|items)\.(json|csv|jsonl)$/.exec(params.file);
	if (!match || (match[1] === 'report' && match[2] === 'jsonl') || (match[1] !== 'report' && match[2] === 'json')) {
		error(404, { message: 'Downloads: report.json, report.csv, labels.csv, labels.jsonl, items.csv, items.jsonl.' });
	}
	const [, what, format] = match as unknown as [string, 'report' | 'labels' | 'items', keyof typeof TYPES];
	const headers = {
		'content-type': `${TYPES[format]}; charset=utf-8`,
		'content-disposition': `attachment; filename="audit-${auditId}-${what}.${format}"`,
		'cache-control': 'no-store'
	};
	if (what === 'labels') return textDownload(labelsDownload(auditId, format as 'csv' | 'jsonl'), headers);
	let chunks: Iterator<string>;
	try {
		if (what === 'report') {
			const report = await auditReportOffThread(auditId);
			chunks = [format === 'json' ? JSON.stringify(report, null, 2) + '\n' : reportCsv(report)].values();
		} else {
			chunks = auditItemsDownload(auditId, await itemVerdictsOffThread(auditId), format as 'csv' | 'jsonl');
		}
	} catch (err) {
		httpError(err);
	}
	return textDownload(chunks, headers);
};
