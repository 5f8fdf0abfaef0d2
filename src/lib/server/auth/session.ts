import { createHash, randomBytes } from 'node:crypto';
import { eq, lt } from 'drizzle-orm';
import { cachedStatements, db, type Db } from '../db';
import { sessions, users, type Role } from '../db/tables';
import { config } from '../config';

export const SESSION_COOKIE = 'ia_session';

export interface SessionUser {
	id: number;
	email: string;
	name: string;
	role: Role;
}

function hashToken(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

/** Creates a server-side session; returns the cookie token (only its hash is stored). */
export function createSession(
	userId: number,
	userAgent: string | null,
	database: Db = db()
): { token: string; expiresAt: Date } {
	const token = randomBytes(32).toString('base64url');
	const now = new Date();
	const expiresAt = new Date(now.getTime() + config().sessionMaxAgeMs);
	database
		.insert(sessions)
		.values({ id: hashToken(token), userId, createdAt: now, expiresAt, lastSeenAt: now, userAgent: userAgent?.slice(0, 300) ?? null })
		.run();
	return { token, expiresAt };
}

// Writing last_seen on every request would turn every page view into a write; once a minute is enough.
const LAST_SEEN_RESOLUTION_MS = 60_000;

/** The user behind a cookie token, or null if the session is unknown, expired, or the user is disabled. */
export function validateSession(
	token: string,
	database: Db = db()
): { user: SessionUser; sessionId: string } | null {
	const id = hashToken(token);
	const now = Date.now();
	// Every request asks this: its statements are compiled once per connection (built through the
	// query builder on each request, the session lookup was a quarter of a review request's time).
	const c = cachedStatements(database);
	const row = c
		.prepare<[string, number], { lastSeenAt: number; userId: number; email: string; name: string; role: Role; disabledAt: number | null }>(
			`SELECT s.last_seen_at AS lastSeenAt, u.id AS userId, u.email, u.name, u.role, u.disabled_at AS disabledAt
			 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.expires_at > ?`
		)
		.get(id, now);
	if (!row || row.disabledAt !== null) return null;
	if (now - row.lastSeenAt > LAST_SEEN_RESOLUTION_MS) {
		c.prepare<[number, string]>('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(now, id);
	}
	return { user: { id: row.userId, email: row.email, name: row.name, role: row.role }, sessionId: id };
}

export function revokeSession(sessionId: string, database: Db = db()): void {
	database.delete(sessions).where(eq(sessions.id, sessionId)).run();
}

export function revokeUserSessions(userId: number, database: Db = db()): void {
	database.delete(sessions).where(eq(sessions.userId, userId)).run();
}

export function deleteExpiredSessions(database: Db = db()): number {
	return database.delete(sessions).where(lt(sessions.expiresAt, new Date())).run().changes;
}
