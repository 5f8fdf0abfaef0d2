import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { buildReviewedWork, type ReviewedWork } from '../support/reviewed-work';
import { CLI_ENTRY } from '../support/cli-bundle';

// The CLI in child processes on its own database files, as an operator would run it.
const run = promisify(execFile);
let dir: string;
let file: string;
let db: Db;
let work: ReviewedWork;
let adminEmail: string;

async function cli(env: Record<string, string>, ...args: string[]) {
	try {
		const { stdout, stderr } = await run(process.execPath, [CLI_ENTRY, ...args], {
			env: { ...process.env, BACKUP_DIR: path.join(dir, 'backups'), ...env }
		});
		return { code: 0, stdout, stderr };
	} catch (err) {
		const e = err as { code: number; stdout: string; stderr: string };
		return { code: e.code, stdout: e.stdout, stderr: e.stderr };
	}
}
const onMain = (...args: string[]) => cli({ DATABASE_PATH: file }, ...args);

beforeAll(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-keep-cli-'));
	file = path.join(dir, 'main.db');
	db = openDatabase(file, path.resolve('migrations'));
	work = await buildReviewedWork(db, 'cli');
	adminEmail = db.$client.prepare('SELECT email FROM users WHERE id = ?').pluck().get(work.adminId) as string;
}, 60_000);
afterAll(() => {
	db.$client.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

const labels = (auditId: number) => db.$client.prepare('SELECT count(*) FROM audit_labels WHERE audit_id = ?').pluck().get(auditId);

describe('cli: reviewed work is kept', () => {
	it('refuses to delete a dataset or an audit holding labels, naming the audits and counts (exit 1)', async () => {
		const dataset = await onMain('datasets', 'delete', 'cli quality', '--confirm', 'cli quality');
		expect(dataset.code).toBe(1);
		expect(dataset.stderr).toContain(`error: Dataset "cli quality" holds reviewed work, so it cannot be deleted: audit "Quality audit" (#${work.quality.auditId}): 19 labels, 1 adjudication, 8 skips with a reason.`);
		const audit = await onMain('audit', 'delete', String(work.rating.auditId), '--confirm', 'Rating audit');
		expect(audit.code).toBe(1);
		expect(audit.stderr).toMatch(/Audit "Rating audit" holds reviewed work, so it cannot be deleted \(audit "Rating audit" \(#\d+\): 5 labels, 1 adjudication, 1 unsent draft, 3 skips with a reason\)/);
		expect(labels(work.quality.auditId)).toBe(19);
		const idle = await onMain('datasets', 'delete', 'cli idle', '--confirm', 'cli idle');
		expect(idle).toMatchObject({ code: 0, stdout: 'deleted dataset "cli idle"\n' });
	}, 60_000);

	it('archives, restores, and purges only as an administrator, after a backup', async () => {
		expect((await onMain('datasets', 'archive', 'cli rating')).stdout).toBe('archived (with 1 audit(s))\n');
		expect(JSON.parse((await onMain('datasets', 'list', '--archived', '--json')).stdout).map((d: { name: string }) => d.name)).toEqual(['cli rating']);
		expect((await onMain('audit', 'list', '--json')).stdout).not.toContain('Rating audit');
		// Listed with the archived ones as archived, not as "open".
		expect((await onMain('audit', 'list', '--archived')).stdout).toMatch(/Rating audit.*archived \(open\)/);
		const notAdmin = await onMain('datasets', 'purge', 'cli rating', '--confirm', 'cli rating');
		expect(notAdmin).toMatchObject({ code: 2 });
		expect(notAdmin.stderr).toContain('Purging needs --as <email> of an administrator account.');
		const purged = await onMain('datasets', 'purge', 'cli rating', '--confirm', 'cli rating', '--as', adminEmail, '--json');
		expect(purged.code).toBe(0);
		const result = JSON.parse(purged.stdout);
		expect(result.purged.counts).toEqual(expect.arrayContaining([{ what: 'labels', n: 5 }]));
		expect(fs.existsSync(result.backup.file)).toBe(true);
		expect(labels(work.rating.auditId)).toBe(0);
		// The backup holds what was purged.
		const copy = openDatabase(result.backup.file, path.resolve('migrations'));
		expect(copy.$client.prepare('SELECT count(*) FROM audit_labels WHERE audit_id = ?').pluck().get(work.rating.auditId)).toBe(5);
		copy.$client.close();
	}, 60_000);

	it('backs up to --out with a parseable --json report; restore refuses while the database is open', async () => {
		const out = path.join(dir, 'manual.db');
		const backup = await onMain('backup', '--out', out, '--json');
		expect(backup.code).toBe(0);
		const report = JSON.parse(backup.stdout);
		expect(report).toMatchObject({ file: out, kind: 'manual', migrations: { status: 'current' } });
		expect(report.tables.audit_labels).toBe(db.$client.prepare('SELECT count(*) FROM audit_labels').pluck().get());
		const listed = JSON.parse((await onMain('backup', 'list', '--json')).stdout);
		expect(listed.length).toBeGreaterThan(0);
		// This test holds the database open, as a running server would.
		const restore = await onMain('restore', out);
		expect(restore.code).toBe(1);
		expect(restore.stderr).toContain('is in use by another process. Stop the server (and any CLI run) first, then restore.');
	}, 60_000);

	it('restores a backup into a stopped installation, counting the rows back', async () => {
		const target = path.join(dir, 'elsewhere', 'app.db');
		// A database that does not exist is refused (a mistyped DATABASE_PATH, or none set), creating nothing…
		const refused = await cli({ DATABASE_PATH: target }, 'restore', path.join(dir, 'manual.db'), '--json');
		expect(refused.code).toBe(1);
		expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'not_found', file: target, message: expect.stringContaining(`There is no database at ${target} (DATABASE_PATH), so there is nothing to replace.`) });
		expect(refused.stderr.trim().split('\n')).toHaveLength(1);
		expect(fs.existsSync(path.dirname(target))).toBe(false);
		// …unless --create asks for a new one.
		const restored = await cli({ DATABASE_PATH: target }, 'restore', path.join(dir, 'manual.db'), '--create', '--json');
		expect(restored.code, restored.stderr).toBe(0);
		const result = JSON.parse(restored.stdout);
		expect(result.created).toBe(true);
		expect(result.tables.audit_labels).toBe(db.$client.prepare('SELECT count(*) FROM audit_labels').pluck().get());
		expect(result.previous).toBeNull();
	}, 60_000);

	it('exports an audit as a bundle and imports it into another installation', async () => {
		const bundle = path.join(dir, 'quality.bundle.jsonl');
		expect((await onMain('audit', 'export', String(work.quality.auditId), '--out', bundle)).code).toBe(0);
		const lines = fs.readFileSync(bundle, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
		expect(lines[0]).toMatchObject({ type: 'audit-bundle', audit: { name: 'Quality audit' } });
		expect(lines.filter((l) => l.type === 'label')).toHaveLength(19);

		// Another installation with the same data and accounts: the restored copy.
		const other = path.join(dir, 'elsewhere', 'app.db');
		const target = openDatabase(other, path.resolve('migrations'));
		const datasetId = target.$client.prepare(`SELECT id FROM datasets WHERE name = 'cli quality'`).pluck().get() as number;
		target.$client.prepare(`INSERT INTO datasets (name, created_at) VALUES ('unrelated', 1)`).run();
		target.$client.close();
		// The restored copy holds this very audit: the bundle is refused there, naming it.
		const same = await cli({ DATABASE_PATH: other }, 'audit', 'import', bundle, '--dataset', 'cli quality', '--json');
		expect(same.code).toBe(1);
		expect(JSON.parse(same.stdout).error.message).toContain(`already has: audit ${work.quality.auditId} "Quality audit", the audit it was exported from, with the same 9 items and the same 19 labels`);
		// Another audit drawn a moment later with the same items and labels (as another lab's would be) imports.
		const [header, ...rest] = fs.readFileSync(bundle, 'utf8').split('\n');
		const h = JSON.parse(header);
		h.audit.createdAt = new Date(Date.parse(h.audit.createdAt) + 1).toISOString();
		fs.writeFileSync(bundle, [JSON.stringify(h), ...rest].join('\n'));
		const imported = await cli({ DATABASE_PATH: other }, 'audit', 'import', bundle, '--dataset', 'cli quality', '--json');
		expect(imported.code, imported.stdout).toBe(0);
		expect(JSON.parse(imported.stdout)).toMatchObject({ name: 'Quality audit', labels: 19, adjudications: 1 });
		const reportOf = async (env: Record<string, string>, id: number) => JSON.parse((await cli(env, 'report', String(id), '--json')).stdout);
		const here = await reportOf({ DATABASE_PATH: file }, work.quality.auditId);
		const there = await reportOf({ DATABASE_PATH: other }, JSON.parse(imported.stdout).auditId);
		const withoutIds = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (/^id$|Id$/.test(k) ? undefined : x)));
		expect(withoutIds(there.quality)).toEqual(withoutIds(here.quality));
		expect(there.progress).toEqual(here.progress);
		expect(datasetId).toBeGreaterThan(0);

		// A dataset that does not hold the audit's data: refused with the list of what does not match.
		const refused = await cli({ DATABASE_PATH: other }, 'audit', 'import', bundle, '--dataset', 'unrelated');
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/The bundle does not match this installation \(9 problems\); nothing was imported:\n {2}- item \d+ \(position \d+\): no task in "unrelated" has the instruction/);
	}, 90_000);
});
