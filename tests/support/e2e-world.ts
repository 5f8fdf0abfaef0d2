/**
 * For browser specs that build their own world: the served app's database file, accounts made
 * straight through the domain functions, and browser contexts signed in with a session cookie
 * (no login form on every test).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from '@playwright/test';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { createUser } from '../../src/lib/server/auth/users';
import { createSession, SESSION_COOKIE } from '../../src/lib/server/auth/session';
import type { Role } from '../../src/lib/server/db/tables';

/**
 * playwright.config.ts names the data folder after the runner's pid; test workers re-evaluate
 * the config under their own pid, so look beside the parent's too.
 */
export function e2eDatabasePath(): string {
	const candidates = [process.env.E2E_DATA_DIR, path.join(os.tmpdir(), `instruct-audit-e2e-${process.ppid}`)]
		.filter((d): d is string => !!d)
		.map((d) => path.join(d, 'e2e.db'));
	const found = candidates.find((f) => fs.existsSync(f));
	if (!found) throw new Error(`The e2e database was not found (looked at ${candidates.join(', ')})`);
	return found;
}

export function openE2eDatabase(): Db {
	return openDatabase(e2eDatabasePath(), path.resolve('migrations'));
}

export interface Account {
	id: number;
	email: string;
	role: Role;
	/** A live session token for the cookie. */
	token: string;
}

export async function makeAccount(db: Db, role: Role, name: string): Promise<Account> {
	const email = `${name.toLowerCase().replace(/\W+/g, '-')}-${randomUUID().slice(0, 8)}@example.org`;
	const user = await createUser({ email, password: `pw-${randomUUID()}`, role, name }, db);
	return { id: user.id, email, role, token: createSession(user.id, 'e2e', db).token };
}

export async function signedInContext(
	browser: Browser,
	account: Account | null,
	options: { width?: number; height?: number; baseURL?: string; hasTouch?: boolean; isMobile?: boolean } = {}
): Promise<BrowserContext> {
	const baseURL = options.baseURL ?? `http://127.0.0.1:${process.env.E2E_PORT ?? 4173}`;
	const context = await browser.newContext({
		baseURL,
		viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
		hasTouch: options.hasTouch,
		isMobile: options.isMobile
	});
	if (account) await context.addCookies([{ name: SESSION_COOKIE, value: account.token, url: baseURL }]);
	return context;
}
