import fs from 'node:fs';
import path from 'node:path';
import { CliError, usageError } from '../cli-error';
import { parseCommandArgs, requireOption, refuseExtraPositionals } from '../args';
import { printJson } from '../output';
import { importFile, importFiles, ImportError, type ImportSummary } from '$lib/server/datasets/import';
import { FORMATS, type FormatId } from '$lib/formats';
import { createProgressBar } from '../progress';
import { interruptible } from '../interrupt';
import { fileErrorOf } from '../files';

const USAGE = `Usage: npx instruct-audit import <file | folder> --dataset <name> [--format <format>] [--model <name>] [--origin imported|seed] [--json]

Imports a JSON Lines or JSON array file into a dataset (created if missing), all or nothing.
A folder is read as SuperNI task files (every *.json in it, one task each), as one import.
Formats (detected automatically unless --format is given):
${FORMATS.map((f) => `  ${f.id.padEnd(20)} ${f.label}`).join('\n')}`;

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(
		argv,
		{ dataset: { type: 'string' }, format: { type: 'string' }, model: { type: 'string' }, origin: { type: 'string' }, json: { type: 'boolean' } },
		USAGE
	);
	const file = positionals[0];
	if (!file) throw usageError(`Missing the file to import.`, USAGE);
	refuseExtraPositionals(positionals, 1, USAGE);
	const datasetName = requireOption(values.dataset, 'dataset', USAGE);
	const format = values.format ?? 'auto';
	if (format !== 'auto' && !FORMATS.some((f) => f.id === format)) {
		throw new CliError(`Unknown --format "${format}". Choose one of: ${FORMATS.map((f) => f.id).join(', ')}.`, 2);
	}
	const origin = values.origin ?? 'imported';
	if (origin !== 'imported' && origin !== 'seed') throw new CliError('--origin must be "imported" or "seed".', 2);
	let size: number;
	let members: string[] | null = null;
	try {
		const stat = fs.statSync(file);
		if (stat.isDirectory()) {
			members = fs
				.readdirSync(file)
				.filter((name) => name.toLowerCase().endsWith('.json'))
				.sort()
				.map((name) => path.join(file, name));
			size = members.reduce((n, m) => n + fs.statSync(m).size, 0);
		} else size = stat.size;
	} catch (err) {
		// "<path>: does not exist." with code not_found and the file, as every command says it.
		throw fileErrorOf(err, file) ?? err;
	}
	const bar = values.json ? null : createProgressBar('Importing', size, 'bytes');
	try {
		const options = {
			datasetName,
			fileName: path.basename(file) + (members ? '/' : ''),
			format: format as FormatId | 'auto',
			modelName: values.model,
			origin: origin as 'imported' | 'seed',
			onProgress: (p: { bytesRead: number; phase: string }) => bar?.update(p.bytesRead, p.phase === 'writing' ? 'writing' : undefined)
		};
		// Ctrl-C stops the import between batches, and the import takes back what it wrote.
		const summary: ImportSummary = await interruptible(`nothing was imported into "${datasetName}".`, (signal) =>
			members
				? importFiles(
						// Opened one at a time, when the import reaches each file (a folder may hold ~1,600).
						members.map((m) => ({ fileName: path.basename(m), source: lazyStream(m) })),
						{ ...options, signal }
					)
				: importFile(fs.createReadStream(file, { highWaterMark: 1 << 20 }), { ...options, signal })
		);
		bar?.finish(size);
		if (values.json) printJson(summary);
		else {
			console.log(
				`Imported ${summary.fileName} (${summary.format}${summary.modelName ? `, model ${summary.modelName}` : ''}) into "${summary.datasetName}"` +
					`${summary.datasetCreated ? ' (new)' : ''}: ${summary.tasksAdded} tasks, ${summary.instancesAdded} instances` +
					`${summary.responsesAdded ? `, ${summary.responsesAdded} responses` : ''}${summary.formulationsAdded ? `, ${summary.formulationsAdded} reformulations` : ''}` +
					`${summary.examplesAdded ? `, ${summary.examplesAdded} examples` : ''}${summary.conversationsAdded ? `, ${summary.conversationsAdded} conversations (${summary.turnsAdded} turns)` : ''}` +
					`${summary.pairsAdded ? `, ${summary.pairsAdded} preference pairs` : ''}${summary.files > 1 ? ` from ${summary.files} files` : ''}, ` +
					`${summary.skippedDuplicates} duplicate ${summary.skippedDuplicates === 1 ? summary.duplicatesOf.slice(0, -1) : summary.duplicatesOf} skipped${summary.skippedDuplicates ? ` (${summary.duplicatesRule})` : ''}, in ${(summary.durationMs / 1000).toFixed(1)} s.`
			);
			for (const notice of summary.notices) console.log(`Note: ${notice}`);
		}
	} catch (err) {
		bar?.stop();
		// The dataset's name (from --dataset) is not the file's fault: name the option, not the file.
		if (err instanceof ImportError && err.field === 'dataset') {
			const prefix = `${err.file}: `;
			throw new CliError(`--dataset: ${err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message} Nothing was imported.`, 2, { field: 'dataset' }, undefined, 'invalid');
		}
		if (err instanceof ImportError) {
			throw new CliError(`${err.message}\nNothing was imported.`, 1, { file: err.file, line: err.line, column: err.column, index: err.index, field: err.field });
		}
		throw err;
	}
}

async function* lazyStream(file: string): AsyncGenerator<Uint8Array> {
	yield* fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>;
}
