import { formatByteSize } from '$lib/formats/file-size';
import fs from 'node:fs';
import path from 'node:path';
import { CliError, usageError, withExitCode } from '../cli-error';
import { existsError, missingFolderError, requireWritableFile } from '../files';
import { intOption, parseCommandArgs, requireOption } from '../args';
import { printJson } from '../output';
import { createProgressBar } from '../progress';
import { interruptible } from '../interrupt';
import { resolveDataset } from '$lib/server/datasets/datasets';
import { countExport, exportThreadsResolved, writeExportFileInterruptibly, ExportFilterError, type ExportRequest } from '$lib/server/exports/export';
import { DatasetCardError, writeDatasetCard } from '$lib/server/exports/dataset-card';
import { automaticFiltersSource, unjudgedKeptText } from '$lib/cards/automatic-filters';
import { FILTER_HELP, parseWhere, whereClauses } from '$lib/server/exports/filters';
import { judgeEstimateText, type JudgeFilterPrecision } from '$lib/server/exports/judge';
import { LABEL_LEVEL_READING } from '$lib/server/exports/quality';
import { judgePrecisionText } from '$lib/judge/filter-precision';
import { SHAPE_EXPORT_FORMATS, isShapeExportFormat, shapeLeftOutSummary, countShapeExport, writeShapeExport, type ShapeExportFormat, type ShapeExportManifest } from '$lib/server/exports/shapes';
import { reviewersVerdictsText } from '$lib/formats/serialize-shapes';
import {
	CHAT_INPUT_LAYOUTS,
	EXPORT_FORMATS,
	IMPORTED_FIELDS_FORMATS,
	PROMPT_TEMPLATES,
	importedFieldsRefusal,
	isExportFormatId,
	isPromptTemplateId,
	type ChatInputLayout
} from '$lib/formats/serialize';

const USAGE = `Usage: npx instruct-audit export <dataset> --format <format> --out <file> [--where <filter>]… [options]

Writes the rows of <dataset> (name or id) that pass every --where filter to <file>, streamed,
and a manifest (dataset, runs, filters, counts, date, app version and the audits' estimate of
the correctness rate) to <file>.manifest.json.

Formats (--format):
${EXPORT_FORMATS.map((f) => `  ${f.id.padEnd(18)} ${f.label}`).join('\n')}
Whole shapes (every turn, every example, both sides of a pair):
${SHAPE_EXPORT_FORMATS.map((f) => `  ${f.id.padEnd(18)} ${f.label}`).join('\n')}
  (superni: --out is a folder, one task file per task; the manifest lists every file written
  with its bytes and SHA-256. The human-label filters of sharegpt and chat-conversations read
  conversation audits (the verdict on a conversation as a whole); of preference-pairs, pairwise
  audits: audited=yes|no only, and audit=<id> limits the reviewers' verdicts to those audits)

Filters (--where, repeatable; every one must hold):
${FILTER_HELP.map((f) => `  ${(f.values ? `${f.key}=${f.values}` : f.key).padEnd(34)} ${f.description}${f.humanLabel ? ' [human labels]' : ''}`).join('\n')}
  A yes/no filter given alone means yes: --where kept is --where kept=yes. all-yes, agreed,
  not-rejected and judge-valid only select (=no is refused); a filter given twice with
  different values is refused.
  --judge-run <id>       the same as --where judge-run=<id>: the judge run behind judge-valid, its
                         precision and the manifest's judgeEstimate (the estimate defaults to the
                         newest calibrated run; judge-valid needs the run named: it picks rows)
  --judge-valid          the same as --where judge-valid (with --judge-run): only rows the judge said
                         all valid; the judge's precision on the audit is printed with the count and
                         in the manifest

Options:
  --out <file>           where to write (refuses to overwrite without --force)
  --dataset-card         --out is a folder: the data as data/train.<ext>, the manifest as
                         manifest.json and a Hugging Face dataset card README.md (YAML front
                         matter, provenance, audit method, measured correctness, agreement,
                         limitations, methods paragraph)
  --license <spdx>       --dataset-card: the license in the card's front matter (default other)
  --language <codes>     --dataset-card: comma-separated ISO 639-1 codes (default en)
  --judge <run>          --dataset-card: a judge run calibrated on the audit behind the export;
                         its PPI++ whole-dataset estimate goes in the card and its methods
                         paragraph
  --template <t>         prompt-completion template: ${PROMPT_TEMPLATES.map((t) => t.id).join(' | ')} (default self-instruct)
  --system <text>        openai-chat: a system message first in every example
  --chat-input <layout>  openai-chat: ${CHAT_INPUT_LAYOUTS.join(' | ')} (default labelled: "Input:" before the input,
                         which the importer splits back exactly — the manifest's counts.notReadBackExactly
                         counts rows whose text looks like the labels; plain: only a blank line)
  --responses <model>    export this model's responses as the outputs (one row per response)
  --reformulations       add each instance's reformulations (template expansion) as extra rows;
                         one written with {INPUT} is exported with the input in place, no separate input
  --csv-keep-formulas    csv: write cells exactly as stored; by default text starting with = + - @
                         (or a tab or CR; a "- " bullet list too; not a plain number such as -5)
                         gets a leading ' so spreadsheets
                         do not run it as a formula, and pandas / datasets read it with the ';
                         the manifest's options.csvFormulas records which (neutralised | kept)
  --imported-fields      ${IMPORTED_FIELDS_FORMATS.join(', ')}: write each row's imported fields back after instruction,
                         input and output, as the imported row had them (its "id", as text, and any
                         other field, e.g. "source" or "meta"); without it the manifest's
                         counts.importedFieldsNotWritten counts the rows whose fields are not in the file
  --ties omit|flag       preference-pairs: leave ties out (default) or keep them with "tie": true
  --count                print how many rows match (whole shapes: how many conversations, pairs or
                         task files would be written, and what is left out) and write nothing
  --force                overwrite <file> and its manifest
  --json                 print the manifest (or with --count, the counts) as JSON on stdout

Example:
  npx instruct-audit export "self-instruct 82K" --format jsonl --where kept --where classification=no --where run=3 --out clean.jsonl`;

export async function run(argv: string[]): Promise<void> {
	// Large exports use a second thread (Parquet's encoder, the other formats' second reader), whose modules resolve asynchronously.
	await exportThreadsResolved();
	const { values, positionals } = parseCommandArgs(
		argv,
		{
			format: { type: 'string', short: 'f' },
			out: { type: 'string', short: 'o' },
			where: { type: 'string', short: 'w', multiple: true },
			'judge-run': { type: 'string' },
			'judge-valid': { type: 'boolean' },
			template: { type: 'string' },
			system: { type: 'string' },
			'chat-input': { type: 'string' },
			responses: { type: 'string' },
			reformulations: { type: 'boolean' },
			'csv-keep-formulas': { type: 'boolean' },
			'imported-fields': { type: 'boolean' },
			ties: { type: 'string' },
			count: { type: 'boolean' },
			force: { type: 'boolean' },
			json: { type: 'boolean' },
			'dataset-card': { type: 'boolean' },
			license: { type: 'string' },
			language: { type: 'string' },
			judge: { type: 'string' }
		},
		USAGE
	);
	const datasetRef = positionals[0];
	if (!datasetRef) throw usageError(`Missing the dataset to export.`, USAGE);
	if (positionals.length > 1) throw usageError(`Unexpected argument "${positionals[1]}" (filters go after --where).`, USAGE);

	let datasetId: number;
	datasetId = resolveDataset(datasetRef).id;
	let filters;
	try {
		const where = [...(values.where ?? [])];
		if (values['judge-run'] !== undefined) where.push(`judge-run=${values['judge-run']}`);
		if (values['judge-valid']) where.push('judge-valid');
		filters = parseWhere(where);
	} catch (err) {
		if (err instanceof ExportFilterError) throw withExitCode(err, 2);
		throw err;
	}
	const selection = { datasetId, filters, responsesOf: values.responses ?? null, includeReformulations: !!values.reformulations };
	if (values.ties !== undefined && values.ties !== 'omit' && values.ties !== 'flag') throw new CliError('--ties must be omit or flag.', 2);
	if (values.format !== undefined && (isExportFormatId(values.format) || isShapeExportFormat(values.format))) refuseOptionsNotFor(values.format, values);

	if (values.count && values.format !== undefined && isShapeExportFormat(values.format)) {
		const manifest = countShapeExport({ datasetId, format: values.format, filters, ties: values.ties === 'flag' ? 'flag' : 'omit' });
		if (values.json) printJson({ format: manifest.format, counts: manifest.counts, reviewersVerdictsFrom: manifest.reviewersVerdictsFrom, where: whereClauses(filters) });
		else printShapeCounts(manifest, 'match');
		return;
	}
	if (values.count) {
		const counts = countExport(selection);
		if (values.json) printJson({ ...counts, where: whereClauses(filters) });
		else {
			console.log(
				`${plural(counts.rows, 'row')} ${counts.rows === 1 ? 'matches' : 'match'}: ${counts.instances} of ${plural(counts.datasetInstances, 'instance')} from ${plural(counts.tasks, 'task')}` +
					`${counts.responses ? `, ${counts.responses} responses` : ''}${counts.reformulations ? `, ${counts.reformulations} reformulations` : ''}.`
			);
			const line = judgePrecisionLine(counts.judgePrecision);
			if (line) console.log(line);
			else if (filters.judgeValid) console.log(`Judge precision: unknown — judge run ${filters.judgeRun} has no verdict on any audited item.`);
		}
		return;
	}

	const format = requireOption(values.format, 'format', USAGE);
	if (values.out === '-') throw new CliError('--out must name a file: an export writes its manifest beside it, so it cannot go to standard output (-).', 2);
	if (isShapeExportFormat(format)) {
		const out = path.resolve(requireOption(values.out, 'out', USAGE));
		const ties = values.ties ?? 'omit';
		if (ties !== 'omit' && ties !== 'flag') throw new CliError('--ties must be omit or flag.', 2);
		const manifestFile = `${out.replace(/\/+$/, '')}.manifest.json`;
		if (!values.force) {
			for (const f of [out, manifestFile]) if (fs.existsSync(f)) throw existsError(f);
		}
		if (!fs.existsSync(path.dirname(out))) throw missingFolderError(path.dirname(out), out);
		const result = await untilInterrupted(out, (signal) => writeShapeExport({ datasetId, format, filters, ties }, out, undefined, signal));
		if (values.json) printJson(result.manifest);
		else {
			printShapeCounts(result.manifest, out);
			console.log(`Manifest: ${result.manifestFile}`);
		}
		return;
	}
	if (!isExportFormatId(format)) throw new CliError(`Unknown --format "${format}". Choose one of: ${[...EXPORT_FORMATS, ...SHAPE_EXPORT_FORMATS].map((f) => f.id).join(', ')}.`, 2);
	const out = path.resolve(requireOption(values.out, 'out', USAGE));
	const template = values.template ?? 'self-instruct';
	if (!isPromptTemplateId(template)) throw new CliError(`Unknown --template "${template}". Choose one of: ${PROMPT_TEMPLATES.map((t) => t.id).join(', ')}.`, 2);
	const chatInput = values['chat-input'] ?? 'labelled';
	if (!(CHAT_INPUT_LAYOUTS as readonly string[]).includes(chatInput)) throw new CliError(`--chat-input must be ${CHAT_INPUT_LAYOUTS.join(' or ')}.`, 2);
	if (values['dataset-card']) {
		const request: ExportRequest = {
			...selection,
			format,
			options: { template, system: values.system ?? null, chatInput: chatInput as ChatInputLayout, csvKeepFormulas: !!values['csv-keep-formulas'], importedFields: !!values['imported-fields'] }
		};
		const languages = (values.language ?? 'en').split(',').map((l) => l.trim()).filter(Boolean);
		if (!languages.every((l) => /^[a-z]{2,3}$/.test(l))) throw new CliError(`--language takes ISO 639-1 codes separated by commas, got "${values.language}".`, 2);
		const judgeRunId = values.judge === undefined ? null : intOption(values.judge, 'judge', 1);
		const card = await untilInterrupted(out, (signal) => writeDatasetCard(request, out, { license: values.license ?? 'other', languages, force: !!values.force, judgeRunId }, undefined, signal)).catch((err) => {
			throw err instanceof DatasetCardError && err.existing ? existsError(err.existing) : err;
		});
		if (values.json) return printJson({ folder: card.folder, dataFile: card.dataFile, readme: card.readme, manifestFile: card.manifestFile, manifest: card.manifest });
		console.log(`Wrote ${plural(card.manifest.counts.rows, 'row')} to ${card.dataFile}, the dataset card ${card.readme} and ${card.manifestFile}.`);
		return;
	}
	for (const f of [out, `${out}.manifest.json`]) requireWritableFile(f, !!values.force);

	const request: ExportRequest = {
		...selection,
		format,
		options: { template, system: values.system ?? null, chatInput: chatInput as ChatInputLayout, csvKeepFormulas: !!values['csv-keep-formulas'], importedFields: !!values['imported-fields'] }
	};
	let bar: ReturnType<typeof createProgressBar> | null = null;
	// The bar's total is the selection's count, read only for a bar someone will see.
	const showProgress = !values.json && process.stderr.isTTY;
	const result = await untilInterrupted(out, (signal) =>
		writeExportFileInterruptibly(request, out, signal, {
			onProgress: showProgress
				? (p) => {
						bar ??= createProgressBar('Exporting', p.totalRows, 'items');
						bar.update(p.rows, formatByteSize(p.bytes));
					}
				: undefined
		})
	);
	(bar as ReturnType<typeof createProgressBar> | null)?.finish(result.manifest.counts.rows);
	if (values.json) {
		printJson(result.manifest);
		return;
	}
	const m = result.manifest;
	const q = m.quality;
	console.log(
		`Wrote ${plural(m.counts.rows, 'row')} (${plural(m.counts.instances, 'instance')} from ${plural(m.counts.tasks, 'task')}` +
			`${m.counts.responses ? `, ${m.counts.responses} responses` : ''}${m.counts.reformulations ? `, ${m.counts.reformulations} reformulations` : ''}) ` +
			`of "${m.dataset.name}" to ${result.file} (${formatByteSize(m.file.bytes)}, ${m.file.format}).`
	);
	if (m.counts.untrainableTargetsLeftOut)
		console.log(
			`Left out ${m.counts.untrainableTargetsLeftOut} instances whose output is a conversation reply marked "weight": 0 or that is a tool call (an empty reply is an empty output, kept); the whole conversations export with --format chat-conversations or sharegpt.`
		);
	if (m.counts.pairsSharingAPrompt)
		console.log(
			`${m.counts.pairsSharingAPrompt === 1 ? '1 imported comparison pair repeats' : `${m.counts.pairsSharingAPrompt} imported comparison pairs repeat`} an earlier pair's prompt: a prompt has one instance (the first pair's preferred response), so ${m.counts.pairsSharingAPrompt === 1 ? 'its preferred response is' : 'their preferred responses are'} not rows here; --format preference-pairs keeps every pair.`
		);
	if (m.counts.tasksWithoutInstancesLeftOut)
		console.log(`Left out ${plural(m.counts.tasksWithoutInstancesLeftOut, 'task')} without instances (every row is an instance of its task; none of these has one yet).`);
	const byVerdict = m.filters.some((f) => f.where === 'kept' || f.where === 'not-rejected');
	if (m.automaticFilters === null && byVerdict)
		console.log('No automatic filter has been run on this dataset; `kept` is every row (run `filter` first to check the rows).');
	else if (m.automaticFilters && byVerdict) {
		const unjudged = unjudgedKeptText(m.automaticFilters.unjudgedInstances);
		console.log(
			`\`kept\` left out what ${automaticFiltersSource(m.automaticFilters)} rejected` +
				(unjudged ? `; it ${unjudged}${m.automaticFilters.unjudgedInstances?.seeds ? ' (--where origin=generated,imported leaves seed tasks out)' : ''}.` : '.')
		);
	}
	else if (m.automaticFilters?.rejectedInstances)
		console.log(`Includes ${m.automaticFilters.rejectedInstances} instances ${automaticFiltersSource(m.automaticFilters)} rejected (--where kept leaves them out).`);
	if (m.counts.systemMessagesLeftOut)
		console.log(
			`${m.counts.systemMessagesLeftOut} rows come from conversations with a system message of their own, which this single-turn file leaves out (the reply was written under it); --format chat-conversations or sharegpt keeps it.`
		);
	if (m.counts.importedFieldsNotWritten)
		console.log(
			`${plural(m.counts.importedFieldsNotWritten, 'row')} ${m.counts.importedFieldsNotWritten === 1 ? 'carries' : 'carry'} fields of ${m.counts.importedFieldsNotWritten === 1 ? 'its' : 'their'} imported row (an "id", other fields) that this file does not hold; --imported-fields writes them back (--format ${IMPORTED_FIELDS_FORMATS.join(' or ')}).`
		);
	if (m.counts.notReadBackExactly)
		console.log(
			`${m.counts.notReadBackExactly} of the rows will not read back exactly: their text looks like the layout's own labels (an "Input:" or "### Input:" line in the input, a line break ending the input, an instruction starting "Task: "); export as jsonl to keep every field exactly.`
		);
	if (q) {
		const pct = (x: number | null) => (x === null ? '?' : `${(x * 100).toFixed(1)}%`);
		const point = (rate: number | null, low: number | null, high: number | null) => (rate !== null ? pct(rate) : pct(low) === pct(high) ? pct(low) : `${pct(low)}–${pct(high)}`);
		const e = q.exported;
		// Label level (a quality audit's chosen headline) is a share of the reviewers' labels: never "expected correct" rows.
		const labels = q.population.unit === 'labels';
		// A degenerate "100.0% [100.0%, 100.0%]" read as an interval: say what the file's figure is, and how it is found.
		const file =
			e.rows > 0 && e.labelledCorrect === e.rows
				? `in this file every one of the ${e.rows} rows was itself labelled correct`
				: e.lower === null || e.upper === null
					? `in this file ${point(e.rate, e.low, e.high)} correct (${e.method})`
					: labels
						? `in this file ${point(e.rate, e.low, e.high)} (interval ${pct(e.lower)} to ${pct(e.upper)}; ${e.method})`
						: `in this file ${point(e.rate, e.low, e.high)} expected correct (interval ${pct(e.lower)} to ${pct(e.upper)}; ${e.method})`;
		console.log(
			`Audit estimate (${q.measure}, ${q.population.estimatorName}): population ${point(q.population.rate, q.population.low, q.population.high)} (interval ${pct(q.population.lower)} to ${pct(q.population.upper)}), n = ${q.population.items} audited items${labels ? ` (${q.population.successes} yes labels of ${q.population.trials}: ${LABEL_LEVEL_READING})` : ''}; ` +
				`${file}.`
		);
	}
	if (!q && m.qualityNote) console.log(m.qualityNote);
	const je = m.judgeEstimate;
	if (je && (je.rate !== null || je.low !== null)) {
		console.log(judgeEstimateText(je));
		if (je.anchoredNote) console.log(je.anchoredNote);
	} else if (m.judgeEstimateNote) console.log(m.judgeEstimateNote);
	const line = judgePrecisionLine(m.judgePrecision);
	if (line) console.log(line);
	console.log(`Manifest: ${result.manifestFile}`);
}

function plural(n: number, one: string, many = `${one}s`): string {
	return `${n} ${n === 1 ? one : many}`;
}

const SHAPE_RECORDS: Record<ShapeExportFormat, [string, string]> = {
	superni: ['task file', 'task files'],
	'preference-pairs': ['pair', 'pairs'],
	sharegpt: ['conversation', 'conversations'],
	'chat-conversations': ['conversation', 'conversations']
};

/** A shape export's counts: what it wrote (or, for --count, would write: `to` = 'match'), what it left out and whose pair verdicts it used. */
function printShapeCounts(manifest: Pick<ShapeExportManifest, 'format' | 'dataset' | 'counts' | 'reviewersVerdictsFrom'>, to: string): void {
	const c = manifest.counts;
	const [one, many] = SHAPE_RECORDS[manifest.format];
	const what = plural(c.records, one, many);
	console.log(`${to === 'match' ? `${what} would be written` : `Wrote ${what}`} of "${manifest.dataset.name}"${to === 'match' ? '' : ` to ${to}`}${shapeLeftOutSummary(c)}.`);
	const verdicts = reviewersVerdictsText(c, manifest.reviewersVerdictsFrom?.audits ?? []);
	if (verdicts) console.log(verdicts);
}

/**
 * Refuses an option the format does not use rather than ignore it (a `--dataset-card` with
 * sharegpt wrote a plain file named like the folder).
 */
function refuseOptionsNotFor(format: string, values: Record<string, unknown>): void {
	const shape = isShapeExportFormat(format);
	const refusal = !shape && isExportFormatId(format) ? importedFieldsRefusal(format) : null;
	if (values['imported-fields'] && refusal) throw new CliError(refusal, 2);
	const only: [string, boolean, string][] = [
		['dataset-card', !shape, 'the single-row formats (a dataset card describes one data file of rows)'],
		['template', format === 'prompt-completion', '--format prompt-completion'],
		['system', format === 'openai-chat', '--format openai-chat'],
		['chat-input', format === 'openai-chat', '--format openai-chat'],
		['csv-keep-formulas', format === 'csv', '--format csv'],
		['imported-fields', !shape, `--format ${IMPORTED_FIELDS_FORMATS.join(' or ')}`],
		['ties', format === 'preference-pairs', '--format preference-pairs'],
		['responses', !shape, 'the single-row formats'],
		['reformulations', !shape, 'the single-row formats'],
		['license', !!values['dataset-card'], '--dataset-card'],
		['language', !!values['dataset-card'], '--dataset-card'],
		['judge', !!values['dataset-card'], '--dataset-card']
	];
	for (const [option, applies, goesWith] of only) {
		if (values[option] !== undefined && values[option] !== false && !applies) throw new CliError(`--${option} goes with ${goesWith}; --format ${format} does not use it. Leave it out.`, 2);
	}
}

function judgePrecisionLine(p: JudgeFilterPrecision | null): string | null {
	if (!p) return null;
	return `${judgePrecisionText(p)}${p.anchoredNote ? ` ${p.anchoredNote}` : ''}`;
}

/** Runs a write that Ctrl-C (or a kill) stops between chunks, removing what it wrote (its .partial files). */
function untilInterrupted<T>(out: string, write: (signal: AbortSignal) => Promise<T>): Promise<T> {
	return interruptible(`nothing was written to ${out}.`, write);
}
