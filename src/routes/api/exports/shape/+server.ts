import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { ExportFilterError, parseWhere } from '$lib/server/exports/filters';
import { isShapeExportFormat, startShapeExport } from '$lib/server/exports/shapes';
import { contentDisposition } from '$lib/server/exports/http';
import { textDownload } from '$lib/server/http/stream';

/**
 * A whole-shape export streamed as written: ?dataset=&format=sharegpt|chat-conversations|
 * preference-pairs|superni[&task=][&ties=omit|flag][&where=…].
 */
export const GET: RequestHandler = ({ url, locals }) => {
	requireApiRole(locals, 'researcher');
	const format = url.searchParams.get('format') ?? '';
	const datasetId = Number(url.searchParams.get('dataset'));
	const task = url.searchParams.get('task');
	const ties = url.searchParams.get('ties') === 'flag' ? 'flag' : 'omit';
	let stream;
	try {
		if (!isShapeExportFormat(format)) throw new ExportFilterError(`Unknown format "${format}".`);
		if (!Number.isSafeInteger(datasetId) || datasetId <= 0) throw new ExportFilterError('Choose a dataset.');
		if (task !== null && !/^\d+$/.test(task)) throw new ExportFilterError('task: must be a task id.');
		const filters = parseWhere(url.searchParams.getAll('where').slice(0, 30));
		stream = startShapeExport({ datasetId, format, filters, ties, taskId: task === null ? undefined : Number(task) });
	} catch (err) {
		if (err instanceof ExportFilterError) return json({ message: err.message }, { status: 400 });
		throw err;
	}
	return textDownload(stream.chunks(), { 'content-type': stream.mimeType, 'content-disposition': contentDisposition(stream.fileName), 'cache-control': 'no-store' });
};
