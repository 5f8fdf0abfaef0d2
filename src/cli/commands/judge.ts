import fs from 'node:fs';
import { CliError, usageError } from '../cli-error';
import { judgeResults, judgeUnit } from '$lib/runs/judge-results';
import { judgeModelsText } from '$lib/runs/judge-models';
import { judgeVerdictModels } from '$lib/server/runs/judge/models';
import { fileErrorOf } from '../files';
import { parseCommandArgs, refuseExtraPositionals } from '../args';
import { printJson, printTable } from '../output';
import { db } from '$lib/server/db';
import { getDataset, resolveDataset } from '$lib/server/datasets/datasets';
import { RunParamsError } from '$lib/server/runs/errors';
import { pausedBySignal, runInForeground, stopReason } from '../foreground-run';
import { requestRunAction, requireRun, retryFailedCalls } from '$lib/server/runs/engine/run-rows';
import { markOrphanedCliRunsInterrupted } from '$lib/server/runs/engine/manager';
import { createJudgeRun } from '$lib/server/runs/judge/create';
import { readJudgeProgress } from '$lib/server/runs/judge/progress';
import { JUDGE_MODES, isJudgeMode, readJudgeParams, type JudgeMode } from '$lib/server/runs/judge/params';
import { cancelStoppedJudgeRunBatches, listJudgeBatches } from '$lib/server/runs/judge/batch';
import { chooseEndpoint } from './generate';
import { firstExchangeNote, type FirstExchangeOnly } from '$lib/judge/wording';

const USAGE = `Usage:
  npx instruct-audit judge start --dataset <name|id> [options]
  npx instruct-audit judge start --audit <id>        [options]
  npx instruct-audit judge resume <run> | pause <run> | cancel <run>
  npx instruct-audit judge retry-failed <run>        [--model <name>] [--json]
  npx instruct-audit judge list | status <run>       [--json]

A model as judge (issue #13), in three modes, each reply one strict JSON object with a reason:
  quality (default)  every row of a dataset (or the rows an audit showed): the three validity questions;
                     a conversation's row is its first exchange, and later turns are not judged (the
                     run says how many conversations have them); there is no conversation judge yet
  rating             every model response (or an audit's responses): an A–D rating on the audit rubric
  pairwise           every preference pair (or an audit's pairs): which response is better, or a tie —
                     asked twice with the order swapped; an inconsistent pair is recorded as a tie
An unreadable reply is asked again once; a second unreadable one is recorded as unparsed with its
raw text. Judge labels live apart from human labels. The run is durable like a generation run: Ctrl-C pauses
it, \`judge resume\` goes on where it stopped, a killed process loses nothing. A call that failed
on its own prompt (e.g. too long for the model) leaves its row without a readable verdict;
\`judge retry-failed\` sends exactly those calls again (with --model, to another model) and resumes.

With --batch the calls go through the OpenAI Batch API (files.create, batches.create, polling,
results matched by custom_id): about half the price, results within 24 hours. The process polls
until the batches finish; stop it any time and resume later — a batch in flight is found again,
never paid for twice.

Calibration against an audit (quality: per question and the whole-dataset estimate; rating: A–D
confusion, κ; pairwise: 3×3 confusion, κ): report <audit> --judge <run>.

Options for start:
  --mode <m>                quality (default), rating or pairwise; with --audit, the audit's kind
  --rating | --pairwise     short for --mode rating / --mode pairwise
  --endpoint <name|id|env>  as for generate (default: LLM_* when set, else the default endpoint)
  --model <name>            override the endpoint's model
  --batch                   through the OpenAI Batch API
  --poll-seconds <n>        how often to poll a batch in flight (default 30)
  --template <file>         an edited judge template (quality {{instruction}} {{input}} {{output}};
                            rating {{response}} {{rubric}}; pairwise {{response_a}} {{response_b}})
  --include-rejected        also judge rows a filter rejected (whole dataset)
  --name <text>             the run's name
  --json                    print the final summary as JSON`;

function runRef(value: string | undefined): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n <= 0) throw usageError(`Name the judge run by its id, got "${value ?? ''}".`, USAGE);
	return n;
}

function pollSeconds(value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!(n > 0 && n <= 3600)) throw new CliError(`--poll-seconds takes a number of seconds above 0 and at most 3600, got "${value}".`, 2);
	return n;
}

/** --mode / --rating / --pairwise; with none of them and --audit, the mode that fits the audit's kind. */
function modeOf(mode: string | undefined, rating: boolean, pairwise: boolean, auditId: number | undefined): JudgeMode {
	const asked = [mode, rating ? 'rating' : undefined, pairwise ? 'pairwise' : undefined].filter((m): m is string => m !== undefined);
	if (new Set(asked).size > 1) throw new CliError(`Choose one judge mode, got ${asked.join(' and ')}.`, 2);
	if (asked.length === 1) {
		if (!isJudgeMode(asked[0])) throw new CliError(`--mode is one of ${JUDGE_MODES.join(', ')}, got "${asked[0]}".`, 2);
		return asked[0];
	}
	if (auditId !== undefined) {
		const kind = db().$client.prepare<[number], string>('SELECT kind FROM audits WHERE id = ?').pluck().get(auditId);
		if (kind && isJudgeMode(kind)) return kind;
	}
	return 'quality';
}

function datasetRef(ref: string): number {
	if (/^\d+$/.test(ref) && getDataset(Number(ref))) return Number(ref);
	return resolveDataset(ref).id;
}

export function judgeSummary(runId: number) {
	const run = requireRun(runId);
	if (run.pipeline !== 'judge') throw new CliError(`Run ${runId} is a ${run.pipeline} run, not a judge run.`);
	const progress = readJudgeProgress(run.progress);
	let mode: JudgeMode = 'quality';
	let firstExchangeOnly: FirstExchangeOnly | null = null;
	try {
		const params = readJudgeParams(run.params);
		mode = params.mode;
		firstExchangeOnly = params.firstExchangeOnly ?? null;
	} catch {
		// A run row without judge parameters is reported as it is.
	}
	return {
		id: run.id,
		mode,
		name: run.name,
		status: run.status,
		message: run.message,
		datasetId: run.datasetId,
		/** The model its calls go to now; `models` says which models its verdicts came from. */
		model: run.model,
		models: judgeVerdictModels(db(), [run.id]).get(run.id) ?? [],
		rows: progress.judge.rows,
		/** Conversations among the rows: only their first exchange is judged (null when none is a conversation). */
		firstExchangeOnly,
		/** That in a sentence, when some conversation has later turns not judged. */
		notJudged: firstExchangeNote(firstExchangeOnly),
		parsed: progress.judge.parsed,
		unparsed: progress.judge.unparsed,
		retried: progress.judge.retried,
		allValid: progress.judge.allValid,
		ratings: progress.judge.ratings,
		winners: progress.judge.winners,
		inconsistent: progress.judge.inconsistent,
		problems: progress.judge.problems,
		calls: progress.calls,
		promptTokens: progress.promptTokens,
		completionTokens: progress.completionTokens,
		costUsd: progress.costKnown ? progress.costUsd : null,
		/** Batch API result lines that did not simply answer their request (requests sent again, stray and conflicting lines). */
		batchLines: progress.batchLines,
		lastError: progress.lastError,
		batches: listJudgeBatches(db(), run.id)
	};
}

function describe(s: ReturnType<typeof judgeSummary>): string {
	const { unit: what, readable } = judgeResults(s.mode, s);
	const lines = [
		`Judge run ${s.id} "${s.name}" (${s.mode}): ${s.status}${s.message ? ` — ${s.message}` : ''}`,
		`Model: ${judgeModelsText(s.model, s.models).text}.`,
		`${s.parsed + s.unparsed} of ${s.rows} ${what} judged: ${s.parsed} readable (${readable}), ${s.unparsed} unparsed, ${s.retried} replies asked again.`,
		...(s.notJudged ? [s.notJudged] : []),
		`${s.calls.done} calls, ${s.promptTokens} prompt + ${s.completionTokens} completion tokens${s.costUsd !== null ? `, $${s.costUsd.toFixed(4)}` : ''}.`
	];
	const odd = s.batchLines;
	if (odd.resent || odd.unexpected || odd.conflicting)
		lines.push(
			`Batch API lines: ${odd.resent} request(s) sent again in a later batch, ${odd.conflicting} answered by lines that disagree (failed), ${odd.unexpected} line(s) for no request of their batch${odd.unexpectedIds.length ? ` (${odd.unexpectedIds.join(', ')})` : ''}.`
		);
	for (const b of s.batches) lines.push(`  ${b.key}: ${b.phase}${b.remoteStatus ? ` (${b.remoteStatus})` : ''}, ${b.calls} calls${b.failure ? ` — ${b.failure}` : ''}`);
	return lines.join('\n');
}

/** How often a plain progress line is printed when stderr is not a terminal (as `generate` does). */
const PROGRESS_LINE_MS = 10_000;

/** A counter redrawn in place on a terminal; without one (a log file, nohup), a line now and then, the first at once. */
function judgeProgressLine() {
	const tty = process.stderr.isTTY === true;
	let last = -Infinity;
	return {
		update: (j: { parsed: number; unparsed: number; rows: number }) => {
			const done = `${j.parsed + j.unparsed}/${j.rows} judged`;
			if (tty) {
				process.stderr.write(`\r${done}`);
				return;
			}
			if (Date.now() - last < PROGRESS_LINE_MS) return;
			last = Date.now();
			process.stderr.write(`${new Date().toISOString()} Judging: ${done} · ${j.unparsed} unparsed\n`);
		},
		stop: () => {
			if (tty) process.stderr.write('\n');
		}
	};
}

async function execute(runId: number, json: boolean): Promise<void> {
	const progress = json ? null : judgeProgressLine();
	const { end, signal } = await runInForeground(runId, (p) => progress?.update(readJudgeProgress(p).judge));
	progress?.stop();
	const summary = judgeSummary(runId);
	const stopped = end.status === 'paused' && signal !== null;
	// Completed without one readable verdict (every reply unparsed): the script got nothing it can use.
	const nothingRead = end.status === 'completed' && summary.parsed === 0 && summary.unparsed > 0;
	const failed = (end.status !== 'completed' && !stopped) || nothingRead;
	// Under --json a failed run's summary goes out with its error, as one document (main.ts).
	if (!json) console.log(describe(summary));
	else if (!failed && !stopped) printJson(summary);
	if (stopped) throw pausedBySignal(signal, `judge run ${runId}`, `npx instruct-audit judge resume ${runId}`, summary);
	if (nothingRead)
		throw new CliError(`Judge run ${runId} completed, but none of its ${summary.unparsed} replies could be read as a verdict: see them with judge status ${runId}, and check --model and --template.`, 1, {}, summary, 'unreadable');
	if (failed) {
		const why = stopReason(end.status, end.message);
		const next = end.status === 'cancelled' ? '' : ` Resume with: judge resume ${runId}.`;
		throw new CliError(`Judge run ${runId} ${end.status}${why}.${next}`, 1, {}, summary);
	}
}

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(
		argv,
		{
			dataset: { type: 'string' },
			audit: { type: 'string' },
			mode: { type: 'string' },
			rating: { type: 'boolean' },
			pairwise: { type: 'boolean' },
			endpoint: { type: 'string' },
			model: { type: 'string' },
			batch: { type: 'boolean' },
			'poll-seconds': { type: 'string' },
			template: { type: 'string' },
			'include-rejected': { type: 'boolean' },
			name: { type: 'string' },
			json: { type: 'boolean' }
		},
		USAGE
	);
	const json = Boolean(values.json);
	db();
	const [action, ref] = positionals;
	refuseExtraPositionals(positionals, action === 'list' ? 1 : 2, USAGE);
	try {
		switch (action) {
			case 'list': {
				markOrphanedCliRunsInterrupted(db());
				const rows = db()
					.$client.prepare<[], number>("SELECT id FROM generation_runs WHERE pipeline = 'judge' ORDER BY id DESC")
					.pluck()
					.all();
				const summaries = rows.map(judgeSummary);
				if (json) return printJson(summaries);
				printTable(summaries.map((s) => ({ id: s.id, mode: s.mode, status: s.status, rows: s.rows, parsed: s.parsed, unparsed: s.unparsed, model: judgeModelsText(s.model, s.models).short, name: s.name })));
				return;
			}
			case 'status': {
				markOrphanedCliRunsInterrupted(db());
				const s = judgeSummary(runRef(ref));
				if (json) return printJson(s);
				console.log(describe(s));
				return;
			}
			case 'pause':
			case 'cancel': {
				const id = runRef(ref);
				judgeSummary(id);
				const result = requestRunAction(id, action);
				console.log(result.requested ? `Asked the process running judge run ${id} to ${action} it.` : `Judge run ${id} is now ${result.status}.`);
				if (action === 'cancel' && !result.requested) {
					const sent = await cancelStoppedJudgeRunBatches(id, db());
					if (sent) console.log(`Sent batches.cancel for ${sent} batch${sent === 1 ? '' : 'es'} in flight.`);
				}
				return;
			}
			case 'resume': {
				const id = runRef(ref);
				judgeSummary(id);
				return await execute(id, json);
			}
			case 'retry-failed': {
				const id = runRef(ref);
				judgeSummary(id);
				// The run page's "Retry failed calls" does the same (manager.ts → retryFailedCalls).
				const { calls } = retryFailedCalls(id, { model: values.model });
				if (!json) console.log(`Sending ${calls} failed call${calls === 1 ? '' : 's'} of judge run ${id} again${values.model ? ` with model ${values.model}` : ''}.`);
				return await execute(id, json);
			}
			case 'start': {
				if (!values.dataset && !values.audit) throw usageError(`Name what to judge: --dataset or --audit.`, USAGE);
				let template: string | undefined;
				if (values.template) {
					try {
						template = fs.readFileSync(values.template, 'utf8');
					} catch (err) {
						throw fileErrorOf(err, values.template) ?? new CliError(`--template: cannot read ${values.template}.`);
					}
					// An empty file would quietly run the default template: the person meant theirs.
					if (template.trim() === '') throw new CliError(`--template ${values.template}: the file is empty; leave --template out to use the default template.`, 2);
				}
				const created = createJudgeRun({
					mode: modeOf(values.mode, Boolean(values.rating), Boolean(values.pairwise), values.audit ? runRef(values.audit) : undefined),
					datasetId: values.dataset ? datasetRef(values.dataset) : undefined,
					auditId: values.audit ? runRef(values.audit) : undefined,
					includeRejected: Boolean(values['include-rejected']),
					endpoint: chooseEndpoint(values.endpoint),
					model: values.model,
					batch: Boolean(values.batch),
					pollSeconds: pollSeconds(values['poll-seconds']),
					template,
					name: values.name
				});
				const createdParams = readJudgeParams(created.params);
				const notJudged = firstExchangeNote(createdParams.firstExchangeOnly);
				if (!json) console.log(`Judge run ${created.id}: ${created.target} ${judgeUnit(createdParams.mode)}, model ${created.model}${values.batch ? ', Batch API' : ''}.${notJudged ? `\n${notJudged}` : ''}`);
				return await execute(created.id, json);
			}
			default:
				throw usageError(`judge takes start, resume, retry-failed, pause, cancel, list or status.`, USAGE);
		}
	} catch (err) {
		// A template that does not fit the mode: say which file.
		if (err instanceof RunParamsError && err.field === 'template' && values.template) {
			throw new CliError(`--template ${values.template}: ${err.message}`, 1, { file: values.template, field: 'template' }, undefined, err.code);
		}
		throw err;
	}
}
