import type { RequestHandler } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireApiRole } from '$lib/server/auth/guards';
import { auditBundleRecords, bundleFileName } from '$lib/server/bundles';

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
	const encoder = new TextEncoder();
	let i = 0;
	// Streamed record by record, so a large audit is never one string.
	const body = new ReadableStream<Uint8Array>({
		pull(controller) {
			if (i >= records.length) return controller.close();
			controller.enqueue(encoder.encode(JSON.stringify(records[i++]) + '\n'));
		}
	});
	return new Response(body, {
		headers: {
			'content-type': 'application/x-ndjson; charset=utf-8',
			'content-disposition': `attachment; filename="${bundleFileName(Number(params.id), header.audit.name)}"`,
			'cache-control': 'no-store'
		}
	});
};
