// The numeric settings (environment variables), their ranges and the one way they are read, in
// plain JavaScript so that `npm start` (scripts/start.js, before it builds) and scripts/serve.js
// check them without the built app, and the app's config module (src/lib/server/config.ts) reads
// them the same way. The README's Configuration table lists the same ranges.

/**
 * What a numeric variable may hold. A 0 that would switch a protection off, or make every
 * sign-in expire at once, is out of range.
 * @typedef {{ default: number; min: number; max?: number; fractions?: boolean }} NumberRange
 */

/** The app's numeric settings. */
export const NUMBER_SETTINGS = /** @type {const} @satisfies {Record<string, NumberRange>} */ ({
	MAX_IMPORT_MB: { default: 1024, min: 1, max: 1_048_576 },
	MAX_BODY_MB: { default: 4, min: 1, max: 1024 },
	MAX_RECORD_CHARS: { default: 1_000_000, min: 1 },
	SESSION_DAYS: { default: 14, min: 1, max: 3650 },
	LOGIN_MAX_ATTEMPTS: { default: 10, min: 1 },
	LOGIN_MAX_ATTEMPTS_PER_ADDRESS: { default: 100, min: 1 },
	LOGIN_WINDOW_MINUTES: { default: 15, min: 1, max: 10_080 },
	BACKUP_INTERVAL_HOURS: { default: 0, min: 0, max: 8760, fractions: true },
	BACKUP_KEEP: { default: 7, min: 1 },
	LOCK_TRACE_MS: { default: 0, min: 0 },
	INSTRUCT_AUDIT_NICE: { default: 10, min: 0, max: 19 },
	RECORD_WORKER_FROM: { default: 500, min: 0 }
});

/** The port the server listens on (scripts/serve.js). @type {NumberRange} */
export const PORT_SETTING = { default: 3000, min: 1, max: 65535 };

/**
 * "a whole number from 1 to 3650"
 * @param {NumberRange} range
 */
export function describeRange(range) {
	const kind = range.fractions ? 'a number' : 'a whole number';
	return range.max === undefined ? `${kind} of at least ${range.min}` : `${kind} from ${range.min} to ${range.max}`;
}

// Digits only (a decimal fraction where allowed): no sign, exponent (1e1), hex (0x10), or
// surrounding space (' 5'), which Number() would all take.
const WHOLE = /^\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * The value of a numeric variable (its default when unset or empty), or a line saying why it
 * cannot be used: the variable, the value given and what is allowed.
 * @param {string} name
 * @param {string | undefined} raw
 * @param {NumberRange} range
 * @returns {{ value: number } | { problem: string }}
 */
export function readNumberSetting(name, raw, range) {
	if (raw === undefined || raw === '') return { value: range.default };
	const value = Number(raw);
	const fits = (range.fractions ? DECIMAL : WHOLE).test(raw) && value >= range.min && (range.max === undefined || value <= range.max);
	return fits ? { value } : { problem: `${name}=${JSON.stringify(raw)}: must be ${describeRange(range)}.` };
}

/**
 * Every numeric setting that cannot be used, PORT first, one line each.
 * @param {Record<string, string | undefined>} env
 * @returns {string[]}
 */
export function numberSettingProblems(env) {
	const problems = [];
	for (const [name, range] of [['PORT', PORT_SETTING], ...Object.entries(NUMBER_SETTINGS)]) {
		const read = readNumberSetting(/** @type {string} */ (name), env[/** @type {string} */ (name)], /** @type {NumberRange} */ (range));
		if ('problem' in read) problems.push(read.problem);
	}
	return problems;
}

/**
 * ORIGIN, when set, must be the public address with its scheme (adapter-node stops the server with
 * a stack trace otherwise): a line saying so, or none.
 * @param {Record<string, string | undefined>} env
 * @returns {string[]}
 */
export function originSettingProblems(env) {
	const raw = env.ORIGIN;
	if (raw === undefined) return [];
	let protocol = '';
	try {
		protocol = new URL(raw.trim()).protocol;
	} catch {
		// not a URL: said below
	}
	if (protocol === 'http:' || protocol === 'https:') return [];
	return [`ORIGIN=${JSON.stringify(raw)}: must be the address people use, with its scheme, such as https://audit.example.org or http://localhost:3000.`];
}

/**
 * Settings the app cannot start with end the process with one line each (the variable, its
 * value, what is allowed) and exit code 1, never a stack trace.
 * @param {string[]} problems
 * @returns {never}
 */
export function refuseSettings(problems) {
	for (const problem of problems) console.error(`error: ${problem}`);
	process.exit(1);
}
