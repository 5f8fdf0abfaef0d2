import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { getRun } from '$lib/server/runs/engine/run-rows';
import { runCandidateLines } from '$lib/server/runs/generation/candidates';
import { contentDisposition } from '$lib/server/exports/http';
import { orHttpError } from '$lib/server/http/errors';

/** Every generated instruction with its verdict, instances and similarity record, as JSON Lines. */
export const GET: RequestHandler = ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	const id = Number(params.id);
	if (!getRun(id)) error(404, 'Not found');
	const lines = runCandidateLines(id);
	// The first line is read before answering: a run that cannot be read is an error status, not a
	// 200 whose body breaks off.
	let pending: IteratorResult<string> | null = orHttpError(() => lines.next());
	const encoder = new TextEncoder();
	const body = new ReadableStream<Uint8Array>({
		pull(controller) {
			let chunk = '';
			for (let next = pending ?? lines.next(); ; next = lines.next()) {
				pending = null;
				if (next.done) {
					if (chunk) controller.enqueue(encoder.encode(chunk));
					controller.close();
					return;
				}
				chunk += next.value;
				if (chunk.length > 256 * 1024) break;
			}
			controller.enqueue(encoder.encode(chunk));
		},
		cancel() {
			lines.return(undefined);
		}
	});
	return new Response(body, {
		headers: {
			'content-type': 'application/jsonl; charset=utf-8',
			'content-disposition': contentDisposition(`run-${id}-candidates.jsonl`)
		}
	});
};
