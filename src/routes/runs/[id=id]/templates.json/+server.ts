import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { getRun } from '$lib/server/runs/engine/run-rows';
import { readRunParams } from '$lib/server/runs/generation/params';
import { templateSetOf } from '$lib/prompts';
import { contentDisposition } from '$lib/server/exports/http';
import { orHttpError } from '$lib/server/http/errors';

/** The run's template set (every step's template and decoding), to load into a new run or share. */
export const GET: RequestHandler = ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	const id = Number(params.id);
	const run = getRun(id);
	if (!run) error(404, 'No such run.');
	const set = templateSetOf(orHttpError(() => readRunParams(run.params)).steps, run.name);
	return new Response(JSON.stringify(set, null, 2) + '\n', {
		headers: {
			'content-type': 'application/json; charset=utf-8',
			'content-disposition': contentDisposition(`run-${run.id}-templates.json`)
		}
	});
};
