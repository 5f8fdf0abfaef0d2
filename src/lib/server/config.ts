import path from 'node:path';
import { NUMBER_SETTINGS, describeRange, readNumberSetting } from '../../../scripts/settings.js';
import { DomainError } from '../errors';

/**
 * Server configuration, read from the process environment in this one place so the web server,
 * the CLI and the tests agree. Every variable is documented in the README.
 */
export interface AppConfig {
	/** SQLite database file; created (with its folder) on first start. */
	databasePath: string;
	/** Folder holding drizzle-kit's migrations, applied at start-up. */
	migrationsDir: string;
	/** Largest file an import accepts, in bytes (checked while the upload streams). */
	maxImportBytes: number;
	/** Largest body of any other request (forms, JSON), in bytes; checked before it is read. */
	maxBodyBytes: number;
	/** Largest single record (a JSON line or array item) an import accepts, in characters. */
	maxRecordChars: number;
	/** Session lifetime in milliseconds. */
	sessionMaxAgeMs: number;
	/** Sign-in attempts allowed per account (email) within `loginWindowMs`. */
	loginMaxAttempts: number;
	/** Sign-in attempts allowed per client address within `loginWindowMs`, across accounts. */
	loginMaxAttemptsPerAddress: number;
	loginWindowMs: number;
	adminEmail?: string;
	adminPassword?: string;
	/** Folder for backups (Admin → Backups, scheduled ones, the copy written before a purge). */
	backupDir: string;
	/** Hours between scheduled backups taken by the server; 0 = none. */
	backupIntervalHours: number;
	/** Scheduled backups kept (older ones are removed); other backups are never removed. */
	backupKeep: number;
	/** The commit exports and manifests name (GIT_COMMIT); unset = ask git. */
	gitCommit?: string;
	/** Log the analyses' worker failures to stderr (DEBUG_ANALYSES). */
	debugAnalyses: boolean;
	/** Print every labelled write transaction held longer than this many ms, with its callers (LOCK_TRACE_MS; 0 = off). */
	lockTraceMs: number;
	/** Niceness the CLI's bulk commands run at (INSTRUCT_AUDIT_NICE; 0 = the normal priority). */
	cliNice: number;
	/** Pool size from which a generation run scans similarity records in a worker thread (RECORD_WORKER_FROM). */
	recordWorkerFrom: number;
}

/**
 * Settings that cannot be used, one line per variable: its name, the value given and what is
 * allowed. The server prints the lines and exits at start-up; the CLI prints them as its error.
 */
export class ConfigError extends DomainError {
	constructor(readonly problems: string[]) {
		super(problems.join('\n'), 400, 'config');
	}
}

export { NUMBER_SETTINGS, describeRange };
export type NumberSetting = keyof typeof NUMBER_SETTINGS;

/** The value of a numeric variable, or a line saying why it cannot be used. */
export function numberFromEnv(env: NodeJS.ProcessEnv, name: NumberSetting): { value: number } | { problem: string } {
	return readNumberSetting(name, env[name], NUMBER_SETTINGS[name]);
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
	const problems: string[] = [];
	const num = (name: NumberSetting): number => {
		const read = numberFromEnv(env, name);
		if ('problem' in read) {
			problems.push(read.problem);
			return NUMBER_SETTINGS[name].default;
		}
		return read.value;
	};
	const databasePath = path.resolve(env.DATABASE_PATH || 'data/instruct-audit.db');
	const cfg: AppConfig = {
		databasePath,
		migrationsDir: path.resolve(env.MIGRATIONS_DIR || 'migrations'),
		maxImportBytes: num('MAX_IMPORT_MB') * 1024 * 1024,
		maxBodyBytes: num('MAX_BODY_MB') * 1024 * 1024,
		maxRecordChars: num('MAX_RECORD_CHARS'),
		sessionMaxAgeMs: num('SESSION_DAYS') * 24 * 60 * 60 * 1000,
		loginMaxAttempts: num('LOGIN_MAX_ATTEMPTS'),
		loginMaxAttemptsPerAddress: num('LOGIN_MAX_ATTEMPTS_PER_ADDRESS'),
		loginWindowMs: num('LOGIN_WINDOW_MINUTES') * 60 * 1000,
		adminEmail: env.ADMIN_EMAIL || undefined,
		adminPassword: env.ADMIN_PASSWORD || undefined,
		backupDir: path.resolve(env.BACKUP_DIR || path.join(path.dirname(databasePath), 'backups')),
		backupIntervalHours: num('BACKUP_INTERVAL_HOURS'),
		backupKeep: num('BACKUP_KEEP'),
		gitCommit: env.GIT_COMMIT?.trim() || undefined,
		debugAnalyses: !!env.DEBUG_ANALYSES,
		lockTraceMs: num('LOCK_TRACE_MS'),
		cliNice: num('INSTRUCT_AUDIT_NICE'),
		recordWorkerFrom: num('RECORD_WORKER_FROM')
	};
	if (problems.length) throw new ConfigError(problems);
	return cfg;
}

/**
 * The raw environment, for the few readers that parse a group of variables themselves and take
 * it as a parameter so tests can pass their own: the headless LLM endpoint (LLM_*, see
 * llm/endpoint.ts) and the CLI's PASSWORD. Nothing else reads process.env.
 */
export function processEnv(): NodeJS.ProcessEnv {
	return process.env;
}

let cached: AppConfig | undefined;
export function config(): AppConfig {
	cached ??= readConfig();
	return cached;
}
