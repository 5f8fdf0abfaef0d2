import { json, type RequestEvent } from '@sveltejs/kit';
import { setTimeout as sleep } from 'node:timers/promises';
import { BUSY_RETRY_AFTER_S, BUSY_RETRY_BOUND_MS, busyBackoff, isBusyError, markWaitingWriter, markWriterServed } from '../db/busy';
import { db } from '../db';

/**
 * Request-level retry of writes that found the database busy (see db/busy.ts). A handler's
 * write fails fast with SQLITE_BUSY; handleError marks the request (`markBusy`), and
 * `retryWhileBusy` runs the request again after a short asynchronous pause — the event loop
 * serves other requests meanwhile — until `BUSY_RETRY_BOUND_MS`, then answers 503 with
 * Retry-After. A failed attempt's transaction rolled back whole, and the app's writes per request
 * are one transaction or idempotent (label submits carry a submission id), so running the
 * request again is safe. The body is kept to send again; a body too large to keep (an import
 * upload) is not retried: it is answered 503 at once.
 */

const busyRequests = new WeakSet<App.Locals>();

/** Called from handleError: this request's failure was a busy database. */
export function markBusy(event: RequestEvent, err: unknown): boolean {
	if (!isBusyError(err)) return false;
	busyRequests.add(event.locals);
	return true;
}

export async function retryWhileBusy(
	event: RequestEvent,
	handle: (event: RequestEvent) => Promise<Response>,
	options: { maxBufferedBytes: number; boundMs?: number }
): Promise<Response> {
	const { request } = event;
	const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null;
	const length = Number(request.headers.get('content-length') ?? NaN);
	const retryable = !hasBody || (Number.isFinite(length) && length <= options.maxBufferedBytes);
	const body = hasBody && retryable ? await request.arrayBuffer() : null;
	const attemptEvent = (): RequestEvent =>
		body === null ? event : { ...event, request: new Request(request.url, { method: request.method, headers: request.headers, body }) };

	// SvelteKit disables the event's cookies.set once an attempt's answer is made (the cookies
	// object is shared by every attempt's event); the next attempt makes a new answer, so it gets
	// it back. Without this a sign-in that waited for the lock failed with a 500.
	const setCookie = event.cookies.set;
	const started = Date.now();
	const bound = options.boundMs ?? BUSY_RETRY_BOUND_MS;
	for (let attempt = 1; ; attempt++) {
		busyRequests.delete(event.locals);
		event.cookies.set = setCookie;
		let response: Response | undefined;
		try {
			response = await handle(attemptEvent());
		} catch (err) {
			if (!isBusyError(err)) throw err;
		}
		if (response && !busyRequests.has(event.locals)) {
			if (attempt === 1) return response;
			// Bulk jobs deferring to this request may go on (db/busy.ts).
			markWriterServed(db().$client);
			return withBusyTiming(response, Date.now() - started, attempt - 1);
		}
		// The failed attempt's answer (an error page) is dropped; release its body.
		await response?.body?.cancel().catch(() => {});
		if (!retryable || Date.now() - started >= bound) return busyResponse(event);
		markWaitingWriter(db().$client);
		await sleep(busyBackoff(attempt));
	}
}

/** Adds the time spent waiting for the lock to Server-Timing (`busy`), so load tests can tell it from the handler's work. */
function withBusyTiming(response: Response, waitedMs: number, retries: number): Response {
	try {
		response.headers.append('server-timing', `busy;dur=${waitedMs};desc="${retries} retries"`);
	} catch {
		// immutable headers (a redirect): the timing is only a diagnostic
	}
	return response;
}

function busyResponse(event: RequestEvent): Response {
	const message = 'The database is busy with a large write; try again in a moment.';
	const headers = { 'retry-after': String(BUSY_RETRY_AFTER_S), 'cache-control': 'no-store' };
	if (event.url.pathname.startsWith('/api/') || (event.request.headers.get('accept') ?? '').includes('json')) {
		return json({ message, code: 'busy' }, { status: 503, headers });
	}
	return new Response(message, { status: 503, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
}
