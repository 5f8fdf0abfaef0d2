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
});
