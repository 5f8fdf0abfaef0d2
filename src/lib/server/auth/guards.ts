import { error, redirect } from '@sveltejs/kit';
import type { Role } from '../db/tables';
import type { SessionUser } from './session';

/** What each role may do; every route asks through these, on the server. */
const RANK: Record<Role, number> = { reviewer: 0, researcher: 1, admin: 2 };

export function hasRole(user: SessionUser | null, role: Role): boolean {
	return !!user && RANK[user.role] >= RANK[role];
}

/** Redirects anonymous visitors to the login page; answers 403 to a signed-in user without the role. */
export function requireRole(locals: App.Locals, role: Role, url?: URL): SessionUser {
	const user = locals.user;
	if (!user) {
		const next = url ? `?next=${encodeURIComponent(url.pathname + url.search)}` : '';
		redirect(303, `/login${next}`);
	}
	if (!hasRole(user, role)) error(403, { message: 'You do not have access to this page.' });
	return user;
}

export function requireUser(locals: App.Locals, url?: URL): SessionUser {
	return requireRole(locals, 'reviewer', url);
}

/** For API endpoints: 401 instead of a redirect when not signed in. */
export function requireApiRole(locals: App.Locals, role: Role): SessionUser {
	const user = locals.user;
	if (!user) error(401, { message: 'Sign in first.' });
	if (!hasRole(user, role)) error(403, { message: 'You do not have access to this resource.' });
	return user;
}
