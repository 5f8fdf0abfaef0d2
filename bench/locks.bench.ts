/**
 * Issue #22: how long each bulk job holds SQLite's write lock, and what reviewers see meanwhile.
 *
 * Lock hold = from BEGIN IMMEDIATE having the lock to COMMIT done, timed around every labelled
 * transaction by src/lib/server/db (`transaction(db, fn, label)`), per job: the longest one is
 * what a reviewer's write can wait behind. Target ≤ 250 ms each.
 *
 * Part 1 (in process, bulkJobs): at 250,000 instances (LOCKS_IMPORT_ROWS) and, with LOCKS_1M=1,
 * at 1,000,000: import into a new dataset, Apply filters, create a 10,000-item and a 100,000-item
 * audit, delete a third (of 100,000 items, no work on it), append rows to the existing dataset, delete the dataset; then a judge run through the
 * Batch API over LOCKS_JUDGE_ROWS (20,000) instances.
 * Part 2 (mixed load, see mixedLoad): the built server with 20 reviewers submitting over HTTP
 * while, in other processes, the CLI imports 1,000,000 instances, Apply filters runs over 250,000
 * and a generation run writes (LOCKS_MIXED_ROWS, LOCKS_FILTER_ROWS, LOCKS_REVIEWERS,
 * LOCKS_MIXED_SECONDS to size it). It runs twice: with each reviewer reading an item for
 * LOCKS_READ_MS (1,000 ms on average, faster than any person) before answering it — what
 * reviewers see — and then as a stress test with no reading time (LOCKS_SKIP_STRESS=1 skips it),
 * where 20 clients keep the server saturated and latency is mostly their own queue.
 * LOCKS_SKIP_BULK=1 / LOCKS_SKIP_MIXED=1 run one part only.
 * LOCK_TRACE_MS=150 prints every write transaction held longer than 150 ms, with its callers;
 * LOCKS_LOG_DIR=<dir> keeps what each process of the mixed load printed (its traces) there.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lockHoldStats, openDatabase, resetLockHolds, type Db } from '../src/lib/server/db';
import { importFile } from '../src/lib/server/datasets/import';
import { deleteAudit, deleteDataset } from '../src/lib/server/archive/archive';
import { applyFilters } from '../src/lib/server/filters/apply';
import { createAudit, createAuditInBatches } from '../src/lib/server/audits/create';
import { createUser } from '../src/lib/server/auth/users';
import { filterPreset } from '../src/lib/filters';
import { startBuiltApp, signInOverHttp } from '../tests/support/built-app';
import { fmt, recordTarget } from './measure';

const ROWS = Number(process.env.LOCKS_IMPORT_ROWS ?? 250_000);
const verbs = ['Explain', 'Summarize', 'Translate', 'Classify', 'Rewrite', 'List', 'Describe', 'Generate', 'Compare', 'Suggest'];
const topics = ['the water cycle', 'a healthy breakfast', 'quantum computing', 'the French revolution', 'photosynthesis', 'a job interview', 'climate change', 'binary search'];

function writeFile(file: string, n: number): void {
	const fd = fs.openSync(file, 'w');
	let chunk = '';
	for (let i = 0; i < n; i++) {
		const verb = verbs[i % verbs.length];
		const topic = topics[Math.floor(i / verbs.length) % topics.length];
		// Two instances per instruction, as Alpaca-style data often has.
		chunk +=
			JSON.stringify({
				instruction: `${verb} ${topic} for a reader who is new to it (variant ${i >> 1}).`,
				input: i % 3 === 0 ? '' : `Context ${i}: some details about ${topic}, with "quotes", commas, and ünïcödé.`,
				output: `Here is an answer about ${topic}, number ${i}. It has a few sentences so that its length is realistic.`
			}) + '\n';
		if (chunk.length > 1 << 20) {
			fs.writeSync(fd, chunk);
			chunk = '';
		}
	}
	fs.writeSync(fd, chunk);
	fs.closeSync(fd);
}

function report(labels: string[], job: string, wallMs: number): void {
	const stats = lockHoldStats();
	const holds = labels.map((l) => stats[l]).filter((h) => h);
	if (!holds.length) return console.log(`${job}: no write transaction recorded`);
	const maxMs = Math.max(...holds.map((h) => h.maxMs));
	const transactions = holds.reduce((n, h) => n + h.transactions, 0);
	const totalMs = holds.reduce((n, h) => n + h.totalMs, 0);
	console.log(
		`${job}: longest write-lock hold ${fmt(maxMs)} ms (${transactions} transactions, mean ${fmt(totalMs / transactions, 1)} ms; ` +
			`${fmt(totalMs)} ms of ${fmt(wallMs)} ms wall holding the lock) ${maxMs <= 250 ? '✓ met' : '✗ not met'} (target ≤ 250 ms)`
	);
	recordTarget({ row: `${job}: longest write-lock hold`, figure: `${fmt(maxMs)} ms`, target: '≤ 250 ms', met: maxMs <= 250 });
}

async function timedJob<T>(labels: string | string[], job: string, fn: () => T | Promise<T>): Promise<T> {
	resetLockHolds();
	const started = performance.now();
	const result = await fn();
	report(typeof labels === 'string' ? [labels] : labels, job, performance.now() - started);
	return result;
}

/**
 * Every bulk write at `rows` instances, each timed on its own: a new dataset's import, Apply
 * filters, a 10,000- and a 100,000-item audit, an import appending rows/10 instances to the
 * dataset, and deleting the dataset (its audits with it).
 */
async function bulkJobs(dir: string, rows: number): Promise<void> {
	console.log(`-- ${fmt(rows)} instances (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
	const file = path.join(dir, `bulk-${rows}.jsonl`);
	writeFile(file, rows);
	const db = openDatabase(path.join(dir, `bulk-${rows}.db`), path.resolve('migrations'));
	const summary = await timedJob('import', `import ${fmt(rows)} instances (new dataset)`, () =>
		importFile(fs.createReadStream(file, { highWaterMark: 1 << 20 }), { datasetName: 'bulk', fileName: 'bulk.jsonl' }, db)
	);
	// ROUGE-L is left out: its work is outside the lock; the lock is held only to write verdicts.
	const config = filterPreset('alpaca');
	config.instruction.rougeL.enabled = false;
	await timedJob('apply filters', `Apply filters over ${fmt(rows)} instances`, () => applyFilters(summary.datasetId, config, null, db));
	const reviewer = await createUser({ email: 'bench@example.org', password: 'bench-password-1', role: 'reviewer' }, db);
	for (const size of [10_000, 100_000]) {
		await timedJob('create audit', `create an audit of ${fmt(size)} items`, () =>
			createAuditInBatches({ datasetId: summary.datasetId, kind: 'quality', sampleSize: size, seed: size, overlap: 1, reviewerIds: [reviewer.id] }, db)
		);
	}
	const mistaken = await createAuditInBatches({ datasetId: summary.datasetId, kind: 'quality', sampleSize: 100_000, seed: 7, overlap: 1, reviewerIds: [reviewer.id] }, db);
	await timedJob(['delete audit', 'audit cleanup'], 'delete an audit of 100,000 items nobody worked on', () => deleteAudit(mistaken.id, db));
	const more = path.join(dir, `more-${rows}.jsonl`);
	fs.writeFileSync(more, fs.readFileSync(file, 'utf8').split('\n', rows / 10).map((l) => l.replace('"instruction":"', '"instruction":"Also: ')).join('\n') + '\n');
	await timedJob('import', `import ${fmt(rows / 10)} more instances into the existing dataset (batches; the dataset closed meanwhile)`, () =>
		importFile(fs.createReadStream(more), { datasetName: 'bulk', fileName: 'more.jsonl' }, db)
	);
	// A model's responses to rows/10 instances, the last answering no task: the import fails at
	// its last batch and takes back the responses it wrote.
	const answers = path.join(dir, `bench-model_predictions-${rows}.jsonl`);
	const predictions = fs.readFileSync(file, 'utf8').split('\n', rows / 10).map((l) => {
		const r = JSON.parse(l) as { instruction: string; input: string; output: string };
		return JSON.stringify({ instruction: r.instruction, input: r.input, response: `model answer: ${r.output}` });
	});
	predictions.push(JSON.stringify({ instruction: 'No task has this instruction.', input: '', response: 'x' }));
	fs.writeFileSync(answers, predictions.join('\n') + '\n');
	await timedJob(['import', 'import rollback'], `import ${fmt(rows / 10)} responses into the existing dataset that fails at the last row (written, then taken back)`, async () => {
		const failed = await importFile(fs.createReadStream(answers), { datasetName: 'bulk', fileName: 'bench-model_predictions.jsonl' }, db).catch((e: unknown) => e);
		if (!(failed instanceof Error) || !/No task has this instruction/.test(failed.message)) throw new Error(`The failing import did not fail as planned: ${String(failed)}`);
		const left = db.$client.prepare<[], number>('SELECT count(*) FROM responses').pluck().get();
		if (left !== 0) throw new Error(`${left} responses were left behind`);
	});
	await timedJob(['delete dataset', 'audit cleanup'], `delete the dataset (${fmt(rows * 1.1)} instances, 2 audits)`, () => deleteDataset(summary.datasetId, db).removal);
	db.$client.close();
}

/**
 * A judge run through the Batch API over `rows` instances, against the scripted server: planning
 * its calls, preparing the batch rows, polling and applying the results, all labelled 'judge
 * batches' (LOCKS_JUDGE_ROWS; the scripted server's batches take most of its time).
 */
async function judgeBatchJob(dir: string, rows: number): Promise<void> {
	const { startFakeOpenAI } = await import('../tests/support/fake-openai');
	const { judgeScript } = await import('../tests/integration/judge-support');
	const { fakeEndpoint, FAST_RETRY } = await import('../tests/integration/generation-support');
	const { createJudgeRun } = await import('../src/lib/server/runs/judge/create');
	const { RunSession } = await import('../src/lib/server/runs/engine/session');
	const file = path.join(dir, `judge-${rows}.jsonl`);
	writeFile(file, rows);
	const db = openDatabase(path.join(dir, `judge-${rows}.db`), path.resolve('migrations'));
	const fake = await startFakeOpenAI({ script: judgeScript });
	try {
		const { datasetId } = await importFile(fs.createReadStream(file, { highWaterMark: 1 << 20 }), { datasetName: 'judged', fileName: 'judged.jsonl' }, db);
		const endpoint = fakeEndpoint(db, fake.url, { apiStyle: 'chat' });
		const run = createJudgeRun({ datasetId, endpoint: { kind: 'stored', id: endpoint.id }, batch: true, pollSeconds: 0.05 }, db);
		await timedJob('judge batches', `a judge run through the Batch API over ${fmt(rows)} instances`, async () => {
			const end = await new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 1000, client: { retry: FAST_RETRY } }).done;
			if (end.status !== 'completed') throw new Error(`The judge run ended ${end.status}.`);
		});
	} finally {
		await fake.close();
		db.$client.close();
	}
}

function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

interface Child {
	done: Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>;
	exited: () => boolean;
	kill: () => void;
}

function run(args: string[], env: Record<string, string>): Child {
	const started = performance.now();
	const child = spawn(process.execPath, args, { env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', (d) => (stdout += d));
	child.stderr!.on('data', (d) => (stderr += d));
	let exited = false;
	const done = new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve) =>
		child.on('exit', (code) => {
			exited = true;
			resolve({ code, stdout, stderr, ms: performance.now() - started });
		})
	);
	return { done, exited: () => exited, kill: () => void (exited || child.kill('SIGKILL')) };
}

/**
 * Issue #22's mixed load: REVIEWERS reviewers submitting over HTTP against the built server for
 * at least MIXED_SECONDS and until every writer is done, while in other processes the CLI imports
 * MIXED_ROWS instances into a new dataset, Apply filters runs over FILTER_ROWS instances and a
 * generation run writes against the scripted server. Reports p50/p99 of submit + next, every
 * status ≥ 500 (503s too, which the reviewers retry), whether every acknowledged label is stored
 * exactly once, and whether the imported dataset was ever seen before it was complete.
 */
async function mixedLoad(dir: string, readMs: number): Promise<void> {
	const REVIEWERS = Number(process.env.LOCKS_REVIEWERS ?? 20);
	const MIXED_ROWS = Number(process.env.LOCKS_MIXED_ROWS ?? 1_000_000);
	const FILTER_ROWS = Number(process.env.LOCKS_FILTER_ROWS ?? 250_000);
	const MIXED_SECONDS = Number(process.env.LOCKS_MIXED_SECONDS ?? 60);
	fs.mkdirSync(dir, { recursive: true });
	const databasePath = path.join(dir, 'mixed.db');
	const db: Db = openDatabase(databasePath, path.resolve('migrations'));
	const { startFakeOpenAI } = await import('../tests/support/fake-openai');
	const { pipelineScript } = await import('../tests/support/fake-pipeline-script');
	const fake = await startFakeOpenAI({ script: pipelineScript(), latencyMs: 20 });
	const app = await startBuiltApp({ DATABASE_PATH: databasePath });
	const started: Child[] = [];
	let watching = true;
	try {
		const seed = path.join(dir, 'review.jsonl');
		writeFile(seed, 20_000);
		const { datasetId } = await importFile(fs.createReadStream(seed), { datasetName: 'to review', fileName: 'review.jsonl' }, db);
		const filterFile = path.join(dir, 'filter.jsonl');
		writeFile(filterFile, FILTER_ROWS);
		const filterSet = await importFile(fs.createReadStream(filterFile, { highWaterMark: 1 << 20 }), { datasetName: 'to filter', fileName: 'filter.jsonl' }, db);
		const users: { email: string; password: string; id: number }[] = [];
		for (let i = 0; i < REVIEWERS; i++) {
			const who = { email: `r${i}@example.org`, password: `reviewer-password-${i}` };
			users.push({ ...who, id: (await createUser({ ...who, role: 'reviewer' }, db)).id });
		}
		const audit = createAudit({ datasetId, kind: 'quality', sampleSize: 10_000, seed: 1, overlap: 1, reviewerIds: users.map((u) => u.id) }, db);
		const big = path.join(dir, 'mixed-import.jsonl');
		writeFile(big, MIXED_ROWS);
		const cookies = await Promise.all(users.map((u) => signInOverHttp(app, u)));

		const statuses = new Map<number, number>();
		let connectionErrors = 0;
		let lastConnectionError = '';
		const cycles: number[] = [];
		const cycleStarts: number[] = [];
		// Diagnostics (LOCKS_LOG_DIR): every request's send time, duration, handler and lock wait.
		const requestLog: string[] = [];
		const acknowledged: { submissionId: string; ref: string; reviewer: number }[] = [];
		// Per request, from Server-Timing: the handler's own time, and the time spent waiting for the lock.
		const handlerMs: number[] = [];
		const busyMs: number[] = [];
		const post = async (cookie: string, url: string, body: unknown): Promise<Response> => {
			for (;;) {
				const sentAt = performance.now();
				const res = await fetch(`${app.url}${url}`, { method: 'POST', headers: { cookie, origin: app.url, 'content-type': 'application/json' }, body: JSON.stringify(body) }).catch(
					(err: unknown) => {
						// A connection closed under us (a kept-alive socket the server timed out): sent again, as
						// the review screen does after a lost connection; counted, and the server's log kept.
						connectionErrors++;
						lastConnectionError = `${String(err)} ${String((err as { cause?: unknown }).cause ?? '')}`;
						return null;
					}
				);
				if (!res) {
					if (connectionErrors > 1000) throw new Error(`${lastConnectionError}; the server said:\n${app.log().slice(-3000)}`);
					await new Promise((r) => setTimeout(r, 200));
					continue;
				}
				statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
				const timing = res.headers.get('server-timing') ?? '';
				handlerMs.push(Number(/app;dur=([\d.]+)/.exec(timing)?.[1] ?? NaN));
				busyMs.push(Number(/busy;dur=([\d.]+)/.exec(timing)?.[1] ?? 0));
				requestLog.push(`${(sentAt - startedAt).toFixed(0)}\t${(performance.now() - sentAt).toFixed(1)}\t${handlerMs.at(-1)}\t${busyMs.at(-1)}\t${url.split('/').at(-1)}`);
				if (res.status !== 503) return res;
				// As the review screen does: wait as asked, send the same request again.
				await res.body?.cancel();
				await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
			}
		};
		const startedAt = performance.now();
		const env = { DATABASE_PATH: databasePath };
		const writers = {
			import: run([path.resolve('bin/instruct-audit.js'), 'import', big, '--dataset', 'bulk', '--json'], env),
			// The CLI's own command, as a user would run it beside the server (ROUGE-L off: its work
			// is outside the lock). Every transaction it holds is traced, for its longest hold.
			filters: run([path.resolve('bin/instruct-audit.js'), 'filter', String(filterSet.datasetId), '--preset', 'alpaca', '--no-rouge', '--json'], { ...env, LOCK_TRACE_MS: '1' }),
			generation: run([path.resolve('bin/instruct-audit.js'), 'generate', '--pipeline', 'self-instruct', '--target', '100', '--endpoint', 'env', '--json'], {
				...env,
				LLM_BASE_URL: fake.url,
				LLM_MODEL: 'fake-base',
				LLM_CONCURRENCY: '16'
			})
		};
		started.push(...Object.values(writers));
		const writing = () => Object.values(writers).some((w) => !w.exited());
		const going = () => writing() || performance.now() - startedAt < MIXED_SECONDS * 1000;
		// The imported dataset must not be seen before its last commit: watched from another connection.
		let seenEarly = 0;
		let looks = 0;
		const watcher = (async () => {
			while (watching && !writers.import.exited()) {
				looks++;
				const shown = db.$client.prepare(`SELECT id FROM datasets WHERE name = 'bulk' AND status = 'ready'`).pluck().get() as number | undefined;
				if (shown !== undefined && !writers.import.exited()) {
					const n = db.$client.prepare('SELECT count(*) FROM instances WHERE dataset_id = ?').pluck().get(shown) as number;
					if (n !== MIXED_ROWS) seenEarly++;
				}
				await new Promise((r) => setTimeout(r, 250));
			}
		})();
		await Promise.all(
			cookies.map(async (cookie, r) => {
				// At a reviewer's pace, reviewers do not all press a key in the same millisecond: each starts
				// within the first reading time.
				if (readMs > 0) await new Promise((res) => setTimeout(res, readMs * Math.random()));
				while (going()) {
					const t = performance.now();
					const next = await post(cookie, `/api/review/${audit.id}/next`, { exclude: [] });
					const body = (await next.json().catch(() => ({}))) as { next?: { status: string; ref?: string } };
					if (body.next?.status !== 'assigned') {
						await new Promise((res) => setTimeout(res, 100));
						continue;
					}
					const answer = { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' };
					const submissionId = randomUUID().replaceAll('-', '');
					const res = await post(cookie, `/api/review/${audit.id}/items/${body.next.ref}/submit`, { submissionId, answer, activeMs: 1000 });
					if (res.status === 200) acknowledged.push({ submissionId, ref: body.next.ref!, reviewer: users[r].id });
					await res.body?.cancel();
					cycles.push(performance.now() - t);
					cycleStarts.push(t - startedAt);
					// A reviewer reads the next item before answering it: readMs on average, spread ±50%.
					if (readMs > 0) await new Promise((res) => setTimeout(res, readMs * (0.5 + Math.random())));
				}
			})
		);
		await watcher;
		const [imp, filt, gen] = await Promise.all([writers.import.done, writers.filters.done, writers.generation.done]);
		// Diagnostics: with LOCK_TRACE_MS set, every process's long write transactions, kept in LOCKS_LOG_DIR.
		if (process.env.LOCKS_LOG_DIR) {
			const logDir = process.env.LOCKS_LOG_DIR;
			fs.mkdirSync(logDir, { recursive: true });
			const tag = readMs > 0 ? 'paced' : 'stress';
			fs.writeFileSync(path.join(logDir, `${tag}-import.log`), imp.stderr);
			fs.writeFileSync(path.join(logDir, `${tag}-filters.log`), filt.stderr);
			fs.writeFileSync(path.join(logDir, `${tag}-generation.log`), gen.stderr);
			fs.writeFileSync(path.join(logDir, `${tag}-server.log`), app.log());
			fs.writeFileSync(path.join(logDir, `${tag}-requests.tsv`), requestLog.join('\n'));
			fs.writeFileSync(path.join(logDir, `${tag}-cycles.tsv`), cycles.map((ms, i) => `${cycleStarts[i].toFixed(0)}\t${ms.toFixed(1)}`).join('\n'));
		}
		const wall = performance.now() - startedAt;
		const fivexx = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
		const stored = new Map(
			(
				db.$client
					.prepare('SELECT s.id AS submissionId, s.reviewer_id AS reviewer, i.ref FROM audit_submissions s JOIN audit_items i ON i.id = s.item_id WHERE s.audit_id = ?')
					.all(audit.id) as { submissionId: string; reviewer: number; ref: string }[]
			).map((s) => [s.submissionId, s])
		);
		const labels = db.$client
			.prepare(`SELECT count(*) AS n, count(DISTINCT item_id || ':' || reviewer_id) AS distinct_ FROM audit_labels WHERE audit_id = ?`)
			.get(audit.id) as { n: number; distinct_: number };
		const storedOnce =
			acknowledged.every((a) => stored.get(a.submissionId)?.ref === a.ref && stored.get(a.submissionId)?.reviewer === a.reviewer) &&
			labels.n === labels.distinct_ &&
			labels.n === acknowledged.length;
		const imported = imp.code === 0 ? (JSON.parse(imp.stdout) as { instancesAdded: number }) : null;
		const filterHolds = [...filt.stderr.matchAll(/write lock held ([\d.]+) ms by "apply filters"/g)].map((m) => Number(m[1]));
		const filters = filt.code === 0 ? { maxHoldMs: Math.max(0, ...filterHolds), transactions: filterHolds.length } : null;
		const generated = gen.code === 0 ? (JSON.parse(gen.stdout) as { status: string; progress: { accepted: number } }) : null;
		const p99 = percentile(cycles, 99);
		const pace = readMs > 0 ? `each reading an item for ${fmt(readMs)} ms on average before answering it` : 'each answering as fast as the server replies (no reading time)';
		console.log(`mixed load (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}): ${REVIEWERS} reviewers over HTTP, ${pace}, for ${fmt(wall / 1000, 1)} s while other processes wrote:`);
		console.log(`  CLI import of ${fmt(MIXED_ROWS)} instances: exit ${imp.code}, ${fmt(imp.ms / 1000, 1)} s, ${imported ? fmt(imported.instancesAdded) : '—'} instances${imp.code ? `; ${imp.stderr.slice(-400)}` : ''}`);
		console.log(`  Apply filters over ${fmt(FILTER_ROWS)} instances: exit ${filt.code}, ${fmt(filt.ms / 1000, 1)} s${filters ? `, longest lock hold ${fmt(filters.maxHoldMs)} ms (${filters.transactions} transactions held over 1 ms)` : `; ${filt.stderr.slice(-400)}`}`);
		console.log(`  generation run (self-instruct, target 100, scripted server at 20 ms): exit ${gen.code}, ${fmt(gen.ms / 1000, 1)} s${generated ? `, ${generated.status}, ${generated.progress.accepted} accepted` : `; ${gen.stderr.slice(-400)}`}`);
		console.log(
			`  ${cycles.length} submit+next cycles: p50 ${fmt(percentile(cycles, 50))} ms, p99 ${fmt(p99)} ms, max ${fmt(Math.max(...cycles))} ms ${p99 <= 250 ? '✓ met' : '✗ not met'} (target p99 ≤ 250 ms)`
		);
		console.log(
			`  per request: handler p50 ${fmt(percentile(handlerMs.filter(Number.isFinite), 50), 1)} ms, p99 ${fmt(percentile(handlerMs.filter(Number.isFinite), 99), 1)} ms; ` +
				`waiting for the lock p50 ${fmt(percentile(busyMs, 50))} ms, p99 ${fmt(percentile(busyMs, 99))} ms (${busyMs.filter((b) => b > 0).length} of ${busyMs.length} requests waited); the rest is queueing for the CPU and the network`
		);
		console.log(
			`  responses ${JSON.stringify(Object.fromEntries(statuses))}: ${fivexx} with status ≥ 500 ${fivexx === 0 ? '✓ met' : '✗ not met'} (target 0); ` +
				`${connectionErrors} requests lost to a closed connection and sent again${connectionErrors ? ` (last: ${lastConnectionError})` : ''}`
		);
		console.log(`  ${acknowledged.length} acknowledged labels, ${labels.n} stored: every one stored exactly once ${storedOnce ? '✓ met' : '✗ not met'}`);
		console.log(`  imported dataset seen before complete: ${seenEarly} of ${looks} looks ${seenEarly === 0 ? '✓ met' : '✗ not met'} (target 0)`);
		// Two mixed loads run (reviewers reading or not): the row names which.
		const load = `mixed load, ${readMs > 0 ? `reviewers reading ${fmt(readMs)} ms an item` : 'reviewers not reading'}`;
		recordTarget({ row: `${load}: submit+next`, figure: `p99 ${fmt(p99)} ms`, target: 'p99 ≤ 250 ms', met: p99 <= 250 });
		recordTarget({ row: `${load}: responses with status ≥ 500`, figure: fmt(fivexx), target: '0', met: fivexx === 0 });
		recordTarget({ row: `${load}: acknowledged labels stored exactly once`, figure: `${fmt(labels.n)} stored of ${fmt(acknowledged.length)} acknowledged`, target: 'every one once', met: storedOnce });
		recordTarget({ row: `${load}: imported dataset seen before complete`, figure: `${seenEarly} of ${looks} looks`, target: '0', met: seenEarly === 0 });
	} finally {
		watching = false;
		for (const child of started) child.kill();
		await new Promise((r) => setTimeout(r, 300));
		db.$client.close();
		await app.stop();
		await fake.close();
	}
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-bench-locks-'));
try {
	console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
	if (process.env.LOCKS_SKIP_BULK !== '1') await bulkJobs(dir, ROWS);
	if (process.env.LOCKS_1M === '1') await bulkJobs(dir, 1_000_000);
	if (process.env.LOCKS_SKIP_BULK !== '1') await judgeBatchJob(dir, Number(process.env.LOCKS_JUDGE_ROWS ?? 20_000));
	if (process.env.LOCKS_SKIP_MIXED !== '1') {
		// First at a reviewer's pace (LOCKS_READ_MS between items), then as a stress test with none.
		const readMs = Number(process.env.LOCKS_READ_MS ?? 1000);
		await mixedLoad(path.join(dir, 'paced'), readMs);
		if (readMs > 0 && process.env.LOCKS_SKIP_STRESS !== '1') await mixedLoad(path.join(dir, 'stress'), 0);
	}
} finally {
	fs.rmSync(dir, { recursive: true, force: true });
}
