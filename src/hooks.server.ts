import { error, json, redirect, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { randomUUID } from 'node:crypto';
import { SESSION_COOKIE, validateSession } from '$lib/server/auth/session';
import { sessionCookieOptions } from '$lib/server/auth/login';
import { countUsers } from '$lib/server/auth/users';
import { requiredRole } from '$lib/server/auth/access';
import { hasRole } from '$lib/server/auth/guards';
import { startApp, stopApp } from '$lib/server/startup';
import { config } from '$lib/server/config';
import { checkApiOrigin, checkBodySize, refusal } from '$lib/server/http/guards';
import { markBusy, retryWhileBusy } from '$lib/server/http/busy';
import { SECURITY_HEADERS } from '../scripts/security-headers.js';

export const init: ServerInit = async () => {
	await startApp();
	process.once('sveltekit:shutdown', () => void stopApp());
};

const NO_ACCESS = 'You do not have access to this page.';

// Once an account exists it never stops existing (the last admin cannot be removed), so the
// "no users yet" check stops querying after the first positive answer.
let hasUsers = false;

/**
 * Every request runs through retryWhileBusy: a write that finds the database locked by another
 * process is retried asynchronously and, past a bound, answered 503 with Retry-After — never 500.
 */
export const handle: Handle = ({ event, resolve }) =>
	retryWhileBusy(event, (attempt) => handleOnce(attempt, resolve), { maxBufferedBytes: config().maxBodyBytes });

const handleOnce = async (event: Parameters<Handle>[0]['event'], resolve: Parameters<Handle>[0]['resolve']): Promise<Response> => {
	const path = event.url.pathname;
	const isApi = path.startsWith('/api/');
	// Refused on headers alone, before a session lookup or anything reads the body.
	const { maxBodyBytes, maxImportBytes } = config();
	const refused =
		checkBodySize(event.request, path, event.route.id, { maxBodyBytes, maxUploadBytes: maxImportBytes }) ?? checkApiOrigin(event.request, event.url);
	if (refused) return secured(refused);
	if (isApi) {
		// SvelteKit renders an error as an HTML page when the request prefers HTML (a download
		// link the browser follows); the API answers JSON whoever asks.
		try {
			event.request.headers.set('accept', 'application/json');
		} catch {
			// Immutable headers (not the case for requests from adapter-node): errors follow Accept.
		}
		if (event.route.id === null) return secured(json({ message: 'Not found' }, { status: 404 }));
	}

	const token = event.cookies.get(SESSION_COOKIE);
	const session = token ? validateSession(token) : null;
	if (token && !session) event.cookies.delete(SESSION_COOKIE, sessionCookieOptions(event.url.protocol === 'https:'));
	event.locals.user = session?.user ?? null;
	event.locals.sessionId = session?.sessionId ?? null;

	hasUsers ||= countUsers() > 0;
	// Before the first account exists every page leads to setup; the liveness check answers as ever.
	if (!hasUsers && path !== '/setup' && path !== '/healthz' && !path.startsWith('/_app/') && path !== '/favicon.svg') {
		redirect(303, '/setup');
	}

	const role = requiredRole(path);
	if (role !== 'public') {
		if (!event.locals.user) {
			if (isApi) error(401, { message: 'Sign in first.' });
			redirect(303, `/login?next=${encodeURIComponent(path + event.url.search)}`);
		}
		if (!hasRole(event.locals.user, role)) {
			// An enhanced form reads an ActionResult; SvelteKit would answer a bare {message} to one.
			if (event.request.headers.get('x-sveltekit-action') === 'true') return secured(refusal(event.request, path, 403, NO_ACCESS));
			error(403, { message: NO_ACCESS });
		}
	}

	const response = await resolve(event);
	return secured(isApi ? await jsonError(response) : response);
};

/** An API error SvelteKit answered as text (405 Method Not Allowed, say) becomes `{message}` JSON too. */
async function jsonError(response: Response): Promise<Response> {
	if (response.status < 400 || (response.headers.get('content-type') ?? '').includes('json')) return response;
	const message = (await response.text()).trim().slice(0, 500) || response.statusText || `Error ${response.status}`;
	const headers = new Headers(response.headers);
	headers.set('content-type', 'application/json');
	headers.delete('content-length');
	return new Response(JSON.stringify({ message }), { status: response.status, headers });
}

function secured(response: Response): Response {
	// A page is rendered for whoever is signed in: after Sign out, Back must not show it again
	// from the browser's cache on a shared lab machine (data and API answers set this already).
	if (!response.headers.has('cache-control') && (response.headers.get('content-type') ?? '').startsWith('text/html')) {
		response.headers.set('Cache-Control', 'private, no-store');
	}
	// A rendered page has SvelteKit's policy (with the nonce of its start-up script): kept.
	for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (name !== 'Content-Security-Policy' || !response.headers.has(name)) response.headers.set(name, value);
	return response;
}

/** Unexpected errors are logged with an id; the browser gets the id and a plain sentence, never a stack. */
export const handleError: HandleServerError = ({ error: err, event, status, message }) => {
	if (status === 404) return { message: 'Not found' };
	// A write that found the database locked: the request is run again (see retryWhileBusy).
	if (markBusy(event, err)) return { message: 'The database is busy; try again in a moment.' };
	// The visitor left: the page stopped its work (a long grouping), or the body being read (an
	// upload) broke off. Nobody reads this answer, and nothing went wrong here.
	if (event.request.signal.aborted && (err === event.request.signal.reason || (err as { code?: string } | null)?.code === 'ECONNRESET')) {
		return { message: 'The request was cancelled.' };
	}
	const errorId = randomUUID().slice(0, 8);
	// A client's bad request (415 for a JSON post to a form action, 405, 400): one line, no stack
	// — anyone can send them, and a log full of stacks hides the server's own failures.
	if (status < 500) {
		console.warn(`[${errorId}] ${event.request.method} ${event.url.pathname}: ${status} ${message}`);
		return { message, errorId };
	}
	console.error(`[${errorId}] ${event.request.method} ${event.url.pathname}:`, err);
	return { message: 'Something went wrong on the server.', errorId };
};
