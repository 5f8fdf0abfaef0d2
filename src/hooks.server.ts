import { error, redirect, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { randomUUID } from 'node:crypto';
import { SESSION_COOKIE, validateSession } from '$lib/server/auth/session';
import { countUsers } from '$lib/server/auth/users';
import { requiredRole } from '$lib/server/auth/access';
import { hasRole } from '$lib/server/auth/guards';
import { startApp, stopApp } from '$lib/server/startup';

export const init: ServerInit = async () => {
	await startApp();
	process.once('sveltekit:shutdown', () => void stopApp());
};

// Once an account exists it never stops existing (the last admin cannot be removed), so the
// "no users yet" check stops querying after the first positive answer.
let hasUsers = false;

export const handle: Handle = async ({ event, resolve }) => {
	const token = event.cookies.get(SESSION_COOKIE);
	const session = token ? validateSession(token) : null;
	if (token && !session) event.cookies.delete(SESSION_COOKIE, { path: '/' });
	event.locals.user = session?.user ?? null;
	event.locals.sessionId = session?.sessionId ?? null;

	const path = event.url.pathname;
	hasUsers ||= countUsers() > 0;
	if (!hasUsers && path !== '/setup' && !path.startsWith('/_app/') && path !== '/favicon.svg') {
		redirect(303, '/setup');
	}

	const role = requiredRole(path);
	if (role !== 'public') {
		const isApi = path.startsWith('/api/');
		if (!event.locals.user) {
			if (isApi) error(401, { message: 'Sign in first.' });
			redirect(303, `/login?next=${encodeURIComponent(path + event.url.search)}`);
		}
		if (!hasRole(event.locals.user, role)) error(403, { message: 'You do not have access to this page.' });
	}

	const response = await resolve(event);
	response.headers.set('X-Content-Type-Options', 'nosniff');
	response.headers.set('Referrer-Policy', 'same-origin');
	response.headers.set('X-Frame-Options', 'DENY');
	return response;
};

/** Unexpected errors are logged with an id; the browser gets the id and a plain sentence, never a stack. */
export const handleError: HandleServerError = ({ error: err, event, status, message }) => {
	if (status === 404) return { message: 'Not found' };
	const errorId = randomUUID().slice(0, 8);
	console.error(`[${errorId}] ${event.request.method} ${event.url.pathname}:`, err);
	return { message: status >= 500 ? 'Something went wrong on the server.' : message, errorId };
};
