import fs from 'node:fs';
import path from 'node:path';

/** A copy of the app's first `n` migrations in `dir`: what an older version of the app had. */
export function olderMigrations(dir: string, n: number): string {
	const folder = path.join(dir, `migrations-${n}`);
	fs.mkdirSync(path.join(folder, 'meta'), { recursive: true });
	const journal = JSON.parse(fs.readFileSync('migrations/meta/_journal.json', 'utf8'));
	journal.entries = journal.entries.slice(0, n);
	fs.writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
	for (const e of journal.entries) fs.copyFileSync(path.join('migrations', `${e.tag}.sql`), path.join(folder, `${e.tag}.sql`));
	return folder;
}
