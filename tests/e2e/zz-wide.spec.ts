import { test } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { makeAccount, openE2eDatabase, signedInContext } from '../support/e2e-world';
import { importFile } from '../../src/lib/server/datasets/import';
import { createAudit } from '../../src/lib/server/audits/create';
async function* once(t: string) { yield new TextEncoder().encode(t); }
test('wide', async ({ browser }) => {
	const db = openE2eDatabase();
	const reviewer = await makeAccount(db, 'reviewer', 'Wide Reviewer');
	const admin = await makeAccount(db, 'admin', 'Wide Admin');
	const ds = (await importFile(once('{"instruction":"a b c d","input":"","output":"x"}\n{"instruction":"e f g h","input":"","output":"y"}\n'), { datasetName: 'w' + randomUUID().slice(0, 4), fileName: 'a.jsonl' }, db)).datasetId;
	const a = createAudit({ datasetId: ds, kind: 'quality', name: 'A rather long audit name here', sampleSize: 2, seed: 1, reviewerIds: [reviewer.id] }, db).id;
	for (const [acct, url] of [[reviewer, '/review'], [admin, `/audits/${a}`], [admin, '/admin/users']] as const) {
		const ctx = await signedInContext(browser, acct, { width: 320, height: 700 });
		const page = await ctx.newPage();
		await page.goto(url);
		await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
		console.log(url, await page.evaluate(() => {
			const out: string[] = [String(document.documentElement.scrollWidth)];
			for (const el of Array.from(document.querySelectorAll('body, body *'))) {
				const r = el.getBoundingClientRect();
				const cs = getComputedStyle(el);
				if (r.right > 321) out.push(`${el.tagName}.${typeof el.className === 'string' ? el.className : ''} right=${Math.round(r.right)} pos=${cs.position} ov=${cs.overflowX} disp=${cs.display}`);
			}
			return out.slice(0, 12).join('\n');
		}));
		await ctx.close();
	}
});
