import type { RequestHandler } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireApiRole } from '$lib/server/auth/guards';
import { auditBundleRecords, bundleFileName } from '$lib/server/bundles';
import { textDownload } from '$lib/server/http/stream';

/** The audit as a bundle (JSON Lines) for another installation: `audit import` or Audits → Import a bundle. */
export const GET: RequestHandler = ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	let records;
	try {
		records = auditBundleRecords(Number(params.id));
	} catch (err) {
		httpError(err);
	}
	const header = records[0] as { audit: { name: string } };
	// Written a piece at a time, so a large audit is never one string.
	return textDownload(
		(function* () {
			for (const record of records) yield JSON.stringify(record) + '\n';
		})(),
		{
			'content-type': 'application/x-ndjson; charset=utf-8',
			'content-disposition': `attachment; filename="${bundleFileName(Number(params.id), header.audit.name)}"`,
			'cache-control': 'no-store'
		}
	);
};
