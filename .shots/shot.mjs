import { chromium } from 'playwright';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const dir = '/tmp/shot';
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir);
const db = `${dir}/app.db`;
const rows = Array.from({ length: 300 }, (_, i) => JSON.stringify({ instruction: `Rewrite sentence ${i % 60} in the passive voice.`, input: `The cat chased mouse ${i}.`, output: `Mouse ${i} was chased by the cat.` })).join('\n');
fs.writeFileSync(`${dir}/a.jsonl`, rows);
const run = (args) => new Promise((res, rej) => { const c = spawn('node', ['bin/instruct-audit.js', ...args], { env: { ...process.env, DATABASE_PATH: db }, stdio: 'inherit' }); c.on('exit', (code) => code === 0 ? res() : rej(new Error(String(code)))); });
await run(['import', `${dir}/a.jsonl`, '--dataset', 'Passive voice (Alpaca style)']);
await run(['import', `${dir}/a.jsonl`, '--dataset', 'Self-Instruct seed tasks']);
const s = new Database(db);
const id = s.prepare(`SELECT id FROM datasets WHERE name = 'Self-Instruct seed tasks'`).pluck().get();
const imp = s.prepare(`INSERT INTO imports (dataset_id, file_name, format, created_at) VALUES (?, 'gpt4_responses_predictions.jsonl', 'predictions', ?)`).run(id, Date.now()).lastInsertRowid;
s.prepare(`UPDATE datasets SET status = 'appending', import_owner = ?, import_heartbeat_at = ?, append_state = ? WHERE id = ?`).run(`${(await import('node:os')).hostname()}:1`, Date.now(), JSON.stringify({ importId: Number(imp), after: {} }), id);
s.close();
const port = 4391;
const app = spawn('node', ['scripts/start.js'], { env: { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: db, ADMIN_EMAIL: 'admin@example.org', ADMIN_PASSWORD: 'admin-password-1' }, stdio: 'inherit' });
for (;;) { try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break; } catch {} await new Promise((r) => setTimeout(r, 200)); }
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking'] });
for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
	const page = await browser.newPage({ viewport });
	await page.goto(`http://127.0.0.1:${port}/login`);
	await page.fill('input[name=email]', 'admin@example.org');
	await page.fill('input[name=password]', 'admin-password-1');
	await page.click('button[type=submit]');
	await page.waitForURL((u) => !u.pathname.startsWith('/login'));
	await page.goto(`http://127.0.0.1:${port}/datasets`);
	await page.screenshot({ path: `${dir}/datasets-${name}.png`, fullPage: true });
	const res = await page.goto(`http://127.0.0.1:${port}/datasets/${id}`);
	console.log('dataset page status', res.status());
	await page.screenshot({ path: `${dir}/dataset-${name}.png`, fullPage: true });
	await page.close();
}
await browser.close();
app.kill('SIGKILL');
