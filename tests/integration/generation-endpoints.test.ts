/** Endpoint settings: keys stay on the server (masked everywhere else), presets, defaults, env endpoints. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../support/db';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import type { Db } from '../../src/lib/server/db';
import {
	createEndpoint,
	defaultEndpointId,
	deleteEndpoint,
	endpointConfig,
	EndpointError,
	envEndpointView,
	findEndpoint,
	listEndpoints,
	setDefaultEndpoint,
	updateEndpoint
} from '../../src/lib/server/runs/endpoints';
import { createRun } from '../../src/lib/server/runs/generation/create';
import { RunParamsError } from '../../src/lib/server/runs/errors';
import { testConnection } from '../../src/lib/server/llm';
import { createBackup } from '../../src/lib/server/backups';

let db: Db;
let file: string;
let cleanup: () => void;
let fake: FakeOpenAI | undefined;
beforeEach(() => {
	({ db, file, cleanup } = createTestDb());
});
afterEach(async () => {
	await fake?.close();
	fake = undefined;
	cleanup();
});

const KEY = 'sk-proj-abcdefghijklmnop1234';
const base = { baseUrl: 'http://localhost:8000/v1/', apiStyle: 'completions' as const, model: 'llama', concurrency: 8 };

describe('stored endpoints', () => {
	it('keep the key on the server: views show it masked, the client config has it', () => {
		const created = createEndpoint({ ...base, name: 'vllm box', preset: 'vllm', apiKey: KEY }, null, db);
		expect(created).toMatchObject({ name: 'vllm box', preset: 'vllm', baseUrl: 'http://localhost:8000/v1', hasApiKey: true, apiKeyMasked: 'sk-…1234' });
		expect(JSON.stringify(listEndpoints(db))).not.toContain(KEY);
		expect(JSON.stringify(findEndpoint('vllm box', db))).not.toContain(KEY);
		expect(endpointConfig(created.id, db)?.apiKey).toBe(KEY);
	});

	it('keeps the key when an edit leaves it empty, replaces or removes it on request', () => {
		const { id } = createEndpoint({ ...base, name: 'e', apiKey: KEY }, null, db);
		updateEndpoint(id, { ...base, name: 'e', model: 'other', apiKey: '' }, db);
		expect(endpointConfig(id, db)).toMatchObject({ apiKey: KEY, model: 'other' });
		updateEndpoint(id, { ...base, name: 'e', apiKey: 'sk-new-key-5678' }, db);
		expect(endpointConfig(id, db)?.apiKey).toBe('sk-new-key-5678');
		updateEndpoint(id, { ...base, name: 'e', clearApiKey: true }, db);
		expect(endpointConfig(id, db)?.apiKey).toBe('');
	});

	it('a removed or replaced key is gone from the database file, its log and a backup taken after', async () => {
		const removed = 'sk-removed-7f3a9c2e5b81d4x';
		const rotated = 'sk-rotated-1c8e4b7a2d90f6y';
		const cleared = 'sk-cleared-5a2f8d1e9c37b0z';
		const a = createEndpoint({ ...base, name: 'a', apiKey: removed }, null, db);
		const b = createEndpoint({ ...base, name: 'b', apiKey: rotated }, null, db);
		const c = createEndpoint({ ...base, name: 'c', apiKey: cleared }, null, db);
		// Other writes around them, as a live database has.
		for (let i = 0; i < 20; i++) createEndpoint({ ...base, name: `other ${i}`, apiKey: `sk-other-key-${i}-000000` }, null, db);
		deleteEndpoint(a.id, db);
		updateEndpoint(b.id, { ...base, name: 'b', apiKey: 'sk-the-new-key-0000000' }, db);
		updateEndpoint(c.id, { ...base, name: 'c', clearApiKey: true }, db);
		const backup = await createBackup({ database: db, out: path.join(path.dirname(file), 'after.db'), migrationsDir: path.resolve('migrations') });
		const files = [file, `${file}-wal`, backup.file].filter((f) => fs.existsSync(f));
		expect(files).toContain(backup.file);
		for (const f of files) {
			const bytes = fs.readFileSync(f);
			for (const secret of [removed, rotated, cleared]) expect(bytes.includes(secret), `${secret} in ${f}`).toBe(false);
		}
		expect(endpointConfig(b.id, db)?.apiKey).toBe('sk-the-new-key-0000000');
		expect(fs.readFileSync(backup.file).includes('sk-the-new-key-0000000')).toBe(true);
	});

	it('validates names, URLs and limits with the field to blame', () => {
		const fieldOf = (fn: () => unknown) => {
			try {
				fn();
			} catch (err) {
				expect(err).toBeInstanceOf(EndpointError);
				return (err as EndpointError).field;
			}
			throw new Error('accepted');
		};
		expect(fieldOf(() => createEndpoint({ ...base, name: '' }, null, db))).toBe('name');
		expect(fieldOf(() => createEndpoint({ ...base, name: 'env' }, null, db))).toBe('name');
		expect(fieldOf(() => createEndpoint({ ...base, name: 'x', baseUrl: 'ftp://nope' }, null, db))).toBe('baseUrl');
		expect(fieldOf(() => createEndpoint({ ...base, name: 'x', model: ' ' }, null, db))).toBe('model');
		expect(fieldOf(() => createEndpoint({ ...base, name: 'x', concurrency: 0 }, null, db))).toBe('concurrency');
		createEndpoint({ ...base, name: 'x' }, null, db);
		expect(fieldOf(() => createEndpoint({ ...base, name: 'x' }, null, db))).toBe('name');
	});

	it('has one default: the only endpoint, or the one marked', () => {
		expect(defaultEndpointId(db)).toBeUndefined();
		const a = createEndpoint({ ...base, name: 'a' }, null, db);
		expect(defaultEndpointId(db)).toBe(a.id);
		const b = createEndpoint({ ...base, name: 'b' }, null, db);
		expect(defaultEndpointId(db)).toBeUndefined();
		setDefaultEndpoint(b.id, db);
		expect(defaultEndpointId(db)).toBe(b.id);
		const c = createEndpoint({ ...base, name: 'c', isDefault: true }, null, db);
		expect(listEndpoints(db).filter((e) => e.isDefault).map((e) => e.id)).toEqual([c.id]);
	});

	it('will not be removed while a run that can still be resumed uses it; finished and cancelled runs do not hold it', () => {
		const e = createEndpoint({ ...base, name: 'cluster' }, null, db);
		const run = (status: string) =>
			Number(
				db.$client
					.prepare(
						`INSERT INTO generation_runs (pipeline, name, status, endpoint_source, endpoint_id, endpoint, model, target, params, seeds, progress, created_at, updated_at)
						 VALUES ('self-instruct', 'run', ?, 'stored', ?, '{}', 'm', 10, '{}', '[]', '{}', 1, 1)`
					)
					.run(status, e.id).lastInsertRowid
			);
		run('completed');
		run('cancelled');
		const failed = run('failed');
		const paused = run('paused');
		const refusal = () => {
			try {
				deleteEndpoint(e.id, db);
			} catch (err) {
				return err as EndpointError;
			}
			throw new Error('removed');
		};
		expect(refusal()).toBeInstanceOf(EndpointError);
		expect(refusal().message).toBe(
			`Endpoint "cluster" is used by runs ${failed}, ${paused}, which can still be resumed, and a run resumes only on its own endpoint. Let them finish or cancel them first; to change the key, address or model, edit the endpoint instead.`
		);
		db.$client.prepare("UPDATE generation_runs SET status = 'cancelled' WHERE id IN (?, ?)").run(failed, paused);
		deleteEndpoint(e.id, db);
		expect(listEndpoints(db)).toEqual([]);
		expect(db.$client.prepare('SELECT count(*) AS n FROM generation_runs WHERE endpoint_id IS NULL').get()).toEqual({ n: 4 });
	});

	it('tests the connection in plain words through the stored configuration', async () => {
		fake = await startFakeOpenAI({ apiKey: KEY, models: ['llama'] });
		const { id } = createEndpoint({ ...base, baseUrl: fake.url, name: 'f', apiKey: KEY }, null, db);
		const report = await testConnection(endpointConfig(id, db)!);
		expect(report).toMatchObject({ ok: true, outcome: 'connected' });
		updateEndpoint(id, { ...base, baseUrl: fake.url, name: 'f', apiKey: 'sk-wrong-wrong-0000' }, db);
		const refused = await testConnection(endpointConfig(id, db)!);
		expect(refused).toMatchObject({ ok: false, outcome: 'auth_rejected', message: '401: the API key was rejected.' });
	});
});

describe('the endpoint from LLM_* variables', () => {
	const env = { LLM_BASE_URL: 'http://127.0.0.1:9/v1', LLM_API_KEY: KEY, LLM_MODEL: 'base-7b', LLM_CONCURRENCY: '3' };

	it('is shown with its key masked', () => {
		const view = envEndpointView(env);
		expect(view && 'config' in view && view.config).toMatchObject({ name: 'env', model: 'base-7b', concurrency: 3, apiKeyMasked: 'sk-…1234' });
		expect(JSON.stringify(view)).not.toContain(KEY);
		expect(envEndpointView({})).toBeNull();
		expect(envEndpointView({ LLM_PRESET: 'nope' })).toMatchObject({ error: expect.stringContaining('LLM_PRESET') });
	});

	it('drives a run whose stored parameters never hold the key', async () => {
		const run = await createRun({ pipeline: 'self-instruct', target: 3, endpoint: { kind: 'env' } }, db, env);
		expect(run).toMatchObject({ endpointSource: 'env', model: 'base-7b' });
		expect(run.endpoint).toMatchObject({ name: 'env', baseUrl: 'http://127.0.0.1:9/v1', hasApiKey: true });
		expect(JSON.stringify(db.$client.prepare('SELECT * FROM generation_runs').all())).not.toContain(KEY);
		await expect(createRun({ pipeline: 'self-instruct', target: 3, endpoint: { kind: 'env' } }, db, {})).rejects.toThrow(RunParamsError);
		const withModel = await createRun({ pipeline: 'unnatural', target: 3, endpoint: { kind: 'env' }, model: 'other' }, db, env);
		expect(withModel.model).toBe('other');
	});
});
