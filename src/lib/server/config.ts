import path from 'node:path';
import { MAX_RECORD_CHARS } from '../formats/splitters';
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

/** What a numeric variable may hold. A 0 that would switch a protection off, or make every sign-in expire at once, is out of range. */
interface NumberRange {
	default: number;
	min: number;
	max?: number;
	/** Fractions allowed (default: whole numbers only). */
	fractions?: boolean;
}

/** The numeric settings and their valid ranges (the README's Configuration table lists the same). */
export const NUMBER_SETTINGS = {
	MAX_IMPORT_MB: { default: 1024, min: 1, max: 1_048_576 },
	MAX_BODY_MB: { default: 4, min: 1, max: 1024 },
	MAX_RECORD_CHARS: { default: MAX_RECORD_CHARS, min: 1 },
	SESSION_DAYS: { default: 14, min: 1, max: 3650 },
	LOGIN_MAX_ATTEMPTS: { default: 10, min: 1 },
	LOGIN_MAX_ATTEMPTS_PER_ADDRESS: { default: 100, min: 1 },
	LOGIN_WINDOW_MINUTES: { default: 15, min: 1, max: 10_080 },
	BACKUP_INTERVAL_HOURS: { default: 0, min: 0, max: 8760, fractions: true },
	BACKUP_KEEP: { default: 7, min: 1 },
	LOCK_TRACE_MS: { default: 0, min: 0 },
	INSTRUCT_AUDIT_NICE: { default: 10, min: 0, max: 19 },
	RECORD_WORKER_FROM: { default: 500, min: 0 }
} satisfies Record<string, NumberRange>;

export type NumberSetting = keyof typeof NUMBER_SETTINGS;

/** "a whole number from 1 to 3650" */
export function describeRange(range: NumberRange): string {
	const kind = range.fractions ? 'a number' : 'a whole number';
	return range.max === undefined ? `${kind} of at least ${range.min}` : `${kind} from ${range.min} to ${range.max}`;
}

/** The value of a numeric variable, or a line saying why it cannot be used. */
export function numberFromEnv(env: NodeJS.ProcessEnv, name: NumberSetting): { value: number } | { problem: string } {
	const range: NumberRange = NUMBER_SETTINGS[name];
	const raw = env[name];
	if (raw === undefined || raw === '') return { value: range.default };
	const value = raw.trim() === '' ? NaN : Number(raw);
	const fits = Number.isFinite(value) && value >= range.min && (range.max === undefined || value <= range.max) && (range.fractions || Number.isInteger(value));
	return fits ? { value } : { problem: `${name}=${JSON.stringify(raw)}: must be ${describeRange(range)}.` };
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
