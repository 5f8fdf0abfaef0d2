import { CliError, usageError } from '../cli-error';
import { parseCommandArgs, refuseExtraPositionals } from '../args';
import { printJson, refuseDifferentOutputs } from '../output';
import { resolveDataset } from '$lib/server/datasets/datasets';
import { datasetStatistics } from '$lib/server/datasets/statistics';
import { responseModelsText } from '$lib/datasets/response-models';
import { average, datasetTable } from '$lib/reports/paper-tables';
import { toLatex, toMarkdown } from '$lib/tables';

const USAGE = `Usage: npx instruct-audit stats <dataset> [--kept-only] [--json | --latex | --markdown]

Prints the dataset's statistics as in Self-Instruct Table 1; --latex writes the table as LaTeX
(booktabs), --markdown as a Markdown table.`;

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, latex: { type: 'boolean' }, markdown: { type: 'boolean' }, 'kept-only': { type: 'boolean' } }, USAGE);
	if (!positionals[0]) throw usageError(`Missing the dataset.`, USAGE);
	refuseExtraPositionals(positionals, 1, USAGE);
	refuseDifferentOutputs(values, ['latex', 'markdown']);
	let dataset;
	dataset = resolveDataset(positionals[0]);
	const keptOnly = !!values['kept-only'];
	const stats = datasetStatistics(dataset.id, { keptOnly });
	if (values.json) {
		printJson({ dataset: dataset.name, keptOnly, ...stats });
		return;
	}
	if (values.latex || values.markdown) {
		const { table } = datasetTable({ ...stats, keptOnly }, dataset.name);
		process.stdout.write(values.latex ? toLatex(table) : toMarkdown(table));
		return;
	}
	const rows: [string, string][] = [
		['# of instructions', String(stats.instructions)],
		['  - # of classification instructions', String(stats.classification)],
		['  - # of non-classification instructions', String(stats.nonClassification)],
		...(stats.unknownClassification ? ([['  - classification unknown', String(stats.unknownClassification)]] as [string, string][]) : []),
		['# of instances', String(stats.instances)],
		['  - # of instances with empty input', String(stats.emptyInputInstances)],
		['ave. instruction length (in words)', average(stats.avgInstructionWords)],
		['ave. non-empty input length (in words)', average(stats.avgNonEmptyInputWords)],
		['ave. output length (in words)', average(stats.avgOutputWords)]
	];
	if (stats.responses) rows.push(['model responses', `${stats.responses} (${responseModelsText(stats.models, stats.unnamedResponses ?? 0)})`]);
	console.log(`Statistics of "${dataset.name}"${keptOnly ? ', rows kept by the automatic filters only' : ''}`);
	const width = Math.max(...rows.map((r) => r[0].length));
	for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v.padStart(8)}`);
}
