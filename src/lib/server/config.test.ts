import { describe, expect, it } from 'vitest';
import { ConfigError, NUMBER_SETTINGS, numberFromEnv, readConfig } from './config';
import { numberSettingProblems } from '../../../scripts/settings.js';

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
		expect(() => readConfig({ BACKUP_KEEP: '0' })).toThrow('BACKUP_KEEP="0": must be a whole number of at least 1.');
		expect(() => readConfig({ BACKUP_KEEP: '2.5' })).toThrow(/BACKUP_KEEP/);
		expect(() => readConfig({ BACKUP_INTERVAL_HOURS: 'daily' })).toThrow('BACKUP_INTERVAL_HOURS="daily": must be a number from 0 to 8760.');
	});
});

describe('numeric settings', () => {
	const problems = (env: NodeJS.ProcessEnv): string[] => {
		try {
			readConfig(env);
		} catch (err) {
			expect(err).toBeInstanceOf(ConfigError);
			return (err as ConfigError).problems;
		}
		return [];
	};

	it('refuse a 0 that would switch sign-in limits off or end every session at once, fractions, and words; each bad variable named with its range', () => {
		expect(problems({ LOGIN_MAX_ATTEMPTS: '0' })).toEqual(['LOGIN_MAX_ATTEMPTS="0": must be a whole number of at least 1.']);
		expect(problems({ LOGIN_MAX_ATTEMPTS_PER_ADDRESS: '0' })).toEqual(['LOGIN_MAX_ATTEMPTS_PER_ADDRESS="0": must be a whole number of at least 1.']);
		expect(problems({ SESSION_DAYS: '0' })).toEqual(['SESSION_DAYS="0": must be a whole number from 1 to 3650.']);
		expect(problems({ SESSION_DAYS: '1.5', MAX_IMPORT_MB: 'abc', LOGIN_WINDOW_MINUTES: ' ', INSTRUCT_AUDIT_NICE: '25', LOCK_TRACE_MS: '-1' })).toEqual([
			'MAX_IMPORT_MB="abc": must be a whole number from 1 to 1048576.',
			'SESSION_DAYS="1.5": must be a whole number from 1 to 3650.',
			'LOGIN_WINDOW_MINUTES=" ": must be a whole number from 1 to 10080.',
			'LOCK_TRACE_MS="-1": must be a whole number of at least 0.',
			'INSTRUCT_AUDIT_NICE="25": must be a whole number from 0 to 19.'
		]);
	});

	it('take every value in range, and the defaults when unset or empty', () => {
		const cfg = readConfig({ LOGIN_MAX_ATTEMPTS: '1', SESSION_DAYS: '3650', LOCK_TRACE_MS: '0', INSTRUCT_AUDIT_NICE: '0', RECORD_WORKER_FROM: '0', MAX_BODY_MB: '' });
		expect(cfg).toMatchObject({ loginMaxAttempts: 1, sessionMaxAgeMs: 3650 * 86_400_000, lockTraceMs: 0, cliNice: 0, recordWorkerFrom: 0, maxBodyBytes: 4 * 1024 * 1024 });
		for (const [name, range] of Object.entries(NUMBER_SETTINGS)) expect(problems({ [name]: String(range.default) }), name).toEqual([]);
	});
});

describe('one reading of numbers for every numeric setting, PORT included', () => {
	it('takes digits only: no exponent, hex, sign or surrounding space, which Number() would take', () => {
		for (const raw of ['1e1', '0x10', '+5', ' 5', '5 ', '5\n', '1_0']) {
			expect(numberFromEnv({ LOGIN_MAX_ATTEMPTS: raw }, 'LOGIN_MAX_ATTEMPTS'), raw).toEqual({
				problem: `LOGIN_MAX_ATTEMPTS=${JSON.stringify(raw)}: must be a whole number of at least 1.`
			});
		}
		expect(() => readConfig({ SESSION_DAYS: ' 5' })).toThrow('SESSION_DAYS=" 5": must be a whole number from 1 to 3650.');
		expect(readConfig({ LOGIN_MAX_ATTEMPTS: '007', BACKUP_INTERVAL_HOURS: '0.25' })).toMatchObject({ loginMaxAttempts: 7, backupIntervalHours: 0.25 });
		for (const raw of ['.5', '1.', '1e-1', ' 1']) expect(() => readConfig({ BACKUP_INTERVAL_HOURS: raw }), raw).toThrow(/BACKUP_INTERVAL_HOURS/);
	});

	it('names every bad one at once, PORT first, as the server prints them', () => {
		expect(numberSettingProblems({ PORT: 'abc', SESSION_DAYS: '0', BACKUP_KEEP: 'x' })).toEqual([
			'PORT="abc": must be a whole number from 1 to 65535.',
			'SESSION_DAYS="0": must be a whole number from 1 to 3650.',
			'BACKUP_KEEP="x": must be a whole number of at least 1.'
		]);
		for (const raw of ['1e3', '0x10', '0', '65536', ' ']) expect(numberSettingProblems({ PORT: raw }), raw).toEqual([`PORT=${JSON.stringify(raw)}: must be a whole number from 1 to 65535.`]);
		expect(numberSettingProblems({ PORT: '3000', SESSION_DAYS: '', MAX_IMPORT_MB: '10' })).toEqual([]);
	});
});
