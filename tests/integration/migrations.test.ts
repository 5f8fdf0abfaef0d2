import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { generateSQLiteDrizzleJson, generateSQLiteMigration } from 'drizzle-kit/api';
import * as tables from '../../src/lib/server/db/tables';

const migrations = path.resolve(__dirname, '../../migrations');

/** The snapshot drizzle-kit wrote with the newest migration: the schema the migrations build. */
function latestSnapshot() {
	const journal = JSON.parse(fs.readFileSync(path.join(migrations, 'meta/_journal.json'), 'utf8')) as { entries: { idx: number; tag: string }[] };
	const last = journal.entries.at(-1)!;
	const file = path.join(migrations, 'meta', `${String(last.idx).padStart(4, '0')}_snapshot.json`);
	return { tag: last.tag, snapshot: JSON.parse(fs.readFileSync(file, 'utf8')) };
}

describe('migrations', () => {
	it('build exactly the schema the code declares (run `npm run db:generate` after a schema change)', async () => {
		const { tag, snapshot } = latestSnapshot();
		expect(fs.existsSync(path.join(migrations, `${tag}.sql`))).toBe(true);
		const declared = await generateSQLiteDrizzleJson(tables as unknown as Record<string, unknown>);
		const pending = await generateSQLiteMigration(snapshot, declared);
		expect(pending).toEqual([]);
	});
});
