/**
 * Similarity records scanned in a worker thread (runs/generation/record-heads): with the worker
 * started from the first reply on, an Alpaca run and a Self-Instruct run store exactly the
 * records a scan in the commit gives — every one recomputed pair by pair — though most replies'
 * records were scanned in the worker against an older pool and finished in the commit over the
 * instructions accepted meanwhile.
 */
import './record-worker-from-zero';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { pipelineScript } from '../support/fake-pipeline-script';
import type { Db } from '../../src/lib/server/db';
import { recordHeadStats } from '../../src/lib/server/runs/generation/record-heads';
import { fakeEndpoint, progressOf, startRun } from './generation-support';
import { checkSimilarityRecords } from './similarity-check';

let db: Db;
let cleanup: () => void;
let fake: FakeOpenAI;

beforeAll(async () => {
	({ db, cleanup } = createTestDb());
	// Replies slow enough for the worker to start (a few hundred ms under tsx) early in the run.
	fake = await startFakeOpenAI({ script: pipelineScript({ truncateOneIn: 7 }), latencyMs: 150 });
});
afterAll(async () => {
	await fake?.close();
	cleanup();
});

describe('similarity records scanned in a worker thread', () => {
	it('an Alpaca run: every record exact, most of them from the worker', async () => {
		const before = { ...recordHeadStats };
		// Many calls in flight, so replies are committed while others are in the worker.
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 3 });
		const { run, session } = await startRun(db, { pipeline: 'alpaca', target: 120, endpointId: endpoint.id, datasetName: 'alpaca worker records' });
		expect(await session.done).toEqual({ status: 'completed', message: 'Completed: 120 tasks kept (target 120).' });
		expect(progressOf(db, run.id).accepted).toBe(120);
		const { rules, tasks } = checkSimilarityRecords(db, run.id);
		expect(tasks).toBeGreaterThan(130);
		expect(rules).toContain('rougeL');
		// The worker starts with the first reply; the ones after it are scanned there.
		const inWorker = recordHeadStats.inWorker - before.inWorker;
		const inCommit = recordHeadStats.inCommit - before.inCommit;
		expect(inWorker).toBeGreaterThan(inCommit);
	}, 120_000);

	it('a Self-Instruct run: every record exact', async () => {
		const before = recordHeadStats.inWorker;
		const endpoint = fakeEndpoint(db, fake.url, { concurrency: 8, name: 'fake 2' });
		const { run, session } = await startRun(db, { pipeline: 'self-instruct', target: 40, endpointId: endpoint.id, datasetName: 'self-instruct worker records' });
		expect(await session.done).toEqual({ status: 'completed', message: 'Completed: 40 instructions kept (target 40).' });
		const { tasks } = checkSimilarityRecords(db, run.id, undefined, 'self-instruct');
		expect(tasks).toBeGreaterThan(40);
		expect(recordHeadStats.inWorker).toBeGreaterThan(before);
	}, 120_000);
});
