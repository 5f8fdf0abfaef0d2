import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireApiRole } from '$lib/server/auth/guards';
import { getRun } from '$lib/server/runs/engine/run-rows';
import { runCandidateLines } from '$lib/server/runs/generation/candidates';
import { contentDisposition } from '$lib/server/exports/http';

/** Every generated instruction with its verdict, instances and similarity record, as JSON Lines. */
export const GET: RequestHandler = ({ locals, params }) => {
	requireApiRole(locals, 'researcher');
	const id = Number(params.id);
	if (!getRun(id)) error(404, 'Not found');
	const lines = runCandidateLines(id);
	const encoder = new TextEncoder();
	const body = new ReadableStream<Uint8Array>({
		pull(controller) {
			let chunk = '';
			for (let next = lines.next(); ; next = lines.next()) {
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
