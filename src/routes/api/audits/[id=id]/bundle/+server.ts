import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { orHttpError } from '$lib/server/http/errors';
import { textDownload } from '$lib/server/http/stream';
import { auditBundleLines, auditName, bundleFileName } from '$lib/server/bundles';

/** The audit as a bundle (JSON Lines) for another installation: `audit import` or Audits → Import a bundle. */
export const GET: RequestHandler = ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	const id = Number(params.id);
	const name = orHttpError(() => auditName(id));
	// Read and written a block at a time, so a large audit is never one string.
	return textDownload(auditBundleLines(id), {
		'content-type': 'application/x-ndjson; charset=utf-8',
		'content-disposition': `attachment; filename="${bundleFileName(id, name)}"`,
		'cache-control': 'no-store'
	});
};
