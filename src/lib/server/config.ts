import path from 'node:path';
import { MAX_RECORD_CHARS } from '../formats/splitters';

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

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
	const raw = env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isFinite(value) || value < 0) {
		throw new Error(`Environment variable ${name} must be a non-negative number, got "${raw}"`);
	}
	return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
	const databasePath = path.resolve(env.DATABASE_PATH || 'data/instruct-audit.db');
	const backupKeep = intFromEnv(env, 'BACKUP_KEEP', 7);
	if (!Number.isInteger(backupKeep) || backupKeep < 1) throw new Error(`Environment variable BACKUP_KEEP must be a whole number of at least 1, got "${env.BACKUP_KEEP}"`);
	return {
		databasePath,
		migrationsDir: path.resolve(env.MIGRATIONS_DIR || 'migrations'),
		maxImportBytes: intFromEnv(env, 'MAX_IMPORT_MB', 1024) * 1024 * 1024,
		maxBodyBytes: intFromEnv(env, 'MAX_BODY_MB', 4) * 1024 * 1024,
		maxRecordChars: intFromEnv(env, 'MAX_RECORD_CHARS', MAX_RECORD_CHARS),
		sessionMaxAgeMs: intFromEnv(env, 'SESSION_DAYS', 14) * 24 * 60 * 60 * 1000,
		loginMaxAttempts: intFromEnv(env, 'LOGIN_MAX_ATTEMPTS', 10),
		loginMaxAttemptsPerAddress: intFromEnv(env, 'LOGIN_MAX_ATTEMPTS_PER_ADDRESS', 100),
		loginWindowMs: intFromEnv(env, 'LOGIN_WINDOW_MINUTES', 15) * 60 * 1000,
		adminEmail: env.ADMIN_EMAIL || undefined,
		adminPassword: env.ADMIN_PASSWORD || undefined,
		backupDir: path.resolve(env.BACKUP_DIR || path.join(path.dirname(databasePath), 'backups')),
		backupIntervalHours: intFromEnv(env, 'BACKUP_INTERVAL_HOURS', 0),
		backupKeep,
		gitCommit: env.GIT_COMMIT?.trim() || undefined,
		debugAnalyses: !!env.DEBUG_ANALYSES,
		lockTraceMs: intFromEnv(env, 'LOCK_TRACE_MS', 0),
		cliNice: Math.min(19, Math.floor(intFromEnv(env, 'INSTRUCT_AUDIT_NICE', 10))),
		recordWorkerFrom: intFromEnv(env, 'RECORD_WORKER_FROM', 500)
	};
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
