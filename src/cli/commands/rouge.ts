/**
 * `npx instruct-audit rouge --pairs <file>`: ROUGE-L exactly as Google's rouge_score computes it
 * (rougeL, no stemmer) for each line {target, prediction} of a JSON Lines file; one line
 * {precision, recall, fmeasure} per pair on stdout, in order (blank lines are skipped).
 */
import path from 'node:path';
import { CliError, usageError } from '../cli-error';
import { parseCommandArgs, refuseExtraPositionals } from '../args';
import { rougeL } from '$lib/rouge/score';
import { LineWriter, readJsonLines } from './dedup';

const USAGE = `Usage: npx instruct-audit rouge --pairs <file>

Reads JSON Lines of {"target": "…", "prediction": "…"} and prints one JSON line per pair:
  {"precision": …, "recall": …, "fmeasure": …}
computed exactly as rouge_score's RougeScorer(["rougeL"], use_stemmer=False).score(target, prediction).`;

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(argv, { pairs: { type: 'string' } }, USAGE);
	refuseExtraPositionals(positionals, values.pairs ? 0 : 1, USAGE);
	const file = values.pairs ?? positionals[0];
	if (!file) throw usageError(`Missing --pairs <file>.`, USAGE);
	const name = path.basename(file);
	const out = new LineWriter(process.stdout);
	const pairs = readJsonLines(file, (value, line) => {
		if (typeof value !== 'object' || value === null || Array.isArray(value)) {
			throw new CliError(`${name}: line ${line}: expected an object {"target", "prediction"}`);
		}
		const record = value as Record<string, unknown>;
		for (const field of ['target', 'prediction'] as const) {
			if (typeof record[field] !== 'string') {
				const got = record[field] === undefined ? 'it is missing' : `got ${record[field] === null ? 'null' : typeof record[field]}`;
				throw new CliError(`${name}: line ${line}: field "${field}" must be a string, ${got}`);
			}
		}
		return { target: record.target as string, prediction: record.prediction as string };
	});
	try {
		for await (const { target, prediction } of pairs) {
			const s = rougeL(target, prediction);
			await out.write(JSON.stringify({ precision: s.precision, recall: s.recall, fmeasure: s.fmeasure }));
		}
	} finally {
		await out.end(); // what was computed before an error still goes out
	}
}
