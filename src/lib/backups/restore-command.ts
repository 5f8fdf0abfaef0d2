/**
 * The command an admin copies to restore a backup: it names the server's own database, so it
 * restores into that file from whatever folder it is run in (without DATABASE_PATH the CLI
 * uses the app folder's default database, which need not be the server's).
 */
export function restoreCommand(databaseFile: string, backupDir: string): string {
	return `DATABASE_PATH=${shellWord(databaseFile)} npx instruct-audit restore ${shellWord(backupDir)}/<backup file>`;
}

/** A word a POSIX shell reads back as `text`: as it is when it holds no special character, else single-quoted. */
export function shellWord(text: string): string {
	return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
