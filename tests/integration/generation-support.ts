/** Shared set-up for the generation tests: a test database, the scripted server, an endpoint, a run. */
import type { Db } from '../../src/lib/server/db';
import { createEndpoint } from '../../src/lib/server/runs/endpoints';
import { createRun, type CreateRunRequest } from '../../src/lib/server/runs/generation/create';
import { RunSession, type SessionOptions } from '../../src/lib/server/runs/engine/session';
import { readProgress, type RunProgress } from '../../src/lib/server/runs/generation/progress';
import { getRun } from '../../src/lib/server/runs/engine/run-rows';
import type { ApiStyle } from '../../src/lib/server/llm';

/** Fast retries, so fault tests do not wait for the production backoff. */
export const FAST_RETRY = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 200 };

export function fakeEndpoint(db: Db, url: string, options: { apiStyle?: ApiStyle; concurrency?: number; apiKey?: string; name?: string; prices?: boolean } = {}) {
	return createEndpoint(
		{
			name: options.name ?? 'fake',
			baseUrl: url,
			apiKey: options.apiKey ?? '',
			apiStyle: options.apiStyle ?? 'completions',
			model: 'fake-base',
			concurrency: options.concurrency ?? 8,
			...(options.prices ? { priceInputPer1M: 1, priceOutputPer1M: 2 } : {})
		},
		null,
		db
	);
}

export async function startRun(
	db: Db,
	request: Omit<CreateRunRequest, 'endpoint'> & { endpointId: number },
	session: Partial<SessionOptions> = {}
) {
	const { endpointId, ...rest } = request;
	const run = await createRun({ ...rest, endpoint: { kind: 'stored', id: endpointId } }, db);
	const s = new RunSession(run.id, { database: db, runner: 'cli', heartbeatMs: 200, client: { retry: FAST_RETRY }, ...session });
	return { run, session: s };
}

export function progressOf(db: Db, runId: number): RunProgress {
	return readProgress(getRun(runId, db)!.progress);
}

export function all<T>(db: Db, sql: string, ...params: unknown[]): T[] {
	return db.$client.prepare(sql).all(...params) as T[];
}

export function one<T>(db: Db, sql: string, ...params: unknown[]): T {
	return db.$client.prepare(sql).get(...params) as T;
}

/** Rule → count among rows of `table` of the run with the given status. */
export function countsByRule(db: Db, table: 'tasks' | 'instances', runId: number, extra = ''): Record<string, number> {
	const rows = all<{ rule: string; n: number }>(
		db,
		`SELECT filter_rule AS rule, count(*) AS n FROM ${table} WHERE run_id = ? AND filter_status = 'rejected' ${extra} GROUP BY filter_rule`,
		runId
	);
	return Object.fromEntries(rows.map((r) => [r.rule, r.n]));
}
