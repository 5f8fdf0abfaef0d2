/**
 * Generation throughput: the three pipelines against the scripted OpenAI-compatible server in a
 * child process (its CPU is not ours), answering after 200 ms and allowing 160 requests/s
 * (sliding window; more get 429 + Retry-After). The endpoint: concurrency 32, 9,600 requests
 * per minute — so 160 requests/s is the ceiling, and the run should stay within 90% of it.
 * Also prints the app's own CPU per stored candidate (engine, SQLite commits, filters, ROUGE-L).
 *
 *   npm run bench -- generate                 (GEN_SI_TARGET, GEN_UN_TARGET, GEN_AL_TARGET to size it;
 *                                             RECORD_WORKER_FROM as the app's;
 *                                             GEN_PIPELINES=alpaca,unnatural to run only some;
 *                                             GEN_RECORDS=off without similarity records)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { fmt, peakRssMb, recordTarget } from './measure';

const LATENCY_MS = 200;
const ALLOWED_PER_SECOND = 160;
const CONCURRENCY = 32;

async function serve(): Promise<void> {
	const { startFakeOpenAI } = await import('../tests/support/fake-openai');
	const script = await (await import('./scripted-generation')).generationScript();
	const fake = await startFakeOpenAI({
		script,
		latencyMs: LATENCY_MS,
		rateLimit: { requests: ALLOWED_PER_SECOND, perMs: 1000 }
	});
	process.stdout.write(JSON.stringify({ url: fake.url }) + '\n');
	const report = () => {
		const outcomes = fake.generationRequests().map((r) => r.outcome);
		const cpu = process.cpuUsage();
		return { requests: outcomes.length, rateLimited: outcomes.filter((o) => o === 429).length, maxInFlight: fake.maxInFlight, cpuMs: (cpu.user + cpu.system) / 1000 };
	};
	// The parent asks for the server's own counts, then closes stdin to stop it.
	readline.createInterface({ input: process.stdin }).on('line', (line) => {
		if (line === 'report') process.stdout.write(JSON.stringify(report()) + '\n');
	});
	process.stdin.on('end', () => void fake.close().then(() => process.exit(0)));
}

interface ServerHandle {
	url: string;
	report(): Promise<{ requests: number; rateLimited: number; maxInFlight: number; cpuMs: number }>;
	stop(): void;
}

async function startServerProcess(): Promise<ServerHandle> {
	const self = fileURLToPath(import.meta.url);
	const child = spawn(process.execPath, ['--import', 'tsx', self, '--serve'], {
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

async function main(): Promise<void> {
	const { openDatabase, useDatabase } = await import('../src/lib/server/db');
	const { createEndpoint } = await import('../src/lib/server/runs/endpoints');
	const { createRun } = await import('../src/lib/server/runs/generation/create');
	const { RunSession } = await import('../src/lib/server/runs/engine/session');
	const { readProgress } = await import('../src/lib/server/runs/generation/progress');
	const { getRun } = await import('../src/lib/server/runs/engine/run-rows');
	const { similarityRecordTiming } = await import('../src/lib/filters');
	const { recordHeadStats } = await import('../src/lib/server/runs/generation/record-heads');
	const load = () => os.loadavg().map((x) => fmt(x, 2)).join(' / ');
	console.log(`Load average (1 / 5 / 15 min) at start: ${load()} on ${os.cpus().length} CPUs`);

	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-bench-generate-'));
	const db = openDatabase(path.join(dir, 'bench.db'), path.resolve('migrations'));
	useDatabase(db);
	const server = await startServerProcess();
	const endpoint = createEndpoint(
		{
			name: 'scripted',
			baseUrl: server.url,
			apiStyle: 'completions',
			model: 'fake-base',
			concurrency: CONCURRENCY,
			requestsPerMinute: ALLOWED_PER_SECOND * 60
		},
		null,
		db
	);
	console.log(
		`Scripted server in a child process: ${LATENCY_MS} ms per reply, at most ${ALLOWED_PER_SECOND} requests/s; endpoint concurrency ${CONCURRENCY}, ${ALLOWED_PER_SECOND * 60} requests/min.`
	);

	// Control: the same endpoint driven by bare client calls (no pipeline, no database), so a
	// busy machine shows up as a lower ceiling rather than as the app's overhead.
	{
		const { createLlmClient } = await import('../src/lib/server/llm');
		const { endpointConfig } = await import('../src/lib/server/runs/endpoints');
		const { buildClassificationPrompt, PROMPT_STEPS } = await import('../src/lib/prompts');
		const client = createLlmClient(endpointConfig(endpoint.id, db)!);
		const total = 1600;
		let next = 0;
		const start = performance.now();
		await Promise.all(
			Array.from({ length: CONCURRENCY }, async () => {
				while (next < total) {
					const i = next++;
					await client.generate({
						prompt: buildClassificationPrompt(`Decide whether review ${i} is positive.`),
						decoding: PROMPT_STEPS['self-instruct/classification'].decoding,
						requestKey: `bare/${i}`
					});
				}
			})
		);
		const rate = total / ((performance.now() - start) / 1000);
		console.log(`\nbare client calls (no pipeline, no database): ${fmt(rate, 1)} requests/s (${fmt((rate / ALLOWED_PER_SECOND) * 100, 1)}% of ${ALLOWED_PER_SECOND})`);
	}

	const runs = [
		{ pipeline: 'self-instruct' as const, target: Number(process.env.GEN_SI_TARGET ?? 1500) },
		{ pipeline: 'unnatural' as const, target: Number(process.env.GEN_UN_TARGET ?? 800), rephrasings: 2 },
		// A call keeps up to 16 tasks: 24,000 tasks is about 1,500 requests, so the run's start and
		// end (one round trip each, with fewer calls in flight) weigh about as little as in the
		// other two runs' 3,200; and every similarity record scans a pool of up to 24,000.
		{ pipeline: 'alpaca' as const, target: Number(process.env.GEN_AL_TARGET ?? 24_000) }
	].filter((r) => !process.env.GEN_PIPELINES || process.env.GEN_PIPELINES.split(',').includes(r.pipeline));
	let worst = Infinity;
	for (const spec of runs) {
		const before = await server.report();
		const run = await createRun({ ...spec, endpoint: { kind: 'stored', id: endpoint.id }, similarityRecords: process.env.GEN_RECORDS !== 'off' }, db);
		const cpuStart = process.cpuUsage();
		const eluStart = performance.eventLoopUtilization();
		const start = performance.now();
		const startEpoch = Date.now();
		const timing = { storeMs: 0, transactions: 0, refills: 0, refillMs: 0 };
		const records = { ...similarityRecordTiming };
		const heads = { ...recordHeadStats };
		const session = new RunSession(run.id, { database: db, runner: 'cli', timing });
		const end = await session.done;
		const wallMs = performance.now() - start;
		const elu = performance.eventLoopUtilization(eluStart);
		const cpu = process.cpuUsage(cpuStart);
		const cpuMs = (cpu.user + cpu.system) / 1000;
		if (end.status !== 'completed') throw new Error(`Run ${run.id} ended ${end.status}: ${end.message}`);
		const progress = readProgress(getRun(run.id, db)!.progress);
		const after = await server.report();
		const requests = progress.calls.done + progress.calls.failed;
		const candidates = (
			db.$client
				.prepare(
					'SELECT (SELECT count(*) FROM tasks WHERE run_id = ?) + (SELECT count(*) FROM instances WHERE run_id = ?) + (SELECT count(*) FROM formulations WHERE run_id = ?) AS n'
				)
				.get(run.id, run.id, run.id) as { n: number }
		).n;
		const perSecond = requests / (wallMs / 1000);
		worst = Math.min(worst, perSecond);
		// Steady state: the middle 80% of the run, without the ramp-up and the tail.
		const doneAt = (db.$client.prepare('SELECT done_at AS t FROM generation_calls WHERE run_id = ? ORDER BY done_at').all(run.id) as { t: number }[]).map((r) => r.t);
		const first = doneAt[0] - (doneAt[1] - doneAt[0]);
		const span = doneAt[doneAt.length - 1] - first;
		const middle = doneAt.filter((t) => t >= first + 0.1 * span && t <= first + 0.9 * span).length / ((0.8 * span) / 1000);
		console.log(`\n${spec.pipeline}, target ${spec.target}${process.env.GEN_RECORDS === 'off' && spec.pipeline !== 'unnatural' ? ', similarity records off' : ''}:`);
		console.log(`  ${fmt(requests)} requests answered in ${fmt(wallMs / 1000, 1)} s → ${fmt(perSecond, 1)} requests/s (${fmt((perSecond / ALLOWED_PER_SECOND) * 100, 1)}% of ${ALLOWED_PER_SECOND})`);
		console.log(`  steady state (middle 80% of the run): ${fmt(middle, 1)} requests/s`);
		// Each tenth of the run's span: the pool, and the work per reply, grow as it goes.
		const tenths = Array.from({ length: 10 }, (_, k) => doneAt.filter((t) => t > first + (k * span) / 10 && t <= first + ((k + 1) * span) / 10).length / (span / 10000));
		console.log(`  requests/s by tenth of the run: ${tenths.map((r) => fmt(r, 0)).join(', ')}`);
		// Where the rest of the wall time goes: before the first reply is stored, and the last second's pace.
		const endEpoch = startEpoch + wallMs;
		const lastSecond = doneAt.filter((t) => t > endEpoch - 1000).length;
		console.log(
			`  ramp-up and tail: first reply stored ${fmt(doneAt[0] - startEpoch)} ms after the start (one reply takes ${LATENCY_MS} ms); ${fmt(lastSecond)} replies stored in the last second; run ended ${fmt(endEpoch - doneAt[doneAt.length - 1])} ms after the last`
		);
		console.log(
			`  server saw ${fmt(after.requests - before.requests)} requests, ${fmt(after.rateLimited - before.rateLimited)} refused with 429; at most ${after.maxInFlight} in flight; client retries ${progress.retries}`
		);
		console.log(`  ${fmt(candidates)} candidates stored (${fmt(progress.accepted)} accepted into the pool, ${fmt(progress.instances.kept)} instances kept, ${fmt(progress.formulations.kept)} formulations)`);
		console.log(
			`  app overhead: storing replies (parse, filters, ROUGE-L, SQLite commit) and planning calls ${fmt(timing.storeMs)} ms in ${fmt(timing.transactions)} transactions = ${fmt(timing.storeMs / candidates, 3)} ms per candidate`
		);
		console.log(`  launching calls on freed slots (pending rows, in transactions of their own): ${fmt(timing.refillMs)} ms in ${fmt(timing.refills)} transactions`);
		const recordCount = similarityRecordTiming.records - records.records;
		if (recordCount > 0) {
			const recordMs = similarityRecordTiming.ms - records.ms;
			console.log(
				`  of which similarity records in this thread (10 most similar + mean ROUGE-L, a scan of the whole pool, up to ${fmt(similarityRecordTiming.largestPool)} instructions): ${fmt(recordMs)} ms for ${fmt(recordCount)} instructions = ${fmt(recordMs / recordCount, 3)} ms per instruction, ${fmt(recordMs / candidates, 3)} ms per candidate`
			);
			const inWorker = recordHeadStats.inWorker - heads.inWorker;
			const inCommit = recordHeadStats.inCommit - heads.inCommit;
			console.log(`  replies whose records were scanned in the worker thread: ${fmt(inWorker)} of ${fmt(inWorker + inCommit)} (the rest in the commit: a small pool, or the worker behind)`);
		}
		console.log(
			`  process CPU in all ${fmt(cpuMs)} ms (incl. the openai SDK and HTTP): ${fmt(cpuMs / candidates, 3)} ms per candidate, ${fmt(cpuMs / requests, 3)} ms per request`
		);
		console.log(`  the run's own thread (event loop) busy ${fmt(elu.utilization * 100, 1)}% of the run`);
		console.log(`  the scripted server's own CPU meanwhile (the same two cores): ${fmt(after.cpuMs - before.cpuMs)} ms`);
		console.log(`  load average after the run: ${load()}`);
	}
	console.log(`\nThroughput floor: ${fmt(worst, 1)} requests/s — target ≥ ${fmt(0.9 * ALLOWED_PER_SECOND, 0)} (90% of ${ALLOWED_PER_SECOND}): ${worst >= 0.9 * ALLOWED_PER_SECOND ? 'met' : 'NOT met'}`);
	recordTarget({
		row: `generation throughput against a rate limit of ${ALLOWED_PER_SECOND} requests/s`,
		figure: `${fmt(worst, 1)} requests/s at the slowest`,
		target: `≥ ${fmt(0.9 * ALLOWED_PER_SECOND, 0)} requests/s`,
		met: worst >= 0.9 * ALLOWED_PER_SECOND
	});
	console.log(`Load average at the end: ${load()} on ${os.cpus().length} CPUs (a shared machine lowers the bare-client ceiling above as well)`);
	console.log(`Peak RSS ${fmt(peakRssMb())} MB`);
	server.stop();
	db.$client.close();
	fs.rmSync(dir, { recursive: true, force: true });
}

if (process.argv.includes('--serve')) await serve();
else await main();
