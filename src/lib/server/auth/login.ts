import type { Cookies } from '@sveltejs/kit';
import { findUserByEmail, normalizeEmail, MAX_EMAIL_LENGTH } from './users';
import { verifyPassword, hashPassword, MAX_PASSWORD_LENGTH } from './password';
import { createSession, revokeSession, SESSION_COOKIE } from './session';
import { passwordGuessLimiter as rateLimiter, tryAgainIn } from './limiter';

// Verifying against a fixed hash when the email is unknown keeps the response time the same,
// so timing does not reveal which emails have accounts.
let dummyHash: Promise<string> | undefined;

const WRONG_CREDENTIALS = 'Wrong email or password, or the account is disabled.';

export type SignInResult = { ok: true; userId: number } | { ok: false; status: 400 | 429; message: string };

export async function signIn(
	email: string,
	password: string,
	context: { address: string; userAgent: string | null; cookies: Cookies; secure: boolean }
): Promise<SignInResult> {
	// No account has a longer email or password: refused before the limiter keeps anything, so an
	// oversized field can neither fill its memory nor reach argon2.
	if (email.trim().length > MAX_EMAIL_LENGTH || password.length > MAX_PASSWORD_LENGTH) return { ok: false, status: 400, message: WRONG_CREDENTIALS };
	// Counted before the password is checked: parallel guesses cannot outrun the limit.
	const user = findUserByEmail(email);
	const decision = rateLimiter().begin(normalizeEmail(email), context.address, Date.now(), user?.signInClearedAt?.getTime());
	if (!decision.allowed) {
		return { ok: false, status: 429, message: `Too many failed sign-in attempts. ${tryAgainIn(decision.retryAfterMs)}` };
	}
	dummyHash ??= hashPassword('not-a-real-password-for-timing');
	const valid = user ? await verifyPassword(user.passwordHash, password) : (await verifyPassword(await dummyHash, password), false);
	if (!user || !valid || user.disabledAt) {
		return { ok: false, status: 400, message: WRONG_CREDENTIALS };
	}
	rateLimiter().succeeded(decision.attempt);
	setSessionCookie(context.cookies, user.id, context.userAgent, context.secure);
	return { ok: true, userId: user.id };
}

/**
 * The session cookie's attributes, the same for setting and deleting it: a deletion with
 * `Secure` of a cookie set without it (plain http) is ignored by browsers off localhost.
 * `secure`: the request came over https.
 */
export function sessionCookieOptions(secure: boolean) {
	return { path: '/', httpOnly: true, sameSite: 'lax', secure } as const;
}

export function setSessionCookie(cookies: Cookies, userId: number, userAgent: string | null, secure: boolean): void {
	const { token, expiresAt } = createSession(userId, userAgent);
	cookies.set(SESSION_COOKIE, token, { ...sessionCookieOptions(secure), expires: expiresAt });
}

export function signOut(cookies: Cookies, sessionId: string | null, secure: boolean): void {
	if (sessionId) revokeSession(sessionId);
	cookies.delete(SESSION_COOKIE, sessionCookieOptions(secure));
}
