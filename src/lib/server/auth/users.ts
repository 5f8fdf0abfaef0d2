import { DomainError } from '$lib/errors';
import { and, asc, count, eq, ne } from 'drizzle-orm';
import { db, type Db } from '../db';
import { users, sessions, ROLES, type Role, type User } from '../db/tables';
import { hashPassword, passwordProblem, verifyPassword, MAX_PASSWORD_LENGTH } from './password';
import { passwordGuessLimiter, tryAgainIn, TooManyPasswordAttempts } from './limiter';
import { openAuditsReviewedBy, releaseLeasesOf, type ReviewedAudit } from '../audits/reviewer-accounts';

export class UserError extends DomainError {
	constructor(message: string, field?: string) {
		super(message, 400, 'invalid', field);
	}
}

export interface PublicUser {
	id: number;
	email: string;
	name: string;
	role: Role;
	createdAt: Date;
	disabledAt: Date | null;
}

export function normalizeEmail(email: string): string {
	return email.trim().toLowerCase();
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;
/** Longest email address any form or command takes (RFC 5321's 254-character path limit). */
export const MAX_EMAIL_LENGTH = 254;

/** Returns a reason the (normalized) email address is unacceptable, or null. Quotes at most MAX_EMAIL_LENGTH characters of it. */
function emailProblem(email: string): string | null {
	if (email.length > MAX_EMAIL_LENGTH) return `An email address is at most ${MAX_EMAIL_LENGTH} characters long.`;
	if (!EMAIL_PATTERN.test(email)) return `"${email}" is not an email address.`;
	return null;
}

function toPublic(u: User): PublicUser {
	return { id: u.id, email: u.email, name: u.name, role: u.role, createdAt: u.createdAt, disabledAt: u.disabledAt };
}

export function countUsers(database: Db = db()): number {
	return database.select({ n: count() }).from(users).get()?.n ?? 0;
}

export function listUsers(database: Db = db()): PublicUser[] {
	return database.select().from(users).orderBy(asc(users.email)).all().map(toPublic);
}

export function findUserByEmail(email: string, database: Db = db()): User | undefined {
	return database.select().from(users).where(eq(users.email, normalizeEmail(email))).get();
}

export function getUser(id: number, database: Db = db()): PublicUser | undefined {
	const u = database.select().from(users).where(eq(users.id, id)).get();
	return u ? toPublic(u) : undefined;
}

export async function createUser(
	input: { email: string; password: string; role: Role; name?: string },
	database: Db = db()
): Promise<PublicUser> {
	const email = normalizeEmail(input.email);
	const emailIssue = emailProblem(email);
	if (emailIssue) throw new UserError(emailIssue, 'email');
	if (!ROLES.includes(input.role)) throw new UserError(`Unknown role "${input.role}".`, 'role');
	const problem = passwordProblem(input.password);
	if (problem) throw new UserError(problem, 'password');
	if (findUserByEmail(email, database)) throw new UserError(`An account for ${email} already exists.`, 'email');
	const passwordHash = await hashPassword(input.password);
	const row = database
		.insert(users)
		.values({ email, name: (input.name ?? '').trim(), role: input.role, passwordHash, createdAt: new Date() })
		.returning()
		.get();
	return toPublic(row);
}

/**
 * Creates the first admin only while there are no users at all. The check and the insert run
 * in one transaction so two first visits cannot both become admin.
 */
export async function createFirstAdmin(
	input: { email: string; password: string; name?: string },
	database: Db = db()
): Promise<PublicUser> {
	const email = normalizeEmail(input.email);
	const emailIssue = emailProblem(email);
	if (emailIssue) throw new UserError(emailIssue, 'email');
	const problem = passwordProblem(input.password);
	if (problem) throw new UserError(problem, 'password');
	const passwordHash = await hashPassword(input.password);
	return database.$client
		.transaction(() => {
			if (countUsers(database) > 0) throw new UserError('An administrator already exists; sign in instead.');
			const row = database
				.insert(users)
				.values({ email, name: (input.name ?? '').trim(), role: 'admin', passwordHash, createdAt: new Date() })
				.returning()
				.get();
			return toPublic(row);
		})
		.immediate();
}

/** Sets a new password and ends every session of the account. */
export async function resetPassword(userId: number, password: string, database: Db = db()): Promise<void> {
	const problem = passwordProblem(password);
	if (problem) throw new UserError(problem, 'password');
	const passwordHash = await hashPassword(password);
	database.$client
		.transaction(() => {
			const changed = database.update(users).set({ passwordHash }).where(eq(users.id, userId)).run().changes;
			if (!changed) throw new UserError(`No user with id ${userId}.`);
			database.delete(sessions).where(eq(sessions.userId, userId)).run();
		})
		.immediate();
}

/**
 * A user changes their own password: the current one is asked for (a session left open on a
 * shared machine is not enough), and every other session of theirs ends — this one stays.
 */
export async function changeOwnPassword(
	userId: number,
	input: { current: string; password: string; keepSessionId: string | null; /** the client's address, for the guess limit */ address: string },
	database: Db = db()
): Promise<void> {
	const user = database.select().from(users).where(eq(users.id, userId)).get();
	if (!user || user.disabledAt) throw new UserError('This account cannot change its password.');
	if (input.current.length > MAX_PASSWORD_LENGTH) throw new UserError('The current password is wrong.', 'current');
	// Counted before the check, with sign-in's limit: a session left open is no faster way to guess.
	const decision = passwordGuessLimiter().begin(normalizeEmail(user.email), input.address, Date.now(), user.signInClearedAt?.getTime());
	if (!decision.allowed) throw new TooManyPasswordAttempts(`Too many wrong passwords. ${tryAgainIn(decision.retryAfterMs)}`, 'current');
	if (!(await verifyPassword(user.passwordHash, input.current))) throw new UserError('The current password is wrong.', 'current');
	passwordGuessLimiter().succeeded(decision.attempt);
	const problem = passwordProblem(input.password);
	if (problem) throw new UserError(problem, 'password');
	const passwordHash = await hashPassword(input.password);
	database.$client
		.transaction(() => {
			database.update(users).set({ passwordHash }).where(eq(users.id, userId)).run();
			const others = input.keepSessionId ? and(eq(sessions.userId, userId), ne(sessions.id, input.keepSessionId)) : eq(sessions.userId, userId);
			database.delete(sessions).where(others).run();
		})
		.immediate();
}

/**
 * Clears the account's failed sign-ins from every address (an admin unlocking it): the limiter
 * forgets attempts made before now. Works from the CLI too, through the database.
 */
export function clearSignInFailures(userId: number, database: Db = db()): void {
	const changed = database.update(users).set({ signInClearedAt: new Date() }).where(eq(users.id, userId)).run().changes;
	if (!changed) throw new UserError(`No user with id ${userId}.`);
}

export function setRole(userId: number, role: Role, database: Db = db()): void {
	if (!ROLES.includes(role)) throw new UserError(`Unknown role "${role}".`, 'role');
	database.$client
		.transaction(() => {
			const user = getUser(userId, database);
			if (!user) throw new UserError(`No user with id ${userId}.`);
			if (user.role === 'admin' && role !== 'admin') assertAnotherActiveAdmin(userId, database);
			database.update(users).set({ role }).where(eq(users.id, userId)).run();
		})
		.immediate();
}

/**
 * Disabling ends every session at once and every lease the account holds in an audit (it cannot
 * sign in to finish them, so they would hold items from the other reviewers until they lapsed);
 * enabling restores the account, and with it its place as a reviewer. Returns the open audits the
 * account reviews, for the message.
 */
export function setDisabled(userId: number, disabled: boolean, database: Db = db()): { reviewing: ReviewedAudit[]; unchanged: boolean } {
	return database.$client
		.transaction(() => {
			const user = getUser(userId, database);
			if (!user) throw new UserError(`No user with id ${userId}.`);
			// Already so: the stamp of when it was disabled stays as it was.
			if (Boolean(user.disabledAt) === disabled) return { reviewing: openAuditsReviewedBy(database.$client, userId), unchanged: true };
			if (disabled && user.role === 'admin') assertAnotherActiveAdmin(userId, database);
			database
				.update(users)
				.set({ disabledAt: disabled ? new Date() : null })
				.where(eq(users.id, userId))
				.run();
			if (disabled) {
				database.delete(sessions).where(eq(sessions.userId, userId)).run();
				releaseLeasesOf(database.$client, userId);
			}
			return { reviewing: openAuditsReviewedBy(database.$client, userId), unchanged: false };
		})
		.immediate();
}

function assertAnotherActiveAdmin(userId: number, database: Db): void {
	const others = database
		.select()
		.from(users)
		.where(eq(users.role, 'admin'))
		.all()
		.filter((u) => u.id !== userId && !u.disabledAt);
	if (others.length === 0) throw new UserError('The last active administrator cannot be demoted or disabled.');
}

/**
 * Why ADMIN_EMAIL / ADMIN_PASSWORD could not create the first admin, as one line naming the
 * variable (start-up says it before the database file is created), or null. Unset both: fine.
 */
export function adminFromEnvProblem(email: string | undefined, password: string | undefined): string | null {
	if (!email && !password) return null;
	if (!password) return 'ADMIN_EMAIL is set but ADMIN_PASSWORD is not: set both to create the first administrator at start-up (or neither, and create it on the first visit).';
	if (!email) return 'ADMIN_PASSWORD is set but ADMIN_EMAIL is not: set both to create the first administrator at start-up (or neither, and create it on the first visit).';
	const emailIssue = emailProblem(normalizeEmail(email));
	if (emailIssue) return `ADMIN_EMAIL: ${emailIssue}`;
	const passwordIssue = passwordProblem(password);
	return passwordIssue ? `ADMIN_PASSWORD: ${passwordIssue}` : null;
}

/** ADMIN_EMAIL / ADMIN_PASSWORD create the first admin at start-up, for headless installs. */
export async function ensureAdminFromEnv(
	email: string | undefined,
	password: string | undefined,
	database: Db = db()
): Promise<PublicUser | null> {
	if (!email || !password || countUsers(database) > 0) return null;
	return createFirstAdmin({ email, password }, database);
}
