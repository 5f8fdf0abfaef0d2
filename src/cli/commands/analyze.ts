import { CliError, usageError, withExitCode } from '../cli-error';
import { intOption, parseCommandArgs, refuseExtraPositionals } from '../args';
import { printJson, printTable } from '../output';
import { printWrittenFigures, writeFigures } from '../figures';
import { analysisFigureIds, analysisFilePrefix, analysisFigures } from '$lib/analyses/figures';
import { SIMILARITY_ABOVE_NOTE, TOP_NOUNS, seedTasksLeftOutText, similarityAbove, tokenlessText } from '$lib/analyses/analysis';
import { fmt, pctOf, pctShare } from '$lib/components/analyses/format';
import { formatCount, formatNumber } from '$lib/text/words';
import { DatasetError, resolveDataset } from '$lib/server/datasets/datasets';
import { parseWhere } from '$lib/server/exports/filters';
import { analyze, AnalysisError, parseSeedChoice, type AnalysisResult, type AnalysisScope, type SeedChoice } from '$lib/server/analyses/analyze';

const USAGE = `Usage: npx instruct-audit analyze <dataset> [--seeds <dataset>|run:<id>|none] [--vs <dataset>]… [options] [--json]

The analyses of Self-Instruct's Figures 2–4 and Table 1 for <dataset> (name or id): verb–noun
pairs (the top 20 verbs × 4 nouns and their coverage), each instruction's highest ROUGE-L to the
seed instructions, and the lengths in words of instructions, non-empty inputs and outputs.
Computed once per dataset version and cached (a new import, run or filter application redoes it).

Options:
  --seeds <dataset>      seeds for the ROUGE-L histogram: a dataset (name or id; its seed-origin
                         tasks if it has any, else every instruction), run:<id> for a run's seeds,
                         or none. Default: the run's seeds for a generated dataset, else the
                         dataset's own seed-origin tasks, else none.
  --vs <dataset>         another dataset to analyse the same way (repeatable, up to 3): the same
                         --where selection, or its kept rows with --kept-only
  --run <id>             analyse a generation run's accepted candidates instead of <dataset>
  --kept-only            leave out rows the automatic filters rejected (with --where: adds the clause kept)
  --where <filter>       analyse an export selection instead (the export command's --where grammar)
  --refresh              recompute even when a cached result is current
  --top <n>              verbs to print, at least 1 (default 10; nouns for the top 20; the JSON
                         always has the full lists)
  --figures <dir>        write every chart (verb–noun sunburst, ROUGE-L and length histograms) to
                         <dir> as SVG and PNG (2×) with title, legend, axis labels and a caption
                         stating n — the files the analyses pages' download links give (with
                         --vs, the side-by-side page's, on shared scales), named after the
                         dataset and its id (analysis-<dataset>.<id>-verb-noun.svg,
                         analyses-<a>.<id>-vs-<b>.<id>-…; -kept, -run-<id>, -selection-<hash>
                         after the id for what of it); refuses to overwrite files there
                         without --force
  --force                with --figures, overwrite the figures of the same names and remove
                         figures of the same names an earlier run wrote that this one does not
                         (the same datasets scoped the same way; another's are never touched)
  --json                 everything as JSON on stdout: {"analyses": [ … ]}, with --figures
                         also "figures": [{figure, svg, png, width, height}] (the files written)`;

/** The dataset `ref` names; `option` (e.g. --seeds) names where it was given, so the error says which one is missing. */
function dataset(ref: string, option?: string): number {
	try {
		return resolveDataset(ref).id;
	} catch (err) {
		if (option && err instanceof DatasetError) throw new CliError(`${option}: ${err.message}`, 1, {}, undefined, err.code);
		throw err;
	}
}

/** The --where clauses select the rows the filters rejected (kept=no, rejected). */
function selectsRejected(where: readonly string[]): boolean {
	try {
		return parseWhere(where).kept === 'no';
	} catch {
		return false; // a bad clause: analyze refuses it, in the parser's words
	}
}

/** The page's number formats (one definition: the same quantile reads the same in both). */
const pct = pctShare;
const num = fmt;

function printSummary(r: AnalysisResult, top: number): void {
	const a = r.analysis;
	const vn = a.verbNoun;
	console.log(`\n${r.label}${r.cached ? ' (cached)' : ''} — ${formatCount(a.instructions, 'instruction')}, ${formatCount(a.instances, 'instance')}`);
	for (const note of [r.covers?.instruction, r.covers?.output]) if (note) console.log(`  ${note}.`);
	if (r.archived) console.log(`  The dataset “${r.datasetName}” is archived: hidden from lists and read-only (its rows as they were archived).`);
	console.log(`  verb–noun pairs: ${formatNumber(vn.withPair)} (${pctOf(vn.withPair, vn.instructions)}); verb only ${formatNumber(vn.verbOnly)}; no root verb ${formatNumber(vn.noVerb)}`);
	console.log(
		`  top ${formatCount(vn.top.length, 'verb')} × ${TOP_NOUNS} nouns cover ${formatCount(vn.covered, 'instruction')} (${pctOf(vn.covered, vn.instructions)} of all, ${pctOf(vn.covered, vn.withPair)} of the pairs)`
	);
	printTable(
		vn.verbs.slice(0, top).map((v, k) => ({ '#': k + 1, verb: v.key, pairs: v.count, 'top nouns': vn.top.find((t) => t.verb === v.key)?.nouns.map((n) => `${n.noun} ${n.count}`).join(', ') ?? '' }))
	);
	// Nouns are counted for the sunburst's verbs only: say so rather than leave the rest blank unexplained.
	if (Math.min(top, vn.verbs.length) > vn.top.length) console.log(`  (top nouns for the sunburst's top ${formatCount(vn.top.length, 'verb')} only)`);
	const s = a.seedSimilarity;
	if (s?.n === 0) console.log(`  ROUGE-L to ${s.source}: no instruction to compare (nothing to draw)`);
	else if (s) {
		console.log(
			`  ROUGE-L to ${s.source} (${seedTasksLeftOutText(s)}): n ${formatNumber(s.n)}, mean ${num(s.mean, 3)}, median ${num(s.quantiles[2], 3)}, ` +
				similarityAbove(s).map((x) => `${x.label}: ${formatNumber(x.count)} (${pct(x.share)}; ${x.exactlyText})`).join(', ')
		);
		console.log(`  ${SIMILARITY_ABOVE_NOTE}.`);
		const tokenless = tokenlessText(s);
		if (tokenless) console.log(`  ${tokenless}.`);
	} else console.log('  ROUGE-L to seeds: no seeds chosen (--seeds)');
	for (const [name, d] of [['instruction', a.lengths.instruction], ['non-empty input', a.lengths.input], ['output', a.lengths.output]] as const) {
		console.log(`  ${name} length (words): n ${formatNumber(d.n)}, mean ${num(d.mean)}, quantiles 5/25/50/75/95% ${d.quantiles.map((q) => num(q, 1)).join(' / ')}`);
	}
}

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(
		argv,
		{
			seeds: { type: 'string' },
			vs: { type: 'string', multiple: true },
			run: { type: 'string' },
			'kept-only': { type: 'boolean' },
			where: { type: 'string', short: 'w', multiple: true },
			refresh: { type: 'boolean' },
			top: { type: 'string' },
			figures: { type: 'string' },
			force: { type: 'boolean' },
			json: { type: 'boolean' }
		},
		USAGE
	);
	const runId = values.run === undefined ? null : intOption(values.run, 'run', 0);
	// Checked whatever the output (--json prints no top list, but a bad option is still one).
	const top = intOption(values.top, 'top', 10);
	if (top < 1) throw new CliError(`--top must be at least 1, got ${top}.`, 2);
	if (!positionals[0] && runId === null) throw usageError(`Missing the dataset.`, USAGE);
	// --run names what is analysed (the run's dataset): a dataset or --where beside it would be ignored.
	if (runId !== null && positionals[0]) throw usageError(`Give the dataset "${positionals[0]}" or --run ${runId}, not both (--run analyses the run's own dataset).`, USAGE);
	if (runId !== null && values.where?.length) throw usageError(`--run and --where cannot be used together: --where selects rows of a dataset, --run analyses a run's dataset.`, USAGE);
	refuseExtraPositionals(positionals, 1, USAGE);
	if ((values.vs?.length ?? 0) > 3) throw new CliError('--vs: at most 3 other datasets (4 side by side).', 2);
	let seeds: SeedChoice;
	try {
		const raw = values.seeds;
		seeds = raw === undefined ? { kind: 'default' } : /^(none|default|run:\d+|dataset:\d+)$/.test(raw) ? parseSeedChoice(raw) : { kind: 'dataset', datasetId: dataset(raw, '--seeds') };
	} catch (err) {
		if (err instanceof AnalysisError) throw withExitCode(err, 2);
		throw err;
	}
	const keptOnly = !!values['kept-only'];
	// With --where, --kept-only is one more clause of the selection (kept), as the label then says.
	const where = values.where?.length ? (keptOnly ? [...values.where, 'kept'] : values.where) : null;
	if (where && keptOnly && selectsRejected(values.where!)) throw usageError('--kept-only contradicts the --where clauses: they select the rows the filters rejected, --kept-only leaves those out.', USAGE);
	// Every --vs dataset is scoped as the main one is: the same selection, or the same kept-only.
	const scopeOf = (datasetId: number): AnalysisScope => (where ? { kind: 'selection', datasetId, where } : { kind: 'dataset', datasetId, keptOnly });
	const scopes: AnalysisScope[] = [runId !== null ? { kind: 'run', runId } : scopeOf(dataset(positionals[0]))];
	for (const ref of values.vs ?? []) scopes.push(scopeOf(dataset(ref, '--vs')));

	const results: AnalysisResult[] = [];
	for (const scope of scopes) {
		try {
			results.push(await analyze(scope, { seeds, refresh: !!values.refresh, whereOption: '--where' }));
		} catch (err) {
			if (err instanceof AnalysisError) throw withExitCode(err, err.status === 404 ? 1 : 2);
			throw err;
		}
	}
	const figures =
		values.figures === undefined
			? null
			: writeFigures(analysisFigures(results.map((r) => ({ label: r.label, analysis: r.analysis, covers: r.covers }))), values.figures, analysisFilePrefix(results), {
					force: !!values.force,
					possibleIds: analysisFigureIds(results.length)
				});
	// --json is one document whatever else is asked: the analyses, plus the files --figures wrote.
	if (values.json) return printJson(figures ? { analyses: results, figures } : { analyses: results });
	if (figures) return printWrittenFigures(figures);
	for (const r of results) printSummary(r, top);
}
