/**
 * The process's one limiter of password guesses (see rate-limit.ts): sign-in and the current
 * password asked on *Your account* count against the same LOGIN_MAX_ATTEMPTS per account and
 * address, so a session left open cannot be used to guess the password faster than the sign-in page.
 */
import { DomainError } from '$lib/errors';
import { config } from '../config';
import { LoginRateLimiter } from './rate-limit';

let limiter: LoginRateLimiter | undefined;

export function passwordGuessLimiter(): LoginRateLimiter {
	const c = config();
	limiter ??= new LoginRateLimiter({ perAccount: c.loginMaxAttempts, perAddress: c.loginMaxAttemptsPerAddress, windowMs: c.loginWindowMs });
	return limiter;
}

/** "Try again in 3 minutes." */
export function tryAgainIn(retryAfterMs: number): string {
	const minutes = Math.ceil(retryAfterMs / 60_000);
	return `Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

/** Too many wrong passwords: the route answers 429 (DomainError has no such status). */
export class TooManyPasswordAttempts extends DomainError {
	constructor(message: string, field?: string) {
		super(message, 409, 'rate_limited', field);
	}
}
