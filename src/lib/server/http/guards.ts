/**
 * Checks every request passes before any route code runs (called from hooks.server.ts): body
 * size, the origin of state-changing API calls. Each answers a Response to send instead, or
 * null to go on. They only look at headers, so a refused body is never read.
 */
import { json } from '@sveltejs/kit';
import { formatByteSize } from '$lib/formats/file-size';

/** Routes that stream a large body (checked against MAX_IMPORT_MB while streaming, not MAX_BODY_MB). */
export const STREAMED_UPLOAD_ROUTES: ReadonlySet<string> = new Set(['/api/datasets/import']);

const BODYLESS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SAFE_METHODS = BODYLESS;

export interface BodyLimits {
	/** Largest body of any request but a streamed upload. */
	maxBodyBytes: number;
	/** Largest streamed upload. */
	maxUploadBytes: number;
}

/**
 * A refusal in the shape the asker reads: JSON for the API, the `{type: "error"}` result a
 * progressively enhanced form expects, plain text for a browser's form post. The body stays
 * unread; scripts/serve.js discards what is still arriving for a moment, so the client reads
 * the answer, then closes the connection.
 */
export function refusal(request: Request, pathname: string, status: number, message: string): Response {
	const headers = { 'cache-control': 'no-store' };
	if (pathname.startsWith('/api/')) return json({ message }, { status, headers });
	if (request.headers.get('x-sveltekit-action') === 'true') return json({ type: 'error', error: { message } }, { status, headers });
	return new Response(message, { status, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
}

/** Refuses a body larger than the route allows, from its Content-Length, before anything reads it. */
export function checkBodySize(request: Request, pathname: string, routeId: string | null, limits: BodyLimits): Response | null {
	if (BODYLESS.has(request.method)) return null;
	const streamed = routeId !== null && STREAMED_UPLOAD_ROUTES.has(routeId);
	const limit = streamed ? limits.maxUploadBytes : limits.maxBodyBytes;
	const header = request.headers.get('content-length');
	if (header === null) {
		// A body without a length (chunked) can only be counted by reading it; only streamed uploads do that.
		if (!streamed && request.headers.has('transfer-encoding')) {
			return refusal(request, pathname, 411, 'Send the request with a Content-Length header.');
		}
		return null;
	}
	const length = Number(header);
	if (Number.isFinite(length) && length > limit) {
		const what = streamed ? `the import limit of ${formatByteSize(limit)} (MAX_IMPORT_MB)` : `the limit of ${formatByteSize(limit)} for a request (MAX_BODY_MB)`;
		return refusal(request, pathname, 413, `The request body is ${formatByteSize(length)}, more than ${what}.`);
	}
	return null;
}

/**
 * Refuses a state-changing API call sent from another origin. SvelteKit checks the origin of
 * form posts only; JSON and raw bodies (review drafts, submits, imports) are checked here. A
 * browser always sends Origin on such requests, and Sec-Fetch-Site where supported; a request
 * with neither comes from a program (the CLI, curl), not from another site's page.
 */
export function checkApiOrigin(request: Request, url: URL): Response | null {
	if (SAFE_METHODS.has(request.method) || !url.pathname.startsWith('/api/')) return null;
	const origin = request.headers.get('origin');
	const site = request.headers.get('sec-fetch-site');
	const foreign = origin !== null ? origin !== url.origin : site !== null && site !== 'same-origin';
	if (!foreign) return null;
	return json(
		{ message: `Cross-origin ${request.method} requests to the API are refused (from ${origin ?? `a ${site} page`}).` },
		{ status: 403, headers: { 'cache-control': 'no-store' } }
	);
}
