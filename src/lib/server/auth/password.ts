import { hash, verify } from '@node-rs/argon2';

/** Shortest password an account accepts; long passphrases beat complexity rules. */
export const MIN_PASSWORD_LENGTH = 10;
/**
 * Longest password any form or command takes, at sign-in too: it bounds what argon2 is given to
 * hash and what a request can make the server hold.
 */
export const MAX_PASSWORD_LENGTH = 512;

// argon2id with the library's defaults (m = 19 MiB, t = 2, p = 1: the OWASP minimum).
export function hashPassword(password: string): Promise<string> {
	return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	try {
		return await verify(passwordHash, password);
	} catch {
		return false;
	}
}

/**
 * Characters that show nothing: white space, format characters (zero-width space and joiners,
 * word joiner, byte-order mark, Mongolian vowel separator…), the other default-ignorable ones
 * (Hangul fillers, variation selectors) and the blank Braille pattern.
 */
const INVISIBLE = /[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/** Returns a reason the password is unacceptable, or null. */
export function passwordProblem(password: string): string | null {
	if (password.length < MIN_PASSWORD_LENGTH) {
		return `Password must be at least ${MIN_PASSWORD_LENGTH} characters long.`;
	}
	if (password.length > MAX_PASSWORD_LENGTH) return `Password must be at most ${MAX_PASSWORD_LENGTH} characters long.`;
	// Twelve spaces (or zero-width characters, which trim() keeps) pass the length rule but are the first thing a guesser tries.
	if (!password.replace(INVISIBLE, '')) return 'Password cannot be only spaces or invisible characters.';
	return null;
}
