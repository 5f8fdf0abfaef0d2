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
