import fs from 'node:fs';
import { ZodError } from 'zod';
import { CliError, usageError } from '../cli-error';
import { parseCommandArgs, refuseExtraPositionals } from '../args';
import { printJson } from '../output';
import { actor } from '../actor';
import { resolveDataset } from '$lib/server/datasets/datasets';
import { applyFilters } from '$lib/server/filters/apply';
import { FILTER_PRESETS, filterConfigSummary, filterPreset, isFilterPresetName, isUnchangedPreset, parseFilterConfig, unknownFilterConfigFields, type FilterConfig } from '$lib/filters';

const USAGE = `Usage: npx instruct-audit filter <dataset> [--preset ${FILTER_PRESETS.join('|')}] [--config <file.json>]
       [--threshold <0–1>] [--no-rouge] [--as <email>] [--json]

Applies the filters to every task and instance of the dataset, as the dataset's Filters page does:
each row gets its verdict (kept, or the rule that rejected it); nothing is deleted. The ROUGE-L
pool is built in this order: the seed tasks first (never filtered themselves), then the other
tasks in id order (the order they were added), each kept one joining the pool at once. --preset picks a paper's filters (default
self-instruct); --config reads a whole filter configuration (JSON, as the Filters page stores it)
instead. --threshold sets the ROUGE-L threshold, --no-rouge leaves the ROUGE-L rule out.
--as records who ran it. --json prints the funnel for scripts, with the settings applied: "config"
(the whole configuration, as the run stores it), "settings" (in words, as the text output and
the export manifest say them) and "customised" (a preset's settings, changed).`;

function readConfig(file: string): FilterConfig {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (err) {
		throw new CliError(`${file}: cannot read it (${(err as Error).message}).`);
	}
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (err) {
		throw new CliError(`${file}: not JSON (${(err as Error).message}).`);
	}
	// A misspelt field ("treshold") would otherwise be dropped and its setting left as it was.
	const unknown = unknownFilterConfigFields(value);
	if (unknown.length) {
		throw new CliError(`${file}: ${unknown.length === 1 ? 'field' : 'fields'} ${unknown.map((f) => `"${f}"`).join(', ')}: unknown ${unknown.length === 1 ? 'field' : 'fields'}; a configuration has only the fields the Filters page stores.`, 1, { file, field: unknown[0] });
	}
	try {
		return parseFilterConfig(value);
	} catch (err) {
		if (!(err instanceof ZodError)) throw err;
		const issue = err.issues[0];
		throw new CliError(`${file}: field "${issue.path.join('.') || '(the whole file)'}": ${issue.message}`);
	}
}

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(
		argv,
		{ preset: { type: 'string' }, config: { type: 'string' }, threshold: { type: 'string' }, 'no-rouge': { type: 'boolean' }, as: { type: 'string' }, json: { type: 'boolean' } },
		USAGE
	);
	if (!positionals[0]) throw usageError(`Missing the dataset.`, USAGE);
	refuseExtraPositionals(positionals, 1, USAGE);
	if (values.preset && values.config) throw usageError(`Give --preset or --config, not both.`, USAGE);
	const presetName = values.preset ?? 'self-instruct';
	if (!isFilterPresetName(presetName)) throw new CliError(`--preset must be one of ${FILTER_PRESETS.join(', ')}, got "${presetName}".`, 2);
	const config = values.config ? readConfig(values.config) : filterPreset(presetName);
	if (values.threshold !== undefined) {
		const threshold = Number(values.threshold);
		if (values.threshold.trim() === '' || !(threshold >= 0 && threshold <= 1)) throw new CliError(`--threshold must be a number from 0 to 1, got "${values.threshold}".`, 2);
		config.instruction.rougeL.threshold = threshold;
	}
	if (values['no-rouge']) config.instruction.rougeL.enabled = false;
	const dataset = resolveDataset(positionals[0]);
	const who = values.as ? actor(values.as) : null;
	const result = await applyFilters(dataset.id, config, who?.id ?? null);
	if (values.json) {
		// The settings applied, whole (as the filter run stores them) and in the words of the text
		// output and the export manifest's filterRunSettings; customised: a preset's, changed.
		const settings = filterConfigSummary(config);
		const customised = isFilterPresetName(config.name) && !isUnchangedPreset(config);
		printJson({ dataset: dataset.name, datasetId: dataset.id, settings, customised, config, ...result });
		return;
	}
	const { funnel } = result;
	console.log(`Filters (${filterConfigSummary(config).join(', ')}) applied to "${dataset.name}" in ${(result.durationMs / 1000).toFixed(1)} s (filter run ${result.filterRunId}).`);
	console.log(`kept ${funnel.tasks.kept} of ${funnel.tasks.total} tasks and ${funnel.instances.kept} of ${funnel.instances.total} instances`);
	// The filters' rules, then the rejections that were not theirs and stood (a generation run's "beyond its target"…).
	const steps = [...funnel.steps, ...(funnel.standing ?? [])];
	const width = Math.max(...steps.map((s) => s.label.length));
	for (const step of steps) console.log(`  ${step.label.padEnd(width)}  ${String(step.removed).padStart(8)} ${step.level === 'task' ? (step.removed === 1 ? 'task' : 'tasks') : step.removed === 1 ? 'instance' : 'instances'}`);
}
