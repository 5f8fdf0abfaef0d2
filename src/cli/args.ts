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
		parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
	} catch (err) {
		throw usageError(`${(err as Error).message}`, usage);
	}
	if ((parsed.values as Record<string, unknown>).help) {
		console.log(usage);
		process.exit(0);
	}
	return parsed as { values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : T[K]['multiple'] extends true ? string[] : string }; positionals: string[] };
}

export function requireOption(value: string | undefined, name: string, usage: string): string {
	if (!value) throw usageError(`Missing --${name}.`, usage);
	return value;
}

export function intOption(value: string | undefined, name: string, fallback: number): number {
	if (value === undefined) return fallback;
	const n = Number(value);
	if (!Number.isInteger(n)) throw new CliError(`--${name} must be an integer, got "${value}".`, 2);
	return n;
}
