import { expect, type Page } from '@playwright/test';

export const ADMIN = { email: 'admin@example.org', password: 'admin-password-1' };
export const RESEARCHER = { email: 'researcher@example.org', password: 'researcher-pass-1' };
export const REVIEWER = { email: 'reviewer@example.org', password: 'reviewer-pass-1' };

/** Navigates and waits until the page is hydrated, so typing is not reset by hydration. */
export async function gotoReady(page: Page, path: string): Promise<void> {
	await page.goto(path);
	await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
}

export async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
	await gotoReady(page, '/login');
	await page.getByLabel('Email').fill(who.email);
	await page.getByLabel('Password').fill(who.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

export async function signOut(page: Page): Promise<void> {
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL(/\/login/);
}

export function jsonl(rows: unknown[]): string {
	return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
