import type { RequestHandler } from './$types';
import { jsonError } from '$lib/server/http/errors';
import { requireApiRole } from '$lib/server/auth/guards';
import { startExportOffThread } from '$lib/server/exports/export';
import { parseExportParams } from '$lib/server/exports/params';
import { recentManifests } from '$lib/server/exports/recent';
import { contentDisposition } from '$lib/server/exports/http';
import { otherRequestsFirst } from '$lib/server/http/stream';

/**
 * The export file, streamed as it is written: the first bytes leave before the last rows are
 * read. Headers carry the export's id (for its manifest), the row count and a size estimate so
 * the page can show progress.
 */
export const GET: RequestHandler = async ({ url, locals }) => {
	const user = requireApiRole(locals, 'researcher');
	let stream;
	try {
		stream = await startExportOffThread(parseExportParams(url.searchParams));
	} catch (err) {
		return jsonError(err);
	}
	const chunks = stream.chunks();
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			await otherRequestsFirst();
			try {
				const next = chunks.next();
				if (next.done) {
					recentManifests.remember(stream.id, user.id, stream.manifest());
					controller.close();
				} else controller.enqueue(next.value);
			} catch (err) {
				stream.close();
				controller.error(err);
			}
		},
		cancel() {
			chunks.return(undefined);
		}
	});
	return new Response(body, {
		headers: {
			'content-type': stream.format.mimeType,
			'content-disposition': contentDisposition(stream.fileName),
			'cache-control': 'no-store',
			'x-export-id': stream.id,
			'x-export-rows': String(stream.counts.rows),
			'x-export-estimated-bytes': String(stream.estimatedBytes)
		}
	});
};
