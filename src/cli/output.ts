import { CliError } from './cli-error';

/** Output helpers shared by the CLI commands: JSON for scripts, aligned tables for people. */
export function printJson(value: unknown): void {
	process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printTable(rows: Record<string, unknown>[], columns?: string[]): void {
	if (rows.length === 0) {
		console.log('(none)');
		return;
	}
	const cols = columns ?? Object.keys(rows[0]);
	const cell = (v: unknown) => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v));
	const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
	console.log(cols.map((c, i) => c.padEnd(widths[i])).join('  '));
	console.log(widths.map((w) => '-'.repeat(w)).join('  '));
	for (const r of rows) console.log(cols.map((c, i) => cell(r[c]).padEnd(widths[i])).join('  '));
}

/** What an action did: the JSON value under --json (one document a script can read with jq), else the sentence for a person. */
export function printOutcome(json: boolean | undefined, value: object, text: string): void {
	if (json) printJson(value);
	else console.log(text);
}

/**
 * Output options that ask for different documents are refused, one line naming two of them
 * (`report --csv --json`, `stats --latex --markdown`): the command would otherwise print one and
 * quietly drop the other. `alongsideJson`: those that write files or text beside a --json summary.
 */
export function refuseDifferentOutputs(values: Record<string, unknown>, options: readonly string[], alongsideJson: readonly string[] = []): void {
	const forms = options.filter((k) => values[k] !== undefined && values[k] !== false);
	if (forms.length > 1) throw new CliError(`--${forms[0]} and --${forms[1]} ask for different outputs; give one.`, 2);
	if (values.json && forms.length && !alongsideJson.includes(forms[0])) throw new CliError(`--json and --${forms[0]} ask for different outputs; give one.`, 2);
}
