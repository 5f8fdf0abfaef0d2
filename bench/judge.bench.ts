/**
 * Judge-run (and high-rate generation) throughput against the scripted OpenAI-compatible server
 * in a child process (its CPU is not ours). Two settings, each with a bare-client control (the
 * same endpoint driven by plain client calls, no run, no database) so a loaded machine shows up
 * as a lower ceiling rather than as app overhead:
 *
 *   issue #13: a judge run, 200 ms per reply, at most 160 requests/s, concurrency 32
 *              → target ≥ 90% of 160 requests/s
 *   issue #16: a generation run and a judge run, 20 ms per reply, at most 1,000 requests/s,
 *              concurrency 256 → target ≥ 95% of 1,000 requests/s
 *
 * Prints the app's overhead per judged row / per candidate (the engine's time storing replies
 * and planning calls, and the process CPU) and the machine's load average.
 *
 *   npm run bench -- judge        (JUDGE_ROWS_SLOW, JUDGE_ROWS_FAST, GEN_FAST_TARGET,
 *                                  GEN_FAST_PIPELINE = unnatural | self-instruct | alpaca,
 *                                  JUDGE_BENCH_ROWS=13 or 16 to run one setting)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fmt, peakRssMb, recordTarget } from './measure';

interface Setting {
	issue: string;
	latencyMs: number;
	perSecond: number;
	concurrency: number;
	share: number;
	judgeRows: number;
	generation: { pipeline: 'self-instruct' | 'unnatural' | 'alpaca'; target: number } | null;
}

const SETTINGS: Setting[] = [
	{ issue: '13', latencyMs: 200, perSecond: 160, concurrency: 32, share: 0.9, judgeRows: Number(process.env.JUDGE_ROWS_SLOW ?? 2400), generation: null },
	{
		issue: '16',
		latencyMs: 20,
		perSecond: 1000,
		concurrency: 256,
		share: 0.95,
		judgeRows: Number(process.env.JUDGE_ROWS_FAST ?? 15_000),
		generation: { pipeline: (process.env.GEN_FAST_PIPELINE as 'unnatural') ?? 'unnatural', target: Number(process.env.GEN_FAST_TARGET ?? 6000) }
	}
].filter((s) => !process.env.JUDGE_BENCH_ROWS || process.env.JUDGE_BENCH_ROWS.split(',').includes(s.issue));

async function serve(latencyMs: number, perSecond: number): Promise<void> {
	const { startFakeOpenAI } = await import('../tests/support/fake-openai');
	const generation = await (await import('./scripted-generation')).generationScript();
	const { judgeScript } = await import('../tests/integration/judge-support');
	const fake = await startFakeOpenAI({
		// Judge prompts end with the reply instructions; everything else is a generation prompt.
		script: (request) => (request.prompt.includes('### Output\n') && request.prompt.includes('Reply with') ? judgeScript(request) : generation(request)),
		latencyMs,
		rateLimit: { requests: perSecond, perMs: 1000 }
	});
	process.stdout.write(JSON.stringify({ url: fake.url }) + '\n');
	const report = () => {
		const outcomes = fake.generationRequests().map((r) => r.outcome);
		return { requests: outcomes.length, rateLimited: outcomes.filter((o) => o === 429).length, maxInFlight: fake.maxInFlight };
	};
	readline.createInterface({ input: process.stdin }).on('line', (line) => {
		if (line === 'report') process.stdout.write(JSON.stringify(report()) + '\n');
	});
	process.stdin.on('end', () => void fake.close().then(() => process.exit(0)));
}

interface ServerHandle {
	url: string;
	report(): Promise<{ requests: number; rateLimited: number; maxInFlight: number }>;
	stop(): void;
}

async function startServerProcess(latencyMs: number, perSecond: number): Promise<ServerHandle> {
	const self = fileURLToPath(import.meta.url);
	const child = spawn(process.execPath, ['--import', 'tsx', self, '--serve', String(latencyMs), String(perSecond)], {
		stdio: ['pipe', 'pipe', 'inherit'],
		env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.json' }
	});
	const lines = readline.createInterface({ input: child.stdout! });
	const pending: ((line: string) => void)[] = [];
	lines.on('line', (line) => pending.shift()?.(line));
	const next = () => new Promise<string>((resolve) => pending.push(resolve));
	const { url } = JSON.parse(await next()) as { url: string };
	return {
		url,
		async report() {
			const reply = next();
			child.stdin!.write('report\n');
			return JSON.parse(await reply);
		},
		stop() {
			child.stdin!.end();
		}
	};
}

const load = () => os.loadavg().map((l) => fmt(l, 2)).join(' / ');

async function main(): Promise<void> {
	const { openDatabase, useDatabase } = await import('../src/lib/server/db');
	const { createEndpoint, endpointConfig } = await import('../src/lib/server/runs/endpoints');
	const { createRun } = await import('../src/lib/server/runs/generation/create');
	const { createJudgeRun } = await import('../src/lib/server/runs/judge/create');
	const { RunSession } = await import('../src/lib/server/runs/engine/session');
	const { getRun } = await import('../src/lib/server/runs/engine/run-rows');
	const { readJudgeProgress } = await import('../src/lib/server/runs/judge/progress');
	const { readProgress } = await import('../src/lib/server/runs/generation/progress');
	const { importFile } = await import('../src/lib/server/datasets/import');
	const { createLlmClient } = await import('../src/lib/server/llm');
	const { buildQualityJudgePrompt, JUDGE_PROMPT_STEPS } = await import('../src/lib/prompts');
	const { Readable } = await import('node:stream');

	console.log(`Machine: ${os.cpus().length} cores, load average (1/5/15 min) ${load()} at the start — shared with other work today.`);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-bench-judge-'));
	const db = openDatabase(path.join(dir, 'bench.db'), path.resolve('migrations'));
	useDatabase(db);
	const verdicts: { row: string; figure: number; target: number; met: boolean; bare: number }[] = [];

	for (const setting of SETTINGS) {
		const { latencyMs, perSecond, concurrency } = setting;
		const server = await startServerProcess(latencyMs, perSecond);
		const endpoint = createEndpoint(
			{ name: `scripted ${latencyMs} ms`, baseUrl: server.url, apiStyle: 'completions', model: 'fake-base', concurrency, requestsPerMinute: perSecond * 60 },
			null,
			db
		);
		console.log(`\n--- issue #${setting.issue}: ${latencyMs} ms per reply, at most ${fmt(perSecond)} requests/s, concurrency ${concurrency} (target ≥ ${fmt(setting.share * 100)}%) ---`);

		// The rows to judge: distinct instructions, every third output marked wrong.
		const rows = Array.from({ length: setting.judgeRows }, (_, k) => ({
			id: `t${k}`,
			instruction: `Instruction ${k}: summarise item ${k} of the list in one sentence.`,
			instances: [{ input: `item ${k}`, output: k % 3 === 0 ? `output ${k} WRONG` : `output ${k}` }]
		}));
		const text = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
		const imported = await importFile(Readable.from([Buffer.from(text)]), { datasetName: `judge bench ${setting.issue}`, fileName: 'rows.jsonl' }, db);

		// Control: bare client calls at the same settings, as many as the judge run makes (a
		// shorter control is mostly its own ramp-up at the paced rate, and reads below the run).
		let bare = 0;
		{
			const client = createLlmClient(endpointConfig(endpoint.id, db)!);
			const total = setting.judgeRows;
			let next = 0;
			const start = performance.now();
			await Promise.all(
				Array.from({ length: concurrency }, async () => {
					while (next < total) {
						const i = next++;
						await client.generate({
							prompt: buildQualityJudgePrompt({ instruction: `Bare ${i}`, input: '', output: `answer ${i}` }),
							decoding: JUDGE_PROMPT_STEPS['judge/quality'].decoding,
							requestKey: `bare/${setting.issue}/${i}`
						});
					}
				})
			);
			const rate = total / ((performance.now() - start) / 1000);
			bare = rate;
			console.log(`bare client calls (no run, no database): ${fmt(rate, 1)} requests/s (${fmt((rate / perSecond) * 100, 1)}% of ${fmt(perSecond)}); load ${load()}`);
		}

		const measure = async (label: string, runId: number, units: () => { n: number; what: string; requests: number; retries: number; extra: string }) => {
			const before = await server.report();
			const timing = { storeMs: 0, transactions: 0 };
			const cpuStart = process.cpuUsage();
			const start = performance.now();
			const end = await new RunSession(runId, { database: db, runner: 'cli', timing }).done;
			const wallMs = performance.now() - start;
			const cpu = process.cpuUsage(cpuStart);
			const cpuMs = (cpu.user + cpu.system) / 1000;
			if (end.status !== 'completed') throw new Error(`Run ${runId} ended ${end.status}: ${end.message}`);
			const after = await server.report();
			const u = units();
			const rate = u.requests / (wallMs / 1000);
			const doneAt = (db.$client.prepare('SELECT done_at AS t FROM generation_calls WHERE run_id = ? ORDER BY done_at').all(runId) as { t: number }[]).map((r) => r.t);
			const first = doneAt[0] - (doneAt[1] - doneAt[0]);
			const span = doneAt[doneAt.length - 1] - first;
			const middle = doneAt.filter((t) => t >= first + 0.1 * span && t <= first + 0.9 * span).length / ((0.8 * span) / 1000);
			console.log(`\n${label}:`);
			console.log(`  ${fmt(u.requests)} requests answered in ${fmt(wallMs / 1000, 1)} s → ${fmt(rate, 1)} requests/s (${fmt((rate / perSecond) * 100, 1)}% of ${fmt(perSecond)})`);
			console.log(`  steady state (middle 80% of the run): ${fmt(middle, 1)} requests/s (${fmt((middle / perSecond) * 100, 1)}%)`);
			console.log(`  server saw ${fmt(after.requests - before.requests)} requests, ${fmt(after.rateLimited - before.rateLimited)} refused with 429; at most ${after.maxInFlight} in flight; client retries ${u.retries}`);
			console.log(`  ${u.extra}`);
			console.log(
				`  app overhead: storing replies and planning calls ${fmt(timing.storeMs)} ms in ${fmt(timing.transactions)} transactions = ${fmt(timing.storeMs / u.n, 3)} ms per ${u.what}`
			);
			console.log(`  process CPU in all ${fmt(cpuMs)} ms (incl. the openai SDK and HTTP): ${fmt(cpuMs / u.n, 3)} ms per ${u.what}, ${fmt(cpuMs / u.requests, 3)} ms per request; load ${load()}`);
			verdicts.push({ row: `#${setting.issue} ${label}`, figure: rate, target: setting.share * perSecond, met: rate >= setting.share * perSecond, bare });
		};

		const judgeRun = createJudgeRun({ datasetId: imported.datasetId, endpoint: { kind: 'stored', id: endpoint.id } }, db);
		await measure(`judge run over ${fmt(setting.judgeRows)} rows`, judgeRun.id, () => {
			const p = readJudgeProgress(getRun(judgeRun.id, db)!.progress);
			return {
				n: p.judge.parsed + p.judge.unparsed,
				what: 'judged row',
				requests: p.calls.done + p.calls.failed,
				retries: p.retries,
				extra: `${fmt(p.judge.parsed)} verdicts (${fmt(p.judge.allValid)} all valid), ${fmt(p.judge.unparsed)} unparsed`
			};
		});

		if (setting.generation) {
			const run = await createRun({ pipeline: setting.generation.pipeline, target: setting.generation.target, endpoint: { kind: 'stored', id: endpoint.id } }, db);
			await measure(`generation (${setting.generation.pipeline}), target ${fmt(setting.generation.target)}`, run.id, () => {
				const p = readProgress(getRun(run.id, db)!.progress);
				const candidates = (
					db.$client
						.prepare('SELECT (SELECT count(*) FROM tasks WHERE run_id = ?) + (SELECT count(*) FROM instances WHERE run_id = ?) + (SELECT count(*) FROM formulations WHERE run_id = ?) AS n')
						.get(run.id, run.id, run.id) as { n: number }
				).n;
				return {
					n: candidates,
					what: 'candidate',
					requests: p.calls.done + p.calls.failed,
					retries: p.retries,
					extra: `${fmt(candidates)} candidates stored (${fmt(p.accepted)} accepted, ${fmt(p.instances.kept)} instances kept, ${fmt(p.formulations.kept)} formulations)`
				};
			});
		}
		server.stop();
	}

	console.log('\nSummary (requests/s over the whole run):');
	for (const v of verdicts) {
		console.log(
			`  ${v.row}: ${fmt(v.figure, 1)} — target ≥ ${fmt(v.target)}: ${v.met ? 'met' : 'not met'} (bare-client ceiling measured just before: ${fmt(v.bare, 1)} requests/s; the run reached ${fmt((v.figure / v.bare) * 100)}% of it)`
		);
		recordTarget({ row: v.row, figure: `${fmt(v.figure, 1)} requests/s`, target: `≥ ${fmt(v.target)} requests/s`, met: v.met });
	}
	console.log(`Load average at the end ${load()}; peak RSS ${fmt(peakRssMb())} MB`);
	db.$client.close();
	fs.rmSync(dir, { recursive: true, force: true });
}

if (process.argv.includes('--serve')) {
	const i = process.argv.indexOf('--serve');
	await serve(Number(process.argv[i + 1]), Number(process.argv[i + 2]));
} else await main();
