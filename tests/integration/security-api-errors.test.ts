/**
 * Issue #17 item 12: every API error answers JSON `{message}`, even when a browser follows a
 * download link and asks for HTML (the comparison CSV used to answer an HTML page): bad
 * parameters, unknown audits and files, unknown API paths, a wrong method, no session, no role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startBuiltApp, signInOverHttp, type BuiltApp } from '../support/built-app';
import { openDatabase } from '../../src/lib/server/db';
import { archiveDataset } from '../../src/lib/server/archive/archive';

// What Chromium sends when following a link.
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('API errors are JSON (built app)', () => {
	let app: BuiltApp;
	let admin: string;
	let reviewer: string;
	beforeAll(async () => {
		app = await startBuiltApp();
		admin = await signInOverHttp(app);
		// A reviewer account, created by the admin through the page's action.
		const res = await fetch(`${app.url}/admin/users?/create`, {
			method: 'POST',
			headers: { cookie: admin, origin: app.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ email: 'rev@example.org', name: 'Rev', role: 'reviewer', password: 'reviewer-pass-1' }),
			redirect: 'manual'
		});
		expect(res.status).toBe(200);
		reviewer = await signInOverHttp(app, { email: 'rev@example.org', password: 'reviewer-pass-1' });
	}, 300_000);
	afterAll(async () => app?.stop());

	const CASES: Array<[label: string, method: string, path: string, who: 'admin' | 'reviewer' | 'nobody', status: number, message: RegExp]> = [
		['comparison.csv without audits', 'GET', '/api/reports/compare/comparison.csv', 'admin', 400, /Give two audits/],
		['comparison.csv of unknown audits', 'GET', '/api/reports/compare/comparison.csv?a=998&b=999', 'admin', 404, /./],
		['comparison.csv of the same audit twice', 'GET', '/api/reports/compare/comparison.csv?a=5&b=5', 'admin', 400, /two different audits/],
		['comparison.txt', 'GET', '/api/reports/compare/comparison.txt?a=1&b=2', 'admin', 404, /comparison\.json, comparison\.csv/],
		['report.csv of an unknown audit', 'GET', '/api/reports/999/report.csv', 'admin', 404, /./],
		['report.xlsx', 'GET', '/api/reports/1/report.xlsx', 'admin', 404, /Downloads:/],
		['an export with no dataset', 'GET', '/api/exports/download', 'admin', 400, /./],
		['an export count of an unknown dataset', 'GET', '/api/exports/count?dataset=999', 'admin', 400, /No dataset with id 999/],
		['an unknown API path', 'GET', '/api/nothing/here', 'admin', 404, /Not found/],
		['a wrong method', 'DELETE', '/api/runs', 'admin', 405, /not allowed/i],
		['no session', 'GET', '/api/reports/compare/comparison.csv?a=1&b=2', 'nobody', 401, /Sign in/],
		['a reviewer on a researcher download', 'GET', '/api/reports/compare/comparison.csv?a=1&b=2', 'reviewer', 403, /access/],
		['a run that does not exist', 'GET', '/api/runs/999', 'admin', 404, /./],
		['review of an unknown audit', 'GET', '/api/review/999/history', 'reviewer', 404, /./]
	];

	it.each(CASES)('%s → %s %s answers JSON', async (_, method, path, who, status, message) => {
		const cookie = who === 'admin' ? admin : who === 'reviewer' ? reviewer : '';
		for (const accept of [BROWSER_ACCEPT, 'application/json', '*/*']) {
			const res = await fetch(`${app.url}${path}`, { method, headers: { accept, ...(cookie ? { cookie } : {}), origin: app.url }, redirect: 'manual' });
			const text = await res.text();
			expect(res.status, `${accept}: ${text.slice(0, 120)}`).toBe(status);
			expect(res.headers.get('content-type'), accept).toContain('application/json');
			expect(text).not.toMatch(/<html|<!doctype/i);
			expect(JSON.parse(text).message).toMatch(message);
		}
	});

	it('an import into an archived dataset is refused with the reason and 400, not a 500', async () => {
		const post = (body: string) =>
			fetch(`${app.url}/api/datasets/import?dataset=${encodeURIComponent('archived set')}&fileName=rows.jsonl`, {
				method: 'POST',
				headers: { cookie: admin, origin: app.url, 'content-type': 'application/octet-stream' },
				body
			});
		const first = await post('{"instruction":"Say hi.","input":"","output":"Hi."}\n');
		expect(first.status).toBe(200);
		const { summary } = (await first.json()) as { summary: { datasetId: number } };
		const database = openDatabase(app.databasePath, path.resolve('migrations'));
		try {
			archiveDataset(summary.datasetId, null, database);
		} finally {
			database.$client.close();
		}
		const refused = await post('{"instruction":"Say bye.","input":"","output":"Bye."}\n');
		expect(refused.status).toBe(400);
		expect(((await refused.json()) as { message: string }).message).toMatch(/"archived set" is archived, so it is read-only; restore it first/);
	});

	it('pages still answer HTML errors', async () => {
		const res = await fetch(`${app.url}/datasets/999`, { headers: { accept: BROWSER_ACCEPT, cookie: admin } });
		expect(res.status).toBe(404);
		expect(res.headers.get('content-type')).toContain('text/html');
	});
});
