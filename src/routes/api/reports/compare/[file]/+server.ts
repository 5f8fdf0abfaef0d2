import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { httpError } from '$lib/server/http/errors';
import { requireApiRole } from '$lib/server/auth/guards';
import { compareAuditsOffThread, comparisonCsv } from '$lib/server/reports';

/** comparison.json / comparison.csv for ?a=<audit>&b=<audit>. */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	requireApiRole(locals, 'researcher');
	const format = params.file === 'comparison.json' ? 'json' : params.file === 'comparison.csv' ? 'csv' : null;
	if (!format) error(404, { message: 'Downloads: comparison.json, comparison.csv.' });
	const [a, b] = [url.searchParams.get('a') ?? '', url.searchParams.get('b') ?? ''];
	if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) error(400, { message: 'Give two audits: ?a=<id>&b=<id>.' });
	try {
		const comparison = await compareAuditsOffThread(Number(a), Number(b));
		return new Response(format === 'json' ? JSON.stringify(comparison, null, 2) + '\n' : comparisonCsv(comparison), {
			headers: {
				'content-type': format === 'json' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8',
				'content-disposition': `attachment; filename="audits-${a}-vs-${b}.${format}"`,
				'cache-control': 'no-store'
			}
		});
	} catch (err) {
		httpError(err);
	}
};
