import { describe, expect, it } from 'vitest';
import { readConfig } from './config';

describe('backup settings', () => {
	it('default to a backups folder beside the database, no schedule, keeping 7', () => {
		const cfg = readConfig({ DATABASE_PATH: '/srv/audit/app.db' });
		expect(cfg.backupDir).toBe('/srv/audit/backups');
		expect(cfg.backupIntervalHours).toBe(0);
		expect(cfg.backupKeep).toBe(7);
	});

	it('read the folder, the interval (fractions allowed) and how many to keep', () => {
		const cfg = readConfig({ DATABASE_PATH: '/srv/audit/app.db', BACKUP_DIR: '/mnt/safe', BACKUP_INTERVAL_HOURS: '0.5', BACKUP_KEEP: '30' });
		expect(cfg).toMatchObject({ backupDir: '/mnt/safe', backupIntervalHours: 0.5, backupKeep: 30 });
	});

	it('refuse a number of backups to keep that is not a whole number of at least 1', () => {
		expect(() => readConfig({ BACKUP_KEEP: '0' })).toThrow(/BACKUP_KEEP must be a whole number of at least 1, got "0"/);
		expect(() => readConfig({ BACKUP_KEEP: '2.5' })).toThrow(/BACKUP_KEEP/);
		expect(() => readConfig({ BACKUP_INTERVAL_HOURS: 'daily' })).toThrow(/BACKUP_INTERVAL_HOURS must be a non-negative number, got "daily"/);
	});
});
