/**
 * The scripted server's Files and Batch APIs, driven by the official `openai` SDK (nothing
 * mocked): a batch through validating → in_progress → completed, failed lines, an expired
 * batch, an input file that fails validation, cancellation, and the API's refusals.
 */
import OpenAI, { toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI, type FakeScript } from '../support/fake-openai';

let fake: FakeOpenAI | undefined;
afterEach(async () => {
	await fake?.close();
	fake = undefined;
});

/** Replies to a judge prompt "row N" with a verdict naming the row, so results can be matched. */
const judgeScript: FakeScript = (request) => {
	const row = /row (\d+)/.exec(request.prompt)?.[1] ?? '?';
	return JSON.stringify({ verdict: Number(row) % 2 ? 'A' : 'B', reason: `row ${row}` });
};

async function start(script: FakeScript = judgeScript, apiKey?: string): Promise<{ fake: FakeOpenAI; client: OpenAI }> {
	fake = await startFakeOpenAI({ script, ...(apiKey ? { apiKey } : {}) });
	return { fake, client: new OpenAI({ baseURL: fake.url, apiKey: apiKey ?? 'unused', maxRetries: 0 }) };
}

function chatLine(customId: string, content: string, model = 'judge-model') {
	return {
		custom_id: customId,
		method: 'POST',
		url: '/v1/chat/completions',
		body: { model, messages: [{ role: 'user', content }], temperature: 0, max_tokens: 50 }
	};
}

function jsonl(lines: unknown[]): string {
	return lines.map((line) => `${typeof line === 'string' ? line : JSON.stringify(line)}\n`).join('');
}

async function upload(client: OpenAI, lines: unknown[], name = 'judge.jsonl') {
	return client.files.create({ file: await toFile(Buffer.from(jsonl(lines)), name), purpose: 'batch' });
}

/** Polls `retrieve` (as a client would) and records every status seen, until `until` holds. */
async function poll(client: OpenAI, id: string, until: (b: Batch) => boolean, seen: string[] = []): Promise<Batch> {
	// Generous: the whole suite shares two cores with other work.
	const deadline = Date.now() + 45_000;
	while (Date.now() < deadline) {
		const batch = await client.batches.retrieve(id);
		if (seen.at(-1) !== batch.status) seen.push(batch.status);
		if (until(batch)) return batch;
		await new Promise((r) => setTimeout(r, 10));
	}
	throw new Error(`batch ${id} never reached the expected state; saw ${seen.join(' → ')}`);
}

const final = (b: Batch) => ['completed', 'failed', 'expired', 'cancelled'].includes(b.status);

async function lines(client: OpenAI, fileId: string | null | undefined): Promise<Array<Record<string, any>>> {
	if (!fileId) return [];
	const response = await client.files.content(fileId);
	return (await response.text())
		.split('\n')
		.filter((l) => l !== '')
		.map((l) => JSON.parse(l));
}

describe('fake OpenAI Batch API through the SDK', () => {
	it('runs a batch validating → in_progress → completed; results match by custom_id, in shuffled order', async () => {
		const { fake, client } = await start();
		const requests = Array.from({ length: 8 }, (_, i) => chatLine(`row-${i}`, `Judge row ${i}.`));
		const file = await upload(client, requests);
		expect(file).toMatchObject({ object: 'file', purpose: 'batch', filename: 'judge.jsonl', status: 'processed' });
		expect(file.id).toMatch(/^file-/);
		expect(file.bytes).toBe(Buffer.byteLength(jsonl(requests)));
		expect((await client.files.retrieve(file.id)).id).toBe(file.id);

		fake.batches.setPlan({ validatingMs: 60, holdAfterLines: 3 });
		const created = await client.batches.create({
			input_file_id: file.id,
			endpoint: '/v1/chat/completions',
			completion_window: '24h',
			metadata: { judge_run: '7' }
		});
		expect(created).toMatchObject({ object: 'batch', status: 'validating', input_file_id: file.id, metadata: { judge_run: '7' } });
		expect(created.expires_at! - created.created_at).toBe(86400);

		// The statuses a client sees, from the create response on (timing-free: the hold keeps the
		// batch in_progress until released, whatever the machine's load).
		const seen: string[] = [created.status];
		const held = await poll(client, created.id, (b) => b.status === 'in_progress' && b.request_counts!.completed === 3, seen);
		expect(held.in_progress_at).toBeGreaterThan(0);
		expect(held.request_counts).toEqual({ total: 8, completed: 3, failed: 0 });
		// A different client (think: the app after a restart) picks the batch up by its id.
		const other = new OpenAI({ baseURL: fake.url, apiKey: 'unused', maxRetries: 0 });
		fake.batches.release(created.id);
		const done = await poll(other, created.id, final, seen);
		expect(seen[0]).toBe('validating');
		expect(seen.filter((status) => status !== 'finalizing')).toEqual(['validating', 'in_progress', 'completed']);
		expect(done.completed_at).toBeGreaterThan(0);
		expect(done.model).toBe('judge-model');
		expect(done.request_counts).toEqual({ total: 8, completed: 8, failed: 0 });
		expect(done.error_file_id).toBeNull();
		expect(done.usage!.input_tokens).toBeGreaterThan(0);
		expect(done.usage!.total_tokens).toBe(done.usage!.input_tokens + done.usage!.output_tokens);

		const output = await lines(other, done.output_file_id);
		expect(output.map((l) => l.custom_id).sort()).toEqual(requests.map((r) => r.custom_id).sort());
		expect(output.map((l) => l.custom_id)).not.toEqual(requests.map((r) => r.custom_id));
		for (const line of output) {
			expect(line.id).toMatch(/^batch_req_/);
			expect(line.error).toBeNull();
			expect(line.response.status_code).toBe(200);
			expect(line.response.request_id).toMatch(/^req_/);
			expect(line.response.body.object).toBe('chat.completion');
			const row = Number(line.custom_id.slice(4));
			expect(JSON.parse(line.response.body.choices[0].message.content)).toEqual({ verdict: row % 2 ? 'A' : 'B', reason: `row ${row}` });
		}
		expect((await client.files.retrieve(done.output_file_id!)).purpose).toBe('batch_output');
		// Each line reached the scripted endpoint as a normal call, tagged with its batch and custom_id.
		const calls = fake.generationRequests().filter((r) => r.headers['x-fake-batch']);
		expect(calls.map((r) => r.headers['x-fake-batch']).sort()).toEqual(requests.map((r) => `${created.id} ${r.custom_id}`).sort());
	});

	it('puts failed lines in the error file: HTTP errors with their response, resets with an error', async () => {
		const { fake, client } = await start((request) => {
			if (request.prompt.includes('row 2')) return { fault: 'status', status: 500, message: 'boom' };
			if (request.prompt.includes('row 4')) return { fault: 'status', status: 400, message: 'bad request', code: 'invalid_value' };
			if (request.prompt.includes('row 5')) return { fault: 'reset' };
			return judgeScript(request);
		});
		fake.batches.setPlan({ keepOrder: true });
		const file = await upload(client, Array.from({ length: 6 }, (_, i) => chatLine(`r${i}`, `Judge row ${i}.`)));
		const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
		const done = await poll(client, batch.id, final);
		expect(done.status).toBe('completed');
		expect(done.request_counts).toEqual({ total: 6, completed: 3, failed: 3 });
		expect((await lines(client, done.output_file_id)).map((l) => l.custom_id).sort()).toEqual(['r0', 'r1', 'r3']);
		const errors = await lines(client, done.error_file_id);
		const byId = new Map(errors.map((l) => [l.custom_id, l]));
		expect([...byId.keys()].sort()).toEqual(['r2', 'r4', 'r5']);
		expect(byId.get('r2')!.response.status_code).toBe(500);
		expect(byId.get('r2')!.response.body.error.message).toBe('boom');
		expect(byId.get('r4')!.response).toMatchObject({ status_code: 400, body: { error: { code: 'invalid_value' } } });
		expect(byId.get('r5')!.response).toBeNull();
		expect(byId.get('r5')!.error.code).toBe('server_error');
	});

	it('expires a batch: finished lines in the output, the rest batch_expired in the error file', async () => {
		const { fake, client } = await start();
		fake.batches.setPlan({ expireAfterLines: 2, concurrency: 1 });
		const file = await upload(client, Array.from({ length: 5 }, (_, i) => chatLine(`e${i}`, `Judge row ${i}.`)));
		const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
		const done = await poll(client, batch.id, final);
		expect(done.status).toBe('expired');
		expect(done.expired_at).toBeGreaterThan(0);
		expect(done.request_counts).toEqual({ total: 5, completed: 2, failed: 3 });
		expect(await lines(client, done.output_file_id)).toHaveLength(2);
		const expired = await lines(client, done.error_file_id);
		expect(expired).toHaveLength(3);
		for (const line of expired) {
			expect(line.response).toBeNull();
			expect(line.error.code).toBe('batch_expired');
		}
	});

	it('expires a held batch on demand', async () => {
		const { fake, client } = await start();
		fake.batches.setPlan({ holdAfterLines: 1, concurrency: 1 });
		const file = await upload(client, [chatLine('a', 'row 1'), chatLine('b', 'row 2'), chatLine('c', 'row 3')]);
		const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
		await poll(client, batch.id, (b) => b.request_counts?.completed === 1);
		fake.batches.expire(batch.id);
		const done = await fake.batches.settled(batch.id);
		expect(done.status).toBe('expired');
		expect(done.request_counts).toEqual({ total: 3, completed: 1, failed: 2 });
	});

	it('fails a batch whose input file does not validate, naming each bad line', async () => {
		const { client } = await start();
		const file = await upload(client, [
			chatLine('ok-1', 'row 1'),
			'{not json',
			chatLine('ok-1', 'row 2'),
			{ ...chatLine('x', 'row 3'), url: '/v1/completions' },
			{ ...chatLine('y', 'row 4'), method: 'GET' },
			chatLine('z', 'row 5', 'another-model'),
			{ method: 'POST', url: '/v1/chat/completions', body: { model: 'judge-model' } }
		]);
		const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
		const done = await poll(client, batch.id, final);
		expect(done.status).toBe('failed');
		expect(done.failed_at).toBeGreaterThan(0);
		expect(done.output_file_id).toBeNull();
		expect(done.errors!.data!.map((e) => [e.line, e.code])).toEqual([
			[2, 'invalid_json_line'],
			[3, 'duplicate_custom_id'],
			[4, 'invalid_url'],
			[5, 'invalid_method'],
			[6, 'mismatched_model'],
			[7, 'missing_required_parameter']
		]);
		expect(done.errors!.data![1].message).toMatch(/"ok-1"/);
	});

	it('cancels a batch: cancelling → cancelled, with the lines done so far', async () => {
		const { fake, client } = await start();
		fake.batches.setPlan({ holdAfterLines: 2, concurrency: 1 });
		const file = await upload(client, Array.from({ length: 5 }, (_, i) => chatLine(`c${i}`, `row ${i}`)));
		const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
		await poll(client, batch.id, (b) => b.request_counts?.completed === 2);
		const cancelling = await client.batches.cancel(batch.id);
		expect(cancelling.status).toBe('cancelling');
		expect(cancelling.cancelling_at).toBeGreaterThan(0);
		const done = await poll(client, batch.id, final);
		expect(done.status).toBe('cancelled');
		expect(done.cancelled_at).toBeGreaterThan(0);
		expect(await lines(client, done.output_file_id)).toHaveLength(2);
		expect(done.error_file_id).toBeNull(); // lines never started are in neither file
		await expect(client.batches.cancel(batch.id)).rejects.toMatchObject({ status: 409 });
	});

	it('runs /v1/completions batches and forwards the API key to each line', async () => {
		const { client } = await start((r) => `continued: ${r.prompt}`, 'sk-batch-test');
		const file = await upload(client, [
			{ custom_id: 'p1', method: 'POST', url: '/v1/completions', body: { model: 'base', prompt: 'Task 1', max_tokens: 5 } }
		]);
		const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/completions', completion_window: '24h' });
		const done = await poll(client, batch.id, final);
		expect(done.status).toBe('completed');
		const [line] = await lines(client, done.output_file_id);
		expect(line.response.body.object).toBe('text_completion');
		expect(line.response.body.choices[0].text).toBe('continued: Task 1');
		// A wrong key is refused like any other call.
		const stranger = new OpenAI({ baseURL: fake!.url, apiKey: 'sk-wrong', maxRetries: 0 });
		await expect(stranger.batches.retrieve(batch.id)).rejects.toMatchObject({ status: 401 });
	});

	it('refuses what the API refuses', async () => {
		const { client } = await start();
		const create = (input_file_id: string, endpoint = '/v1/chat/completions') =>
			client.batches.create({ input_file_id, endpoint: endpoint as '/v1/chat/completions', completion_window: '24h' });
		await expect(create('file-missing')).rejects.toMatchObject({ status: 404 });
		const notBatch = await client.files.create({ file: await toFile(Buffer.from('{}\n'), 'data.jsonl'), purpose: 'fine-tune' });
		await expect(create(notBatch.id)).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/purpose "fine-tune"/) });
		const file = await upload(client, [chatLine('a', 'row 1')]);
		await expect(create(file.id, '/v1/embeddings')).rejects.toMatchObject({ status: 400 });
		await expect(
			client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '1h' as '24h' })
		).rejects.toMatchObject({ status: 400 });
		await expect(client.files.create({ file: await toFile(Buffer.from('x'), 'batch.txt'), purpose: 'batch' })).rejects.toMatchObject({ status: 400 });
		await expect(client.batches.retrieve('batch_nope')).rejects.toMatchObject({ status: 404 });
		await expect(client.files.content('file-nope')).rejects.toMatchObject({ status: 404 });
	});

	it('lists and deletes files, lists batches', async () => {
		const { client } = await start();
		const a = await upload(client, [chatLine('a', 'row 1')], 'a.jsonl');
		const b = await upload(client, [chatLine('b', 'row 2')], 'b.jsonl');
		const files = [];
		for await (const f of client.files.list()) files.push(f.id);
		expect(files).toEqual([a.id, b.id]);
		expect(await client.files.delete(a.id)).toEqual({ id: a.id, object: 'file', deleted: true });
		await expect(client.files.retrieve(a.id)).rejects.toMatchObject({ status: 404 });
		const batch = await client.batches.create({ input_file_id: b.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
		const listed = [];
		for await (const x of client.batches.list()) listed.push(x.id);
		expect(listed).toEqual([batch.id]);
		await poll(client, batch.id, final);
	});
});
