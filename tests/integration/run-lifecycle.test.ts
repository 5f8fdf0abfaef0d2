/**
 * A run's life: pause, resume and cancel (in this process and through the row from another),
 * the reaper for runs whose process died, a clean stop on shutdown and the resume at start-up,
 * and the fence that stops a process that lost its run to another.
 */
import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';
import type { Db } from '../../src/lib/server/db';
import { createRun } from '../../src/lib/server/runs/generation/create';
import { RunSession } from '../../src/lib/server/runs/engine/session';
import {
	configureRunManager,
	controlRun,
	launchRun,
	reapOrphanedRuns,
	resumeRunsOnStart,
	stopAllRuns
} from '../../src/lib/server/runs/engine/manager';
import { claimRun, getRun, isOrphaned, requestRunAction, setFailedCallShare } from '../../src/lib/server/runs/engine/run-rows';
import { RunError } from '../../src/lib/server/runs/errors';
import { FAST_RETRY, fakeEndpoint, one, progressOf } from './generation-support';
import { waitFor } from '../support/cli-process';

let db: Db;
let cleanup: () => void;
let fake: FakeOpenAI;
let endpointId: number;

beforeEach(async () => {
	({ db, cleanup } = createTestDb());
	fake = await startFakeOpenAI({ script: pipelineScript(), latencyMs: 30 });
	endpointId = fakeEndpoint(db, fake.url, { concurrency: 4 }).id;
	configureRunManager({ database: db, heartbeatMs: 50, client: { retry: FAST_RETRY } });
});
afterEach(async () => {
	await stopAllRuns();
	configureRunManager({});
	await fake.close();
	cleanup();
});

const newRun = (target = 30) => createRun({ pipeline: 'self-instruct', target, endpoint: { kind: 'stored', id: endpointId } }, db);
const doneCalls = (runId: number) => one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'done'", runId).n;
const status = (runId: number) => getRun(runId, db)!.status;


describe('pause, resume, cancel', () => {
	it('pauses a run of this process at once, keeps its pending calls, and resumes it to the target', async () => {
		const run = await newRun();
		const session = launchRun(run.id);
		await waitFor(() => doneCalls(run.id) >= 5, 'some replies');
		expect(controlRun(run.id, 'pause', db)).toMatch(/^Pausing/);
		expect(await session.done).toEqual({ status: 'paused', message: 'Paused.' });
		const pausedAt = doneCalls(run.id);
		// Calls abandoned in flight stay pending, to be sent again on resume.
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'pending'", run.id).n).toBeGreaterThan(0);
		const paused = getRun(run.id, db)!;
		expect(paused).toMatchObject({ status: 'paused', owner: null, activeSince: null });
		expect(paused.activeMs).toBeGreaterThan(0);
		await new Promise((r) => setTimeout(r, 100));
		expect(doneCalls(run.id)).toBe(pausedAt);

		expect(controlRun(run.id, 'resume', db)).toBe(`Run ${run.id} resumed.`);
		await waitFor(() => status(run.id) === 'completed', 'completion');
		expect(progressOf(db, run.id).accepted).toBe(30);
		expect(getRun(run.id, db)!.activeMs).toBeGreaterThanOrEqual(paused.activeMs);
	});

	it('acts within a heartbeat on a pause or cancel written to the row by another process', async () => {
		const run = await newRun(200);
		const session = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 30, client: { retry: FAST_RETRY } });
		await waitFor(() => doneCalls(run.id) >= 3, 'some replies');
		expect(requestRunAction(run.id, 'cancel', db)).toEqual({ status: 'running', requested: true });
		expect(getRun(run.id, db)!.requestedAction).toBe('cancel');
		expect((await session.done).status).toBe('cancelled');
		const cancelled = getRun(run.id, db)!;
		expect(cancelled).toMatchObject({ status: 'cancelled', requestedAction: null, message: 'Cancelled.' });
		expect(cancelled.finishedAt).not.toBeNull();
		// Its calls in flight end as cancelled, not pending forever.
		expect(one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'pending'", run.id).n).toBe(0);
		const ended = one<{ n: number }>(db, "SELECT count(*) AS n FROM generation_calls WHERE run_id = ? AND status = 'cancelled' AND done_at IS NOT NULL", run.id).n;
		expect(ended).toBeGreaterThan(0);
		// What it generated stays, and a cancelled run cannot be taken up again.
		expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM tasks WHERE run_id = ?', run.id).n).toBeGreaterThan(0);
		expect(() => claimRun(run.id, 'x:1:aa', 'server', db)).toThrow(/cancelled/);
	});

	it('pauses and cancels runs that nobody is running straight away', async () => {
		const queued = await newRun();
		expect(requestRunAction(queued.id, 'pause', db)).toEqual({ status: 'paused', requested: false });
		expect(requestRunAction(queued.id, 'cancel', db)).toEqual({ status: 'cancelled', requested: false });
		expect(() => requestRunAction(queued.id, 'pause', db)).toThrow(RunError);
		// A cancelled run makes no more calls: its share of failed calls allowed stays as it was.
		expect(() => setFailedCallShare(queued.id, 0.2, db)).toThrow(/was cancelled/);
	});

	it('refuses to run a run another live process is running', async () => {
		const run = await newRun(200);
		const session = new RunSession(run.id, { database: db, runner: 'cli', client: { retry: FAST_RETRY } });
		expect(() => new RunSession(run.id, { database: db, runner: 'cli' })).toThrow(/being run by another process/);
		session.stop('pause');
		await session.done;
	});
});

describe('orphaned runs', () => {
	function orphan(runId: number, owner: string, runner: 'cli' | 'server', heartbeatAgoMs = 0) {
		db.$client
			.prepare("UPDATE generation_runs SET status = 'running', owner = ?, runner = ?, heartbeat_at = ?, active_since = ? WHERE id = ?")
			.run(owner, runner, Date.now() - heartbeatAgoMs, Date.now() - heartbeatAgoMs - 1000, runId);
	}
	const deadPid = 2 ** 22 + 12345; // above Linux's pid_max default: no such process

	it('knows a run is orphaned when its process on this host is gone, or its heartbeat is stale', async () => {
		const run = await newRun();
		orphan(run.id, `${os.hostname()}:${deadPid}:abcd`, 'cli');
		expect(isOrphaned(getRun(run.id, db)!)).toBe(true);
		orphan(run.id, `${os.hostname()}:${process.pid}:abcd`, 'cli');
		expect(isOrphaned(getRun(run.id, db)!)).toBe(false);
		orphan(run.id, 'another-host:42:abcd', 'cli', 5_000);
		expect(isOrphaned(getRun(run.id, db)!)).toBe(false);
		orphan(run.id, 'another-host:42:abcd', 'cli', 60_000);
		expect(isOrphaned(getRun(run.id, db)!)).toBe(true);
	});

	it('the reaper marks a dead CLI run interrupted and resumes a dead server run', async () => {
		const cliRun = await newRun(10);
		const serverRun = await newRun(10);
		orphan(cliRun.id, `${os.hostname()}:${deadPid}:aaaa`, 'cli');
		orphan(serverRun.id, `${os.hostname()}:${deadPid}:bbbb`, 'server');
		const reaped = reapOrphanedRuns(db);
		expect(reaped).toEqual({ resumed: [serverRun.id], interrupted: [cliRun.id] });
		expect(getRun(cliRun.id, db)).toMatchObject({ status: 'interrupted', owner: null });
		expect(getRun(cliRun.id, db)!.message).toMatch(/process running it stopped/);
		await waitFor(() => status(serverRun.id) === 'completed', 'the resumed server run');
		// The interrupted CLI run resumes here on request.
		controlRun(cliRun.id, 'resume', db);
		await waitFor(() => status(cliRun.id) === 'completed', 'the resumed CLI run');
	});

	it('taking over an orphaned run credits its active time up to the last heartbeat', async () => {
		const run = await newRun(10);
		// Crashed 40 s ago after running for 60 s (active_since 100 s ago); 5 s counted before.
		const now = Date.now();
		db.$client
			.prepare("UPDATE generation_runs SET status = 'running', owner = ?, runner = 'cli', heartbeat_at = ?, active_since = ?, active_ms = 5000 WHERE id = ?")
			.run(`${os.hostname()}:${deadPid}:cccc`, now - 40_000, now - 100_000, run.id);
		const claimed = claimRun(run.id, `${os.hostname()}:${process.pid}:dddd`, 'cli', db);
		expect(claimed.activeMs).toBe(65_000);
		expect(claimed.activeSince!.getTime()).toBeGreaterThanOrEqual(now);
		// A paused run has no clock running: nothing is added.
		db.$client.prepare("UPDATE generation_runs SET status = 'paused', owner = NULL, heartbeat_at = NULL, active_since = NULL, active_ms = 7000 WHERE id = ?").run(run.id);
		expect(claimRun(run.id, `${os.hostname()}:${process.pid}:eeee`, 'cli', db).activeMs).toBe(7000);
	});

	it('a shutdown interrupts runs cleanly and the next start-up resumes them', async () => {
		const run = await newRun(40);
		launchRun(run.id);
		await waitFor(() => doneCalls(run.id) >= 4, 'some replies');
		await stopAllRuns();
		const stopped = getRun(run.id, db)!;
		expect(stopped).toMatchObject({ status: 'interrupted', resumeOnStart: true, owner: null });
		expect(stopped.message).toMatch(/server stopped/);
		const before = doneCalls(run.id);
		await new Promise((r) => setTimeout(r, 100));
		expect(doneCalls(run.id)).toBe(before);

		expect(resumeRunsOnStart(db)).toEqual([run.id]);
		await waitFor(() => status(run.id) === 'completed', 'completion after restart');
		expect(progressOf(db, run.id).accepted).toBe(40);
	});

	it('a process that lost its run to another stops without writing', async () => {
		const run = await newRun(300);
		const session = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 1000, client: { retry: FAST_RETRY } });
		await waitFor(() => doneCalls(run.id) >= 3, 'some replies');
		db.$client.prepare('UPDATE generation_runs SET owner = ? WHERE id = ?').run('elsewhere:1:ffff', run.id);
		const end = await session.done;
		expect(end.status).toBe('running');
		const after = doneCalls(run.id);
		await new Promise((r) => setTimeout(r, 100));
		expect(doneCalls(run.id)).toBe(after);
		expect(getRun(run.id, db)!.owner).toBe('elsewhere:1:ffff');
	});
});
