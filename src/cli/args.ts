import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, usageError } from './cli-error';

/** util.parseArgs with CLI-friendly errors, and `--help` printing the command's usage. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
	argv: string[],
	options: T,
	usage: string,
	allowPositionals = true
) {
	let parsed;
	try {
		parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true, tokens: true });
	} catch (err) {
		// parseArgs explains some refusals in three lines (`--size -3`): the first says what; one line, with the way out.
		const lines = (err as Error).message.split('\n');
		const dashed = /^Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(lines[0]);
		throw usageError(dashed ? dashedValueMessage(dashed[1], argv) : lines.join(' '), usage);
	}
	if ((parsed.values as Record<string, unknown>).help) {
		console.log(usage);
		process.exit(0);
	}
	// parseArgs keeps the last of a repeated option: `--dataset a --dataset b` would quietly use b.
	const seen = new Set<string>();
	const declared = options as Record<string, { type: string; multiple?: boolean } | undefined>;
	for (const token of parsed.tokens ?? []) {
		if (token.kind !== 'option' || declared[token.name]?.type !== 'string' || declared[token.name]?.multiple) continue;
		if (seen.has(token.name)) throw usageError(`--${token.name} was given more than once; give it once.`, usage);
		seen.add(token.name);
	}
	return parsed as { values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : T[K]['multiple'] extends true ? string[] : string }; positionals: string[] };
}

/**
 * An option followed by a word that begins with a dash: a negative number meant as its value
 * (`--size -3`: write it `--size=-3`), or far more often no value at all (`--labels --json`).
 */
function dashedValueMessage(option: string, argv: string[]): string {
	const next = argv[argv.indexOf(option) + 1];
	if (next !== undefined && /^-\.?\d/.test(next)) return `${option} is followed by a value that begins with a dash; write it ${option}=<value> (e.g. ${option}=${next}).`;
	return `${option} needs a value${next === undefined ? '' : ` (the next word, "${next}", is an option)`}.`;
}

/**
 * Refuses arguments past the `max` a command (or its action) reads: `report 1 2` would
 * otherwise report audit 1 and say nothing of 2.
 */
export function refuseExtraPositionals(positionals: string[], max: number, usage: string): void {
	if (positionals.length > max) throw usageError(`Unexpected argument "${positionals[max]}".`, usage);
}

export function requireOption(value: string | undefined, name: string, usage: string): string {
	if (!value) throw usageError(`Missing --${name}.`, usage);
	return value;
}

/** A whole number written in digits (an optional minus sign): Number() would also take 1e2, 0x10, 1.0 and " 7". */
export function intOption(value: string | undefined, name: string, fallback: number): number {
	if (value === undefined) return fallback;
	if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new CliError(`--${name} must be an integer, got "${value}".`, 2);
	return Number(value);
}
