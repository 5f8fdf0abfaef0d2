import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { CliError, usageError, notFound } from '../cli-error';
import { intOption, parseCommandArgs } from '../args';
import { printJson, printTable } from '../output';
import { db } from '$lib/server/db';
import { PIPELINES, type PipelineId } from '$lib/server/db/tables';
import { defaultEndpointId, findEndpoint, listEndpoints, ENV_ENDPOINT_NAME, type RunEndpointChoice } from '$lib/server/runs/endpoints';
import { createRun, type SeedChoice } from '$lib/server/runs/generation/create';
import { stepsOf, type SeedSource } from '$lib/server/runs/generation/params';
import { runCandidateLines } from '$lib/server/runs/generation/candidates';
import { RunError, RunParamsError } from '$lib/server/runs/errors';
import { ruleLabel, workFraction, type RunProgress } from '$lib/server/runs/generation/progress';
import { runCounts } from '$lib/runs/counts';
import { alpacaOutputWarnings, mergedSeedsText } from '$lib/runs/seeds';
import { callFailureLabel, FAILURE_GUARD_RULE } from '$lib/server/runs/engine/failures';
import { listCallReplies } from '$lib/server/runs/engine/call-replies';
import { getDataset, resolveDataset } from '$lib/server/datasets/datasets';
import { isFilterPresetName } from '$lib/filters';
import { formatCount } from '$lib/text/words';
import { parseTemplateSet, templateSetOf, templateSetRequest, TemplateSetError } from '$lib/prompts';
import { pausedBySignal, runInForeground, stopReason } from '../foreground-run';
import { requestRunAction, requireRun, retryFailedCalls, setFailedCallShare } from '$lib/server/runs/engine/run-rows';
import { markOrphanedCliRunsInterrupted } from '$lib/server/runs/engine/manager';
import { listRuns, runSummary, type RunSummary } from '$lib/server/runs/summary';
import { processEnv } from '$lib/server/config';

const USAGE = `Usage:
  npx instruct-audit generate --pipeline self-instruct|unnatural|alpaca --target N [options]
  npx instruct-audit generate --resume <run>               [--max-failed-share X]
  npx instruct-audit generate --retry-failed <run>         [--model <name>] [--max-failed-share X]
  npx instruct-audit generate --pause <run> | --cancel <run>
  npx instruct-audit generate --list | --status <run>      [--json]
  npx instruct-audit generate --calls <run>                [--problems] [--failed] [--step <step>] [--page N] [--json]
                                                           (the run's calls, newest first, 50 a page, each with
                                                            its reply's raw text and the pieces not read;
                                                            --problems: only calls with pieces not read or set aside)
  npx instruct-audit generate --export-templates <run>     (prints the run's template set as JSON)
  npx instruct-audit generate --export-candidates <run>    (prints every generated instruction, kept or
                                                            rejected, with its 10 most similar pool
                                                            instructions and mean ROUGE-L, as JSON Lines)

Runs a generation pipeline in this process against the same database as the app, with a
progress bar, and prints the run id and the final counts. Ctrl-C pauses the run cleanly;
resume it with --resume (here) or from the run page. A run started in the app is paused or
cancelled within seconds by --pause / --cancel.

A call that fails on its own prompt (too long for the model, refused by a content filter, a
parameter rejected) is recorded with its reason and the run goes on; --status shows them by
reason. --retry-failed sends exactly those calls again (after a change, e.g. --model with a
larger context) and runs the run here; answered calls are never sent again. The run pauses,
with the breakdown, when too many calls fail: --max-failed-share (default 0.05, i.e. 5%; "10%"
works too) is the share allowed. ${FAILURE_GUARD_RULE}

Options for a new run:
  --endpoint <name|id|env>  a stored endpoint (Admin → Endpoints) or "env" for the LLM_* variables;
                            default: LLM_* when set, else the default stored endpoint
  --model <name>            override the endpoint's model
  --seeds <file>            Self-Instruct / Alpaca seed tasks (task or instance JSON Lines, or one instruction per line);
                            default: the built-in seed set
  --seed-dataset <name>     Self-Instruct / Alpaca seed tasks from an existing dataset
  --allow-seeds-without-outputs   Alpaca: use seed tasks that have no output (one instruction per line);
                            refused otherwise, since the Alpaca prompt shows each seed task's output
  --seed-sets <file.json>   Unnatural seed sets: [[{instruction, input, constraints} ×3] …]
  --rephrasings <n>         Unnatural template expansion: rephrasings per task (default 2, 0 = none)
  --filters self-instruct|alpaca   filter preset (default: the pipeline's own; Alpaca's runs no instance rule)
  --rouge-threshold <x>     ROUGE-L threshold (default 0.7)
  --classification-only     Self-Instruct: only the classification seed tasks are shown and pooled
  --no-similarity-records   Self-Instruct / Alpaca: do not store each instruction's 10 most similar pool
                            instructions and mean ROUGE-L (each is a scan of the whole pool)
  --templates <file.json>   a template set: every step's template and decoding (see --export-templates);
                            steps it leaves out keep the defaults
  --dataset <name>          name of the new output dataset (default "<pipeline> run <id>")
  --name <text>             the run's name
  --random-seed <n>         seed for choosing shots and seed sets (default 1)
  --max-calls <n>           the call limit of the pipeline's first step, after which a run short of its
                            target stops: Self-Instruct instruction calls (default 2 × target + 10),
                            Alpaca generation calls (default target ÷ 2 + 10), Unnatural core calls
                            (default 2 × target + 10)
  --max-failed-share <x>    the share of calls allowed to fail before the run pauses (default 0.05; the rule above)
  --step <step>             with --calls: only that step's calls, by its id: ${PIPELINES.map((p) => stepsOf(p).join(', ')).join('; ')}
  --json                    print the final summary as JSON

Exit codes:
  0        the run reached its target, or the action (--list, --status, --pause, …) was done
  1        the run ended without its target: completed short of it (a call limit reached; --json
           error code "short_of_target"), paused (too many failed calls, the endpoint unreachable)
           or cancelled; or the command was refused (no such run, a bad seed file, …)
  2        the command line cannot be read
  130, 143 interrupted (Ctrl-C, SIGTERM): the run paused at its last commit (--json code "interrupted")`;

type Values = Record<string, string | boolean | undefined>;

function requireRunOrFail(id: number) {
	try {
		return requireRun(id);
	} catch (err) {
		if (err instanceof RunError) throw err;
		throw err;
	}
}

function runRef(value: string, option: string): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n <= 0) throw new CliError(`--${option} takes a run id, got "${value}".`, 2);
	return n;
}

export function chooseEndpoint(ref: string | undefined): RunEndpointChoice {
	if (ref === ENV_ENDPOINT_NAME) return { kind: 'env' };
	if (ref) {
		const stored = findEndpoint(ref);
		if (!stored) throw notFound(`No stored endpoint "${ref}". Add one under Admin → Endpoints, or use --endpoint env with LLM_* variables.`);
		return { kind: 'stored', id: stored.id };
	}
	if (processEnv().LLM_BASE_URL || processEnv().LLM_PRESET) return { kind: 'env' };
	const id = defaultEndpointId();
	if (id === undefined) {
		const stored = listEndpoints();
		if (stored.length > 1) {
			throw new CliError(
				`${stored.length} endpoints are stored and none is the default: pass --endpoint <name> (${stored.map((e) => e.name).join(', ')}), or mark one with \`endpoints default <name>\`.`
			);
		}
		throw new CliError('No endpoint: set LLM_BASE_URL (or LLM_PRESET) and LLM_MODEL, or add one under Admin → Endpoints and pass --endpoint.');
	}
	return { kind: 'stored', id };
}

function readFileArg(file: string, option: string): Buffer {
	try {
		return fs.readFileSync(file);
	} catch {
		throw new CliError(`--${option}: cannot read ${file}.`);
	}
}

function seedChoice(values: Values): SeedChoice | undefined {
	if (values.seeds && values['seed-dataset']) throw new CliError('Give --seeds or --seed-dataset, not both.', 2);
	if (typeof values.seeds === 'string') {
		return { kind: 'file', fileName: path.basename(values.seeds), content: readFileArg(values.seeds, 'seeds') };
	}
	if (typeof values['seed-dataset'] === 'string') {
		const ref = values['seed-dataset'];
		return { kind: 'dataset', datasetId: resolveDataset(ref).id };
	}
	return undefined;
}

function numberOption(value: unknown, name: string): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!Number.isFinite(n)) throw new CliError(`--${name} must be a number, got "${String(value)}".`, 2);
	return n;
}

/** --max-calls as the request field of the pipeline's first step (the new-run form's call limit). */
function maxCallsRequest(pipeline: PipelineId, value: unknown): { maxInstructionCalls?: number; maxGenerationCalls?: number; maxCoreCalls?: number } {
	if (value === undefined) return {};
	const n = Number(value);
	if (!Number.isInteger(n) || n < 1) throw new CliError(`--max-calls must be a whole number of at least 1, got "${String(value)}".`, 2);
	if (pipeline === 'alpaca') return { maxGenerationCalls: n };
	if (pipeline === 'unnatural') return { maxCoreCalls: n };
	return { maxInstructionCalls: n };
}

/** "0.05", "5%" → 0.05; undefined when not given. */
export function shareOption(value: string | undefined, name: string): number | undefined {
	if (value === undefined) return undefined;
	const percent = /^\s*([\d.]+)\s*%\s*$/.exec(value);
	const n = percent ? Number(percent[1]) / 100 : Number(value);
	if (!Number.isFinite(n) || n <= 0 || n > 1) throw new CliError(`--${name} is a share above 0 and at most 1 (or a percentage like 10%), got "${value}".`, 2);
	return n;
}

function counts(record: Record<string, number>): string {
	const entries = Object.entries(record).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
	// The page's labels, as written there (not lower-cased: "ROUGE-L", "Output:" keep their case).
	return entries.length ? entries.map(([rule, n]) => `${n} ${ruleLabel(rule)}`).join(', ') : 'none';
}

function sum(record: Record<string, number>): number {
	return Object.values(record).reduce((a, b) => a + b, 0);
}

export function describeSummary(s: RunSummary): string {
	const p = s.progress;
	const unit = s.pipeline === 'unnatural' ? 'example' : s.pipeline === 'alpaca' ? 'task' : 'instruction';
	const c = s.counts ?? runCounts(s.pipeline, p);
	const lines = [
		`Run ${s.id} ${s.status}${s.message ? ` — ${s.message}` : ''}`,
		`  ${formatCount(c.candidates, unit)} generated: ${c.kept} kept (target ${s.target}${c.awaitingOutput ? `; ${c.awaitingOutput} of them still waiting for their output` : ''}), ${c.heldBack} held back (a call about them failed), ${c.rejected} rejected: ${counts(c.rejectedByRule)}`,
		`  instances: ${p.instances.kept} kept, ${p.instances.rejected} rejected${p.instances.rejected ? ` (${counts(p.instances.byRule)})` : ''}; ${formatCount(p.tasksWithoutInstances, 'task')} left without instances`
	];
	if (s.pipeline === 'alpaca') {
		lines.push(`  ${formatCount(p.candidates, 'task')} parsed from ${formatCount(p.calls.done, 'list')}`);
		for (const warning of s.alpacaOutputs ? alpacaOutputWarnings(s.alpacaOutputs) : []) lines.push(`  warning: ${warning}`);
	} else if (s.pipeline === 'self-instruct') {
		lines.push(`  classification: ${p.classification.yes} yes, ${p.classification.no} no, ${p.classification.unknown} unclear`);
	} else {
		lines.push(`  formulations: ${p.formulations.kept} kept, ${sum(p.formulations.rejected)} rejected`);
	}
	if (sum(p.replyProblems) > 0 || sum(p.replyNotes) > 0) {
		lines.push(`  reply pieces not read: ${counts(p.replyProblems)}; set aside: ${counts(p.replyNotes)} — their raw text: generate --calls ${s.id} --problems`);
	}
	lines.push(
		// Requests sent: those answered and those that failed (a failed call is a request too).
		`  ${formatCount(p.calls.done + p.calls.failed, 'request')} (${p.calls.done} answered, ${p.calls.failed} failed, ${p.retries} retries, ${p.lengthCut} cut by max_tokens), ${p.promptTokens + p.completionTokens} tokens${
			p.costKnown ? `, $${p.costUsd.toFixed(4)}` : ''
		}, ${(s.activeMs / 1000).toFixed(1)} s`
	);
	if (s.failedCalls.total > 0) {
		// What --retry-failed would send now (a run with its target leaves the calls that asked for new candidates).
		const { total, retryable } = s.failedCalls;
		const left = total - retryable;
		const retry =
			s.status === 'cancelled'
				? 'the run was cancelled: not sent again'
				: retryable === 0
					? 'not sent again: they asked for new candidates and the run has its target'
					: `retry with --retry-failed ${s.id}${left > 0 ? ` (sends the ${retryable} about held-back tasks; the other ${left} asked for new candidates: not sent again, the run has its target)` : ''}`;
		lines.push(`  failed calls: ${s.failedCalls.byReason.map((r) => `${r.n} ${r.label}`).join(', ')}; ${p.tasksFailed} task${p.tasksFailed === 1 ? '' : 's'} held back — ${retry}`);
	}
	if (p.lastError && (s.status !== 'completed' || p.calls.failed > 0)) {
		lines.push(`  last error (${new Date(p.lastError.at).toISOString()}): ${p.lastError.message}`);
	}
	lines.push(`  dataset: ${s.datasetName ?? '(deleted)'}${s.datasetId ? ` (id ${s.datasetId})` : ''}`);
	return lines.join('\n');
}

/** Each call with its reply's raw text and every piece not read (with its raw text), as on the calls page. */
export function describeCalls(runId: number, list: ReturnType<typeof listCallReplies>): string {
	const lines = [`Run ${runId}: ${list.total} call${list.total === 1 ? '' : 's'}${list.pages > 1 ? ` (page ${list.page} of ${list.pages}; --page N for more)` : ''}`];
	const indent = (text: string) => text.replace(/\n/g, '\n      ');
	for (const c of list.calls) {
		lines.push('', `${c.key} · ${c.status}${c.failureReason ? ` (${callFailureLabel(c.failureReason)})` : ''}${c.finishReason ? ` · finish ${c.finishReason}` : ''} · ${c.candidates} candidate${c.candidates === 1 ? '' : 's'}`);
		if (c.error) lines.push(`  error: ${c.error}`);
		if (c.replyRejected) lines.push(`  rejected: ${ruleLabel(c.replyRejected)}`);
		for (const p of c.replyProblems as { problem?: string; raw?: string }[]) lines.push(`  not read (${ruleLabel(String(p.problem ?? ''))}): ${indent(JSON.stringify(p.raw ?? ''))}`);
		for (const n of c.replyNotes as { kind?: string; raw?: string }[]) lines.push(`  set aside (${ruleLabel(String(n.kind ?? ''))}): ${indent(JSON.stringify(n.raw ?? ''))}`);
		lines.push(`  reply: ${c.completion === null ? '(none)' : indent(c.completion)}`);
	}
	return lines.join('\n');
}

/** How often a plain progress line is printed when stderr is not a terminal (nohup, a log file). */
const PROGRESS_LINE_MS = 10_000;

function progressBar(target: number, pipeline: PipelineId, rephrasings: number) {
	if (!process.stderr.isTTY) {
		// No bar to redraw: a line now and then (the first at once), so a log shows the run going,
		// and a last one at the end: what the run ended with (kept as the run page counts it: not the
		// tasks a failed call held back since the last line), not what it had 10 s before.
		let last = -Infinity;
		let unwritten: RunProgress | null = null;
		const write = (p: RunProgress) => {
			const c = runCounts(pipeline, p);
			const percent = Math.round(workFraction(pipeline, target, p, rephrasings) * 100);
			process.stderr.write(
				`${new Date().toISOString()} Generating: ${percent}% · ${c.kept}/${target} kept · ${p.calls.done} requests · ${c.rejected} rejected · ${p.instances.kept} instances${p.costKnown ? ` · $${p.costUsd.toFixed(4)}` : ''}\n`
			);
		};
		return {
			update: (p: RunProgress) => {
				if (Date.now() - last < PROGRESS_LINE_MS) {
					unwritten = p;
					return;
				}
				last = Date.now();
				unwritten = null;
				write(p);
			},
			stop: () => {
				if (unwritten) write(unwritten);
				unwritten = null;
			}
		};
	}
	const bar = new cliProgress.SingleBar(
		{
			stream: process.stderr,
			format: 'Generating [{bar}] {percentage}% | {kept}/{target} kept | {requests} requests | {rejected} rejected | {instances} instances{cost}',
			hideCursor: true,
			clearOnComplete: false
		},
		cliProgress.Presets.shades_classic
	);
	bar.start(1000, 0, { kept: 0, target, requests: 0, rejected: 0, instances: 0, cost: '' });
	return {
		update: (p: RunProgress) =>
			bar.update(Math.round(workFraction(pipeline, target, p, rephrasings) * 1000), {
				kept: runCounts(pipeline, p).kept,
				target,
				requests: p.calls.done,
				rejected: runCounts(pipeline, p).rejected,
				instances: p.instances.kept,
				cost: p.costKnown ? ` | $${p.costUsd.toFixed(4)}` : ''
			}),
		stop: () => bar.stop()
	};
}

/** What a generate command line does: one of these, or (with none) start a new run. */
const ACTIONS = ['list', 'status', 'calls', 'export-templates', 'export-candidates', 'pause', 'cancel', 'resume', 'retry-failed'] as const;
/** Options that describe a new run; --model also goes with --retry-failed. */
const NEW_RUN_OPTIONS = [
	'pipeline', 'target', 'endpoint', 'model', 'seeds', 'seed-dataset', 'allow-seeds-without-outputs', 'seed-sets', 'rephrasings', 'filters', 'rouge-threshold',
	'dataset', 'name', 'random-seed', 'templates', 'classification-only', 'no-similarity-records', 'max-calls'
] as const;

/**
 * Refuses a command line that asks for two things (`--list --status 1`, `--pipeline alpaca --resume 1`):
 * only one would be done, the other silently dropped.
 */
function refuseConflictingOptions(values: Partial<Record<string, string | boolean | string[]>>): void {
	const actions = ACTIONS.filter((a) => values[a] !== undefined && values[a] !== false);
	if (actions.length > 1) throw usageError(`--${actions[0]} and --${actions[1]} cannot be used together; give one.`, USAGE);
	if (!actions.length) return;
	const newRun = NEW_RUN_OPTIONS.filter((o) => values[o] !== undefined && values[o] !== false && !(o === 'model' && actions[0] === 'retry-failed'));
	if (newRun.length) throw usageError(`--${actions[0]} and --${newRun[0]} cannot be used together: --${newRun[0]} describes a new run.`, USAGE);
}

async function execute(runId: number, json: boolean): Promise<void> {
	const run = requireRun(runId);
	const params = run.params as { rephrasings?: number };
	const bar = json ? null : progressBar(run.target, run.pipeline as PipelineId, params.rephrasings ?? 0);
	const { end, signal } = await runInForeground(runId, (p) => bar?.update(p)).finally(() => bar?.stop());
	const summary = runSummary(runId)!;
	const stopped = end.status === 'paused' && signal !== null;
	// Completed short of its target (a call limit reached): the script did not get what it asked for.
	const short = end.status === 'completed' && summary.done < summary.target;
	const failed = (end.status !== 'completed' && !stopped) || short;
	// Under --json a failed run's summary goes out with its error, as one document (main.ts).
	if (!json) console.log(describeSummary(summary));
	else if (!failed && !stopped) printJson(summary);
	if (stopped) throw pausedBySignal(signal, `run ${runId}`, `npx instruct-audit generate --resume ${runId}`, summary);
	if (short) throw new CliError(`Run ${runId} completed short of its target: ${summary.done} of ${summary.target} kept.`, 1, {}, summary, 'short_of_target');
	if (failed) {
		const why = stopReason(end.status, end.message);
		const next = end.status === 'cancelled' ? '' : ` Resume with --resume ${runId}.`;
		throw new CliError(`Run ${runId} ${end.status}${why}.${next}`, 1, {}, summary);
	}
}

export async function run(argv: string[]): Promise<void> {
	const { values } = parseCommandArgs(
		argv,
		{
			pipeline: { type: 'string' },
			target: { type: 'string' },
			endpoint: { type: 'string' },
			model: { type: 'string' },
			seeds: { type: 'string' },
			'seed-dataset': { type: 'string' },
			'allow-seeds-without-outputs': { type: 'boolean' },
			'seed-sets': { type: 'string' },
			rephrasings: { type: 'string' },
			filters: { type: 'string' },
			'rouge-threshold': { type: 'string' },
			dataset: { type: 'string' },
			name: { type: 'string' },
			'random-seed': { type: 'string' },
			templates: { type: 'string' },
			'classification-only': { type: 'boolean' },
			'no-similarity-records': { type: 'boolean' },
			'export-templates': { type: 'string' },
			'export-candidates': { type: 'string' },
			resume: { type: 'string' },
			'retry-failed': { type: 'string' },
			'max-failed-share': { type: 'string' },
			'max-calls': { type: 'string' },
			pause: { type: 'string' },
			cancel: { type: 'string' },
			status: { type: 'string' },
			calls: { type: 'string' },
			problems: { type: 'boolean' },
			failed: { type: 'boolean' },
			step: { type: 'string' },
			page: { type: 'string' },
			list: { type: 'boolean' },
			json: { type: 'boolean' }
		},
		USAGE,
		false
	);
	refuseConflictingOptions(values);
	const json = Boolean(values.json);
	db(); // open and migrate before anything else

	// A run whose command line was killed reads "interrupted" (resumable), not "running".
	if (values.list || values.status) markOrphanedCliRunsInterrupted(db());
	if (values.list) {
		// The runs table holds judge runs too: their count is of rows judged, not accepted.
		const rows = listRuns().map((r) => ({
			id: r.id,
			pipeline: r.pipeline,
			status: r.status,
			kept: `${r.done}/${r.target}${r.pipeline === 'judge' ? ' judged' : ''}`,
			requests: r.progress.calls.done,
			model: r.model,
			dataset: r.datasetName ?? ''
		}));
		if (json) printJson(listRuns());
		else printTable(rows);
		return;
	}
	if (values.status) {
		const summary = runSummary(runRef(values.status, 'status'));
		if (!summary) throw notFound(`There is no run ${values.status}.`);
		if (summary.pipeline === 'judge') throw new CliError(`Run ${summary.id} is a judge run: see it with judge status ${summary.id}.`);
		if (json) printJson(summary);
		else console.log(describeSummary(summary));
		return;
	}
	if (values.calls !== undefined) {
		const run = requireRunOrFail(runRef(values.calls, 'calls'));
		const page = intOption(typeof values.page === 'string' ? values.page : undefined, 'page', 1);
		const step = typeof values.step === 'string' ? values.step : undefined;
		if (page < 1) throw new CliError(`--page must be 1 or more, got ${page}.`, 2);
		// A step the run does not have matches no call: an empty list would read as "no calls".
		if (step !== undefined && (PIPELINES as readonly string[]).includes(run.pipeline)) {
			const steps = stepsOf(run.pipeline as PipelineId);
			if (!(steps as readonly string[]).includes(step)) throw new CliError(`Run ${run.id} has no step "${step}". Its steps: ${steps.join(', ')}.`, 2);
		}
		// --problems: every call the status line's "not read … set aside" counts, with its raw text.
		const list = listCallReplies(undefined, run.id, { withProblems: Boolean(values.problems), withNotes: Boolean(values.problems), status: values.failed ? 'failed' : undefined, step, page });
		// The list clamps to its last page; a script asking past the end would read that page again as if it were new.
		if (page > Math.max(1, list.pages)) throw new CliError(`--page ${page} is past the end: run ${run.id} has ${list.pages} page${list.pages === 1 ? '' : 's'} of ${list.total} call${list.total === 1 ? '' : 's'}.`, 2);
		if (json) printJson({ runId: run.id, ...list });
		else console.log(describeCalls(run.id, list));
		return;
	}
	if (values['export-templates'] !== undefined) {
		const run = requireRunOrFail(runRef(values['export-templates'], 'export-templates'));
		printJson(templateSetOf((run.params as { steps: Parameters<typeof templateSetOf>[0] }).steps, run.name));
		return;
	}
	if (values['export-candidates'] !== undefined) {
		const run = requireRunOrFail(runRef(values['export-candidates'], 'export-candidates'));
		for (const line of runCandidateLines(run.id)) process.stdout.write(line);
		return;
	}
	for (const action of ['pause', 'cancel'] as const) {
		const ref = values[action];
		if (ref === undefined) continue;
		const id = runRef(ref, action);
		try {
			const result = requestRunAction(id, action);
			if (json) printJson({ id, action, ...result });
			else
				console.log(
					result.requested
						? `Asked the process running run ${id} to ${action} it; it does so within a few seconds.`
						: `Run ${id} is now ${result.status}.`
				);
		} catch (err) {
			if (err instanceof RunError) throw err;
			throw err;
		}
		return;
	}
	const maxFailedShare = shareOption(values['max-failed-share'], 'max-failed-share');
	const existing = values['retry-failed'] ?? values.resume;
	if (existing !== undefined) {
		const option = values['retry-failed'] !== undefined ? 'retry-failed' : 'resume';
		const id = runRef(existing, option);
		try {
			if (maxFailedShare !== undefined) setFailedCallShare(id, maxFailedShare);
			if (option === 'retry-failed') {
				const { calls, skipped } = retryFailedCalls(id, { model: values.model });
				if (!json) console.log(`Sending ${calls} failed call${calls === 1 ? '' : 's'} of run ${id} again${values.model ? ` with model ${values.model}` : ''}.`);
				if (!json && skipped) console.log(`Not sending ${skipped} failed generation call${skipped === 1 ? '' : 's'}: the run already has its target.`);
			}
		} catch (err) {
			if (err instanceof RunError) throw err;
			throw err;
		}
		await execute(id, json);
		return;
	}

	const pipeline = values.pipeline;
	if (!pipeline || !(PIPELINES as readonly string[]).includes(pipeline)) {
		throw usageError(`--pipeline must be one of ${PIPELINES.join(', ')}.`, USAGE);
	}
	if (values.target === undefined) throw usageError(`Missing --target.`, USAGE);
	const target = intOption(values.target, 'target', 0);
	if (values.filters && !isFilterPresetName(values.filters)) throw new CliError('--filters must be self-instruct or alpaca.', 2);
	if (pipeline === 'unnatural' && (values.seeds || values['seed-dataset'])) {
		throw new CliError('--seeds and --seed-dataset are for Self-Instruct and Alpaca; Unnatural Instructions takes --seed-sets.', 2);
	}
	let fromSet: ReturnType<typeof templateSetRequest> | undefined;
	if (typeof values.templates === 'string') {
		try {
			const set = parseTemplateSet(readFileArg(values.templates, 'templates').toString('utf8'), values.templates);
			// Steps of another pipeline are not used by this run: said, not dropped silently (the form says the same).
			const own: readonly string[] = stepsOf(pipeline as PipelineId);
			const other = Object.keys(set.steps).filter((id) => !own.includes(id));
			if (other.length) console.error(`Note: --templates: ${other.join(', ')} ${other.length === 1 ? 'is a step' : 'are steps'} of another pipeline, not used by this ${pipeline} run (its steps: ${own.join(', ')}).`);
			fromSet = templateSetRequest(set);
		} catch (err) {
			if (err instanceof TemplateSetError) throw err;
			throw err;
		}
	}
	let created;
	try {
		created = await createRun({
			...(fromSet ?? {}),
			pipeline: pipeline as PipelineId,
			target,
			endpoint: chooseEndpoint(values.endpoint),
			model: values.model,
			seeds: seedChoice(values),
			allowSeedsWithoutOutputs: values['allow-seeds-without-outputs'] === true ? true : undefined,
			seedSets: values['seed-sets'] ? readFileArg(values['seed-sets'], 'seed-sets').toString('utf8') : undefined,
			seedSetsFile: values['seed-sets'],
			rephrasings: values.rephrasings !== undefined ? intOption(values.rephrasings, 'rephrasings', 2) : undefined,
			filterPreset: values.filters && isFilterPresetName(values.filters) ? values.filters : undefined,
			rougeThreshold: numberOption(values['rouge-threshold'], 'rouge-threshold'),
			classificationOnly: values['classification-only'] === true ? true : undefined,
			similarityRecords: values['no-similarity-records'] === true ? false : undefined,
			randomSeed: values['random-seed'] !== undefined ? intOption(values['random-seed'], 'random-seed', 1) : undefined,
			datasetName: values.dataset,
			name: values.name,
			failedCallShare: maxFailedShare,
			...maxCallsRequest(pipeline as PipelineId, values['max-calls'])
		});
	} catch (err) {
		if (err instanceof RunParamsError) throw err;
		throw err;
	}
	const dataset = created.datasetId ? getDataset(created.datasetId) : undefined;
	if (!json) {
		console.log(`Run ${created.id} (${created.pipeline}, target ${created.target}, model ${created.model}) → dataset "${dataset?.name ?? ''}"`);
		const source = (created.params as { seedSource?: SeedSource }).seedSource;
		if (source?.kind === 'file' && source.merged) console.log(`Note: ${mergedSeedsText(source.merged)}`);
	}
	await execute(created.id, json);
}
