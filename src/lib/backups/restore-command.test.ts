import { describe, expect, it } from 'vitest';
import { restoreCommand, shellWord } from './restore-command';

describe('restoreCommand', () => {
	it('names the server database, so it restores into it from any folder', () => {
		expect(restoreCommand('/srv/ia/data/instruct-audit.db', '/srv/ia/data/backups')).toBe(
			'DATABASE_PATH=/srv/ia/data/instruct-audit.db npx instruct-audit restore /srv/ia/data/backups/<backup file>'
		);
	});

	it('quotes paths a shell would split or expand', () => {
		expect(restoreCommand('/home/me/my data/a.db', "/b/it's")).toBe(`DATABASE_PATH='/home/me/my data/a.db' npx instruct-audit restore '/b/it'\\''s'/<backup file>`);
		expect(shellWord('$HOME/x')).toBe(`'$HOME/x'`);
		expect(shellWord('plain/path-1.db')).toBe('plain/path-1.db');
	});
});
