import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { jsonError } from '$lib/server/http/errors';
import { requireApiRole } from '$lib/server/auth/guards';
import { startExportOffThread, type ExportManifest } from '$lib/server/exports/export';
import { parseExportParams } from '$lib/server/exports/params';
import { recentManifests } from '$lib/server/exports/recent';
import { contentDisposition } from '$lib/server/exports/http';

/**
 * An export's manifest: `?id=` gives the one of a file this user just downloaded; otherwise the
 * export parameters give the manifest of the file they would download now (the export is run
 * and its bytes counted and hashed, but not sent).
 */
export const GET: RequestHandler = async ({ url, locals }) => {
	const user = requireApiRole(locals, 'researcher');
	let manifest: ExportManifest | undefined;
	const id = url.searchParams.get('id');
	if (id) {
		manifest = recentManifests.get(id, user.id);
		if (!manifest) error(404, { message: 'That export is no longer in memory; download the manifest with the export parameters instead.' });
	} else {
		try {
			const stream = await startExportOffThread(parseExportParams(url.searchParams));
			for (const _chunk of stream.chunks()) {
				// Drained only for the byte count and checksum.
			}
			manifest = stream.manifest();
		} catch (err) {
			return jsonError(err);
		}
	}
	return new Response(JSON.stringify(manifest, null, 2) + '\n', {
		headers: {
			'content-type': 'application/json; charset=utf-8',
			'content-disposition': contentDisposition(`${manifest.file.name}.manifest.json`),
			'cache-control': 'no-store'
		}
	});
};
