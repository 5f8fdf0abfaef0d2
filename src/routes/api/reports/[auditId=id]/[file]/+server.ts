import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireApiRole } from '$lib/server/auth/guards';
import { textDownload } from '$lib/server/http/stream';
import { auditItemsDownload, auditReportOffThread, itemVerdictsOffThread, judgeCalibrationOffThread, labelsDownload, reportCsv } from '$lib/server/reports';

const TYPES = { json: 'application/json', csv: 'text/csv', jsonl: 'application/x-ndjson' } as const;

/**
 * The report's downloads: report.json / report.csv, labels.csv / labels.jsonl, items.csv /
 * items.jsonl. Labels and items are written a block at a time (100,000 labels are tens of MB).
 * report.json?judge=<run> adds the judge run's calibration under `judge`, as the page shows it
 * and as `report --judge --json` writes it.
 */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	requireApiRole(locals, 'researcher');
	const auditId = Number(params.auditId);
	const match = /^(report|labels|items)\.(json|csv|jsonl)$/.exec(params.file);
	if (!match || (match[1] === 'report' && match[2] === 'jsonl') || (match[1] !== 'report' && match[2] === 'json')) {
		error(404, { message: 'Downloads: report.json, report.csv, labels.csv, labels.jsonl, items.csv, items.jsonl.' });
	}
	const [, what, format] = match as unknown as [string, 'report' | 'labels' | 'items', keyof typeof TYPES];
	const judgeParam = url.searchParams.get('judge');
	const judgeRunId = judgeParam === null ? null : Number(judgeParam);
	if (judgeRunId !== null && (!Number.isInteger(judgeRunId) || judgeRunId <= 0)) error(400, { message: `judge= takes a judge run id, got "${judgeParam}".` });
	if (judgeRunId !== null && !(what === 'report' && format === 'json')) error(400, { message: 'judge= goes with report.json only.' });
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
			const body = judgeRunId === null ? report : { ...report, judge: await judgeCalibrationOffThread(auditId, judgeRunId) };
			chunks = [format === 'json' ? JSON.stringify(body, null, 2) + '\n' : reportCsv(report)].values();
		} else {
			chunks = auditItemsDownload(auditId, await itemVerdictsOffThread(auditId), format as 'csv' | 'jsonl');
		}
	} catch (err) {
		httpError(err);
	}
	return textDownload(chunks, headers);
};
