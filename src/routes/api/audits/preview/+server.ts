import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { previewSample } from '$lib/server/audits';

/** What a dataset offers an audit: eligible instructions by stratum, units, models. */
export const GET: RequestHandler = ({ locals, url }) => {
	requireApiRole(locals, 'researcher');
	const datasetId = Number(url.searchParams.get('dataset'));
	if (!Number.isInteger(datasetId) || datasetId <= 0) return json({ message: 'Give ?dataset=<id>.' }, { status: 400 });
	const asked = url.searchParams.get('kind');
	const kind = asked === 'rating' || asked === 'conversation' || asked === 'pairwise' ? asked : 'quality';
	const models = url.searchParams.getAll('model');
	return json(previewSample(datasetId, { kind, includeRejected: url.searchParams.get('includeRejected') === '1', models }));
};
