import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import type { Db } from '../../src/lib/server/db';
import {
	countUsers,
	createFirstAdmin,
	createUser,
	ensureAdminFromEnv,
	findUserByEmail,
	resetPassword,
	setDisabled,
	setRole,
	UserError
} from '../../src/lib/server/auth/users';
import { createSession, validateSession, revokeSession } from '../../src/lib/server/auth/session';
import { verifyPassword } from '../../src/lib/server/auth/password';

let db: Db;
let cleanup: () => void;
beforeEach(() => {
	({ db, cleanup } = createTestDb());
});
afterEach(() => cleanup());

describe('accounts', () => {
	it('creates exactly one first admin even when two first visits race', async () => {
		const results = await Promise.allSettled([
			createFirstAdmin({ email: 'one@x.org', password: 'first-password-1' }, db),
			createFirstAdmin({ email: 'two@x.org', password: 'second-password-1' }, db)
		]);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		expect(countUsers(db)).toBe(1);
	});

	it('refuses a password of only spaces (or other white space) everywhere a password is set', async () => {
		const blank = ' '.repeat(12);
		await expect(createFirstAdmin({ email: 'boss@x.org', password: blank }, db)).rejects.toThrow('Password cannot be only spaces or invisible characters.');
		await expect(ensureAdminFromEnv('boss@x.org', '\t'.repeat(10) + '  ', db)).rejects.toThrow('Password cannot be only spaces or invisible characters.');
		const admin = await createFirstAdmin({ email: 'boss@x.org', password: '  spaces around are fine  ' }, db);
		await expect(createUser({ email: 'r@x.org', password: blank, role: 'reviewer' }, db)).rejects.toMatchObject({ message: 'Password cannot be only spaces or invisible characters.', field: 'password' });
		await expect(resetPassword(admin.id, blank, db)).rejects.toThrow('Password cannot be only spaces or invisible characters.');
	});

	it('ADMIN_EMAIL/ADMIN_PASSWORD create the admin only on an empty database', async () => {
		expect(await ensureAdminFromEnv('boss@x.org', 'boss-password-1', db)).toMatchObject({ role: 'admin' });
		expect(await ensureAdminFromEnv('other@x.org', 'other-password-1', db)).toBeNull();
		expect(countUsers(db)).toBe(1);
	});

	it('stores argon2id hashes, normalises emails and refuses weak passwords and duplicates', async () => {
		await createUser({ email: '  Ana@Example.ORG ', password: 'a-long-password', role: 'reviewer' }, db);
		const user = findUserByEmail('ana@example.org', db)!;
		expect(user.passwordHash).toMatch(/^\$argon2id\$/);
		expect(await verifyPassword(user.passwordHash, 'a-long-password')).toBe(true);
		await expect(createUser({ email: 'ana@example.org', password: 'a-long-password', role: 'reviewer' }, db)).rejects.toThrow(UserError);
		await expect(createUser({ email: 'b@example.org', password: 'short', role: 'reviewer' }, db)).rejects.toThrow(/at least 10/);
		await expect(createUser({ email: 'not-an-email', password: 'a-long-password', role: 'reviewer' }, db)).rejects.toThrow(/email/);
	});

	it('sessions are server-side and revocable; reset and disable end them', async () => {
		const admin = await createFirstAdmin({ email: 'admin@x.org', password: 'admin-password-1' }, db);
		const user = await createUser({ email: 'r@x.org', password: 'reviewer-pass-1', role: 'reviewer' }, db);
		const a = createSession(user.id, 'test', db);
		const b = createSession(user.id, 'test', db);
		expect(validateSession(a.token, db)?.user).toMatchObject({ email: 'r@x.org', role: 'reviewer' });
		expect(validateSession('forged-token', db)).toBeNull();
		revokeSession(validateSession(a.token, db)!.sessionId, db);
		expect(validateSession(a.token, db)).toBeNull();
		expect(validateSession(b.token, db)).not.toBeNull();
		await resetPassword(user.id, 'another-password-1', db);
		expect(validateSession(b.token, db)).toBeNull();
		const c = createSession(user.id, 'test', db);
		setDisabled(user.id, true, db);
		expect(validateSession(c.token, db)).toBeNull();
		// The last active admin can be neither demoted nor disabled.
		expect(() => setRole(admin.id, 'reviewer', db)).toThrow(/last active administrator/);
		expect(() => setDisabled(admin.id, true, db)).toThrow(/last active administrator/);
	});

	it('a session answers for its user until it expires or the user is disabled, and notes when it was last seen once a minute', async () => {
		const user = await createUser({ email: 'seen@x.org', name: 'Seen', password: 'reviewer-pass-1', role: 'researcher' }, db);
		const { token } = createSession(user.id, 'test', db);
		const c = db.$client;
		const sessionId = validateSession(token, db)!.sessionId;
		expect(validateSession(token, db)).toEqual({ user: { id: user.id, email: 'seen@x.org', name: 'Seen', role: 'researcher' }, sessionId });
		const lastSeen = () => c.prepare('SELECT last_seen_at FROM sessions WHERE id = ?').pluck().get(sessionId) as number;
		// Seen 30 s ago: not written again; 2 minutes ago: written now.
		const thirtySecondsAgo = Date.now() - 30_000;
		c.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(thirtySecondsAgo, sessionId);
		validateSession(token, db);
		expect(lastSeen()).toBe(thirtySecondsAgo);
		c.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(Date.now() - 120_000, sessionId);
		const before = Date.now();
		validateSession(token, db);
		expect(lastSeen()).toBeGreaterThanOrEqual(before);
		// A user disabled behind the session's back (the row still there) is refused.
		c.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').run(Date.now(), user.id);
		expect(validateSession(token, db)).toBeNull();
		c.prepare('UPDATE users SET disabled_at = NULL WHERE id = ?').run(user.id);
		expect(validateSession(token, db)?.user.id).toBe(user.id);
		// Expired a moment ago: refused.
		c.prepare('UPDATE sessions SET expires_at = ? WHERE id = ?').run(Date.now() - 1, sessionId);
		expect(validateSession(token, db)).toBeNull();
	});
});
