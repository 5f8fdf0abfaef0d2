/** The scripted OpenAI-compatible server itself, driven with plain fetch. */
import { afterEach, describe, expect, it } from 'vitest';
import { applyStopAndLength, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

let fake: FakeOpenAI | undefined;
afterEach(async () => {
	await fake?.close();
	fake = undefined;
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
	const res = await fetch(`${fake!.url}${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: JSON.stringify(body)
	});
	return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, any> };
}

describe('applyStopAndLength', () => {
	it('cuts at the earliest stop sequence', () => {
		expect(applyStopAndLength('a b\n\nc 16. d', ['16.', '\n\n'], undefined)).toEqual({ text: 'a b', finishReason: 'stop' });
	});
	it('cuts at max_tokens words and reports length', () => {
		expect(applyStopAndLength(' one two  three four', [], 2)).toEqual({ text: ' one two', finishReason: 'length' });
	});
	it('leaves short text alone', () => {
		expect(applyStopAndLength('one two', [], 2)).toEqual({ text: 'one two', finishReason: 'stop' });
	});
});

describe('fake OpenAI server', () => {
	it('answers completions from the script with usage and logs the request', async () => {
		fake = await startFakeOpenAI({ script: (r) => `echo: ${r.prompt.toUpperCase()}` });
		expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
		const { status, json } = await post('/completions', { model: 'm', prompt: 'hi there', max_tokens: 10 });
		expect(status).toBe(200);
		expect(json.object).toBe('text_completion');
		expect(json.choices[0]).toMatchObject({ index: 0, text: 'echo: HI THERE', finish_reason: 'stop' });
		expect(json.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
		expect(fake.requests).toHaveLength(1);
		expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/completions', api: 'completions', outcome: 200 });
		expect(fake.requests[0].body).toMatchObject({ prompt: 'hi there' });
	});

	it('answers chat with an assistant message built from the user content', async () => {
		fake = await startFakeOpenAI({ script: (r) => `[${r.api}] ${r.prompt}` });
		const { json } = await post('/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hello' }] });
		expect(json.object).toBe('chat.completion');
		expect(json.choices[0].message).toMatchObject({ role: 'assistant', content: '[chat] hello' });
	});

	it('applies stop and max_tokens, and n choices', async () => {
		fake = await startFakeOpenAI({ script: () => ({ text: ['a b c d e', 'x y'] }) });
		const { json } = await post('/completions', { model: 'm', prompt: 'p', max_tokens: 3, n: 2, stop: ['y'] });
		expect(json.choices.map((c: any) => [c.text, c.finish_reason])).toEqual([
			['a b c', 'length'],
			['x ', 'stop']
		]);
	});

	it('lists models and rejects unknown ones with 404 model_not_found', async () => {
		fake = await startFakeOpenAI({ models: ['base-1'] });
		const list = await (await fetch(`${fake.url}/models`)).json();
		expect(list.data.map((m: any) => m.id)).toEqual(['base-1']);
		const { status, json } = await post('/completions', { model: 'nope', prompt: 'p' });
		expect(status).toBe(404);
		expect(json.error.code).toBe('model_not_found');
	});

	it('requires the API key when configured, echoing the wrong one', async () => {
		fake = await startFakeOpenAI({ apiKey: 'sk-right' });
		const bad = await post('/completions', { model: 'm', prompt: 'p' }, { authorization: 'Bearer sk-wrong-123' });
		expect(bad.status).toBe(401);
		expect(bad.json.error.message).toContain('sk-wrong-123');
		const good = await post('/completions', { model: 'm', prompt: 'p' }, { authorization: 'Bearer sk-right' });
		expect(good.status).toBe(200);
	});

	it('serves queued faults before the script: 429 with Retry-After, 503', async () => {
		fake = await startFakeOpenAI();
		fake.failNext({ fault: 'status', status: 429, retryAfterSeconds: 2, retryAfterMs: 1500 });
		fake.failNext({ fault: 'status', status: 503 });
		const first = await post('/completions', { model: 'm', prompt: 'p' });
		expect(first.status).toBe(429);
		expect(first.headers.get('retry-after')).toBe('2');
		expect(first.headers.get('retry-after-ms')).toBe('1500');
		expect((await post('/completions', { model: 'm', prompt: 'p' })).status).toBe(503);
		expect((await post('/completions', { model: 'm', prompt: 'p' })).status).toBe(200);
	});

	it('resets the connection', async () => {
		fake = await startFakeOpenAI({ script: () => ({ fault: 'reset' }) });
		await expect(post('/completions', { model: 'm', prompt: 'p' })).rejects.toThrow();
		expect(fake.requests[0].outcome).toBe('reset');
	});

	it('hangs until the client gives up, and close() still returns', async () => {
		fake = await startFakeOpenAI({ script: () => ({ fault: 'hang' }) });
		const res = fetch(`${fake.url}/completions`, {
			method: 'POST',
			body: JSON.stringify({ model: 'm', prompt: 'p' }),
			signal: AbortSignal.timeout(150)
		});
		await expect(res).rejects.toThrow();
		expect(fake.requests[0].outcome).toBe('hang');
	});

	it('enforces a sliding-window rate limit with 429 and a retry hint', async () => {
		fake = await startFakeOpenAI({ rateLimit: { requests: 2, perMs: 60_000 } });
		expect((await post('/completions', { model: 'm', prompt: 'p' })).status).toBe(200);
		expect((await post('/completions', { model: 'm', prompt: 'p' })).status).toBe(200);
		const third = await post('/completions', { model: 'm', prompt: 'p' });
		expect(third.status).toBe(429);
		expect(Number(third.headers.get('retry-after-ms'))).toBeGreaterThan(59_000);
		expect(third.headers.get('retry-after')).toBe('60');
	});

	it('tracks requests in flight and refuses those over maxConcurrent', async () => {
		fake = await startFakeOpenAI({ latencyMs: 100, maxConcurrent: 2 });
		const results = await Promise.all(
			[1, 2, 3].map(() => post('/completions', { model: 'm', prompt: 'p' }).then((r) => r.status))
		);
		expect(results.sort()).toEqual([200, 200, 429]);
		expect(fake.maxInFlight).toBe(2);
		expect(fake.inFlight).toBe(0);
	});

	it('waits the configured latency', async () => {
		fake = await startFakeOpenAI({ latencyMs: 120 });
		const start = performance.now();
		await post('/completions', { model: 'm', prompt: 'p' });
		expect(performance.now() - start).toBeGreaterThanOrEqual(110);
	});
});
