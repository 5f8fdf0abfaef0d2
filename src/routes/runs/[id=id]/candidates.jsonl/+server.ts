import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { getRun } from '$lib/server/runs/engine/run-rows';
import { runCandidateLines } from '$lib/server/runs/generation/candidates';
import { contentDisposition } from '$lib/server/exports/http';
import { textDownload } from '$lib/server/http/stream';

/** Every generated instruction with its verdict, instances and similarity record, as JSON Lines. */
export const GET: RequestHandler = ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	const id = Number(params.id);
	if (!getRun(id)) error(404, 'No such run.');
	return textDownload(runCandidateLines(id), {
		'content-type': 'application/jsonl; charset=utf-8',
		'content-disposition': contentDisposition(`run-${id}-candidates.jsonl`)
	});
};
