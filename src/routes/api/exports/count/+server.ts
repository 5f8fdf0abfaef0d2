import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { db } from '$lib/server/db';
import { countExport, ExportFilterError } from '$lib/server/exports/export';
import { parseExportParams } from '$lib/server/exports/params';
import { estimateQuality } from '$lib/server/exports/quality';

/** The page's live count: how many rows the request would export, and the audits' estimate for them. */
export const GET: RequestHandler = ({ url, locals }) => {
	requireApiRole(locals, 'researcher');
	try {
		const request = parseExportParams(url.searchParams);
		const counts = countExport(request);
		return json({ counts, quality: estimateQuality(db().$client, request) });
	} catch (err) {
		if (err instanceof ExportFilterError) return json({ message: err.message }, { status: 400 });
		throw err;
	}
};
