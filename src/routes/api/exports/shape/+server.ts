import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { ExportFilterError, parseWhere } from '$lib/server/exports/filters';
import { isShapeExportFormat, startShapeExport } from '$lib/server/exports/shapes';
import { contentDisposition } from '$lib/server/exports/http';
import { textDownload } from '$lib/server/http/stream';

/**
 * A whole-shape export streamed as written: ?dataset=&format=sharegpt|chat-conversations|
 * preference-pairs|superni[&task=][&ties=omit|flag][&where=…]. With `manifest=1`, the manifest of
 * the file that would be downloaded now (the export is run and its bytes counted and hashed, not
 * sent) — what the CLI writes beside the file, and where the page reads the counts it shows.
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
	if (url.searchParams.get('manifest') === '1') {
		for (const _chunk of stream.chunks()) {
			// Drained only for the counts, the byte count and the checksum.
		}
		return new Response(JSON.stringify(stream.manifest(), null, 2) + '\n', {
			headers: { 'content-type': 'application/json; charset=utf-8', 'content-disposition': contentDisposition(`${stream.fileName}.manifest.json`), 'cache-control': 'no-store' }
		});
	}
	return textDownload(stream.chunks(), { 'content-type': stream.mimeType, 'content-disposition': contentDisposition(stream.fileName), 'cache-control': 'no-store' });
};
