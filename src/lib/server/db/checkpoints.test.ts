import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './index';

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-checkpoints-'));
	dirs.push(dir);
	return path.join(dir, 'app.db');
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

describe('WAL checkpoints in a thread of their own', () => {
	it('the writing connection never checkpoints; the thread copies the log into the file; the last close removes the log', async () => {
		const file = tempFile();
		const db = openDatabase(file);
		const c = db.$client;
		expect(c.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
		c.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
		const sizeBefore = fs.statSync(file).size;
		const insert = c.prepare('INSERT INTO filler (text) VALUES (?)');
		// About 8 MB: past SQLite's automatic checkpoint (1,000 pages) twice over.
		for (let batch = 0; batch < 20; batch++) c.transaction(() => { for (let i = 0; i < 100; i++) insert.run('x'.repeat(4000)); })();
		// The thread's passive checkpoints move the pages into the database file meanwhile.
		await until(() => fs.statSync(file).size > sizeBefore + 7_000_000);
		expect(c.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(2000);
		c.close();
		// Closing this process's last connection closes the thread's too: SQLite then removes the log.
		expect(fs.existsSync(`${file}-wal`)).toBe(false);
		const again = openDatabase(file);
		expect(again.$client.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(2000);
		again.$client.close();
	});

	it('two connections to one file: the thread keeps checkpointing until both are closed', async () => {
		const file = tempFile();
		const a = openDatabase(file);
		const b = openDatabase(file);
		a.$client.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
		a.$client.close();
		const sizeBefore = fs.statSync(file).size;
		const insert = b.$client.prepare('INSERT INTO filler (text) VALUES (?)');
		b.$client.transaction(() => { for (let i = 0; i < 1500; i++) insert.run('y'.repeat(4000)); })();
		await until(() => fs.statSync(file).size > sizeBefore + 5_000_000);
		b.$client.close();
		expect(fs.existsSync(`${file}-wal`)).toBe(false);
	});
});
