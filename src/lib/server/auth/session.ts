import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, lt } from 'drizzle-orm';
import { db, type Db } from '../db';
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
	const now = new Date();
	const row = database
		.select({ session: sessions, user: users })
		.from(sessions)
		.innerJoin(users, eq(users.id, sessions.userId))
		.where(and(eq(sessions.id, id), gt(sessions.expiresAt, now)))
		.get();
	if (!row || row.user.disabledAt) return null;
	if (now.getTime() - row.session.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
		database.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, id)).run();
	}
	const { id: userId, email, name, role } = row.user;
	return { user: { id: userId, email, name, role }, sessionId: id };
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
