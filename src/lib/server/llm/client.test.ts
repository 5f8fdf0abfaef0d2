/**
 * The client against the scripted OpenAI-compatible server, through the real openai SDK:
 * request shapes, retries (429 + Retry-After, 5xx, timeouts, resets), truncation, pacing,
 * abort, and that the API key never surfaces.
 */
import { getEventListeners } from 'node:events';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from '../../../../tests/support/fake-openai';
import type { DecodingParams } from '../../prompts/decoding';
import { createLlmClient, type LlmClientOptions, type LlmEvent } from './client';
import type { EndpointConfig } from './endpoint';
import { LlmError } from './errors';

let fake: FakeOpenAI | undefined;
afterEach(async () => {
	await fake?.close();
	fake = undefined;
});

async function start(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
	fake = await startFakeOpenAI(options);
	return fake;
}

function endpointFor(server: FakeOpenAI, overrides: Partial<EndpointConfig> = {}): EndpointConfig {
	return { baseUrl: server.url, apiKey: 'sk-test-key-0123456789', apiStyle: 'completions', model: 'base-model', concurrency: 4, ...overrides };
}

const decoding: DecodingParams = {
	maxTokens: 50,
	temperature: 0.7,
	topP: 0.5,
	frequencyPenalty: 0,
	presencePenalty: 2,
	stop: ['\n\n', '16.']
};

/** No jitter: backoff waits exactly its cap, so gaps are predictable. */
const fullDelay: LlmClientOptions = { random: () => 1 };

async function expectLlmError(promise: Promise<unknown>): Promise<LlmError> {
	try {
		await promise;
	} catch (err) {
		expect(err).toBeInstanceOf(LlmError);
		return err as LlmError;
	}
	throw new Error('expected the call to fail');
}

function gaps(server: FakeOpenAI): number[] {
	const times = server.generationRequests().map((r) => r.receivedAt);
	return times.slice(1).map((t, i) => t - times[i]);
}

describe('request shapes', () => {
	it('sends a completion request with the decoding parameters and reads the reply', async () => {
		const server = await start({ script: (r) => ` continuation of "${r.prompt}"` });
		const client = createLlmClient(endpointFor(server));
		const result = await client.generate({ prompt: 'Tasks:\n9.', decoding, requestKey: 'run-1/instructions/3' });

		expect(result).toMatchObject({
			text: ' continuation of "Tasks:\n9."',
			finishReason: 'stop',
			attempts: 1,
			model: 'base-model',
			usageEstimated: false,
			usage: { promptTokens: 2, completionTokens: 4 }
		});
		expect(result.responseId).toMatch(/^cmpl-/);
		expect(result.latencyMs).toBeGreaterThan(0);
		const [req] = server.generationRequests();
		expect(req.path).toBe('/v1/completions');
		expect(req.body).toEqual({
			model: 'base-model',
			prompt: 'Tasks:\n9.',
			max_tokens: 50,
			temperature: 0.7,
			top_p: 0.5,
			frequency_penalty: 0,
			presence_penalty: 2,
			stop: ['\n\n', '16.'],
			stream: false
		});
		expect(req.headers.authorization).toBe('Bearer sk-test-key-0123456789');
		expect(req.headers['x-client-request-id']).toBe('run-1/instructions/3');
		// Our retry policy is the only one: the SDK sends no retry of its own.
		expect(req.headers['x-stainless-retry-count']).toBe('0');
	});

	it('wraps the same prompt as one user message for chat endpoints', async () => {
		const server = await start({ script: (r) => `chat says: ${r.prompt}` });
		const client = createLlmClient(endpointFor(server, { apiStyle: 'chat', model: 'chat-model' }));
		const result = await client.generate({ prompt: 'Is this a classification task?', decoding: { ...decoding, stop: undefined } });

		expect(result.text).toBe('chat says: Is this a classification task?');
		const [req] = server.generationRequests();
		expect(req.path).toBe('/v1/chat/completions');
		expect(req.body).toMatchObject({
			model: 'chat-model',
			messages: [{ role: 'user', content: 'Is this a classification task?' }],
			max_tokens: 50,
			temperature: 0.7,
			top_p: 0.5,
			presence_penalty: 2
		});
		expect(req.body).not.toHaveProperty('prompt');
		expect(req.body).not.toHaveProperty('stop');
	});

	it('asks for n choices and log-probabilities in each API style', async () => {
		const server = await start({ script: () => ({ text: ['first', 'second'] }) });
		const completions = createLlmClient(endpointFor(server));
		const result = await completions.generate({ prompt: 'p', decoding: { ...decoding, n: 2, logprobs: 3 } });
		expect(result.choices.map((c) => c.text)).toEqual(['first', 'second']);
		expect(server.generationRequests()[0].body).toMatchObject({ n: 2, logprobs: 3 });

		const chat = createLlmClient(endpointFor(server, { apiStyle: 'chat' }));
		await chat.generate({ prompt: 'p', decoding: { ...decoding, logprobs: 3 } });
		expect(server.generationRequests()[1].body).toMatchObject({ logprobs: true, top_logprobs: 3 });
	});

	it('reports a reply cut by max_tokens as finishReason "length"', async () => {
		const server = await start({ script: () => 'one two three four five six seven eight' });
		const client = createLlmClient(endpointFor(server));
		const result = await client.generate({ prompt: 'p', decoding: { ...decoding, maxTokens: 3 } });
		expect(result.finishReason).toBe('length');
		expect(result.choices[0].rawFinishReason).toBe('length');
		expect(result.text).toBe('one two three');
		expect(result.attempts).toBe(1); // truncation is the caller's business, not a retry
	});

	it('estimates cost from the endpoint prices and keeps running totals', async () => {
		const server = await start({ script: () => ({ text: 'x', promptTokens: 1_000, completionTokens: 500 }) });
		const client = createLlmClient(endpointFor(server, { priceInputPer1M: 2, priceOutputPer1M: 10 }));
		const a = await client.generate({ prompt: 'p', decoding });
		await client.generate({ prompt: 'p', decoding });
		expect(a.costUsd).toBeCloseTo(0.002 + 0.005, 10);
		expect(client.stats()).toMatchObject({ requests: 2, succeeded: 2, promptTokens: 2_000, completionTokens: 1_000 });
		expect(client.stats().costUsd).toBeCloseTo(0.014, 10);
	});

	it('lists the server models', async () => {
		const server = await start({ models: ['llama-base', 'llama-chat'] });
		expect(await createLlmClient(endpointFor(server)).listModels()).toEqual(['llama-base', 'llama-chat']);
	});
});

describe('retries', () => {
	it('waits what Retry-After says on 429, then succeeds', async () => {
		const server = await start({ script: () => 'done' });
		server.failNext({ fault: 'status', status: 429, retryAfterSeconds: 1 });
		const events: LlmEvent[] = [];
		// random() = 0 would make our own backoff zero: any wait we see is the server's.
		const client = createLlmClient(endpointFor(server), { random: () => 0, onEvent: (e) => events.push(e) });
		const result = await client.generate({ prompt: 'p', decoding });

		expect(result.text).toBe('done');
		expect(result.attempts).toBe(2);
		expect(gaps(server)[0]).toBeGreaterThanOrEqual(990);
		expect(events.find((e) => e.type === 'retry')).toMatchObject({ attempt: 1, kind: 'rate_limited', status: 429, delayMs: 1000 });
	});

	it('prefers retry-after-ms to Retry-After', async () => {
		const server = await start();
		server.failNext({ fault: 'status', status: 429, retryAfterSeconds: 30, retryAfterMs: 250 });
		const client = createLlmClient(endpointFor(server), { random: () => 0 });
		const started = performance.now();
		await client.generate({ prompt: 'p', decoding });
		expect(gaps(server)[0]).toBeGreaterThanOrEqual(240);
		expect(performance.now() - started).toBeLessThan(5_000);
	});

	it('accepts Retry-After as an HTTP date', async () => {
		const server = await start();
		server.failNext({ fault: 'status', status: 429, retryAfterDate: new Date(Date.now() + 2_000) });
		const client = createLlmClient(endpointFor(server), { random: () => 0 });
		await client.generate({ prompt: 'p', decoding });
		// HTTP dates have whole seconds: at least ~1 s must have passed.
		expect(gaps(server)[0]).toBeGreaterThanOrEqual(900);
	});

	it('pauses every request after a 429 with Retry-After, not only the one refused', async () => {
		const server = await start({ latencyMs: 10 });
		server.failNext({ fault: 'status', status: 429, retryAfterMs: 400 });
		let cooledDown!: () => void;
		const cooldown = new Promise<void>((resolve) => (cooledDown = resolve));
		const client = createLlmClient(endpointFor(server), {
			random: () => 0,
			onEvent: (e) => e.type === 'cooldown' && cooledDown()
		});
		const first = client.generate({ prompt: 'a', decoding });
		await cooldown;
		const refusedAt = server.requests[0].finishedAt!;
		await client.generate({ prompt: 'b', decoding });
		await first;
		const b = server.generationRequests().find((r) => (r.body as { prompt: string }).prompt === 'b')!;
		expect(b.receivedAt - refusedAt).toBeGreaterThanOrEqual(350);
	});

	it('backs off exponentially on 5xx', async () => {
		const server = await start();
		server.failNext({ fault: 'status', status: 500 });
		server.failNext({ fault: 'status', status: 503 });
		server.failNext({ fault: 'status', status: 502 });
		const client = createLlmClient(endpointFor(server), { ...fullDelay, retry: { baseDelayMs: 80 } });
		const result = await client.generate({ prompt: 'p', decoding });
		expect(result.attempts).toBe(4);
		const [g1, g2, g3] = gaps(server);
		expect(g1).toBeGreaterThanOrEqual(75);
		expect(g2).toBeGreaterThanOrEqual(155);
		expect(g3).toBeGreaterThanOrEqual(315);
		expect(client.stats()).toMatchObject({ requests: 4, retries: 3, succeeded: 1, failed: 0 });
	});

	it('gives up after maxAttempts with the last error', async () => {
		const server = await start({ script: () => ({ fault: 'status', status: 503, message: 'overloaded' }) });
		const client = createLlmClient(endpointFor(server), { retry: { maxAttempts: 3, baseDelayMs: 1 } });
		const error = await expectLlmError(client.generate({ prompt: 'p', decoding }));
		expect(error).toMatchObject({ kind: 'server_error', status: 503, attempts: 3, retryable: true });
		expect(error.message).toContain('overloaded');
		expect(server.generationRequests()).toHaveLength(3);
		expect(client.stats().failed).toBe(1);
	});

	it('does not retry a 400', async () => {
		const server = await start({ script: () => ({ fault: 'status', status: 400, message: 'bad stop' }) });
		const client = createLlmClient(endpointFor(server), { retry: { baseDelayMs: 1 } });
		const error = await expectLlmError(client.generate({ prompt: 'p', decoding }));
		expect(error).toMatchObject({ kind: 'bad_request', status: 400, attempts: 1, retryable: false });
		expect(server.generationRequests()).toHaveLength(1);
	});

	it('times out a hanging request and retries it', async () => {
		const server = await start({ script: () => 'late but fine' });
		server.failNext({ fault: 'hang' });
		const client = createLlmClient(endpointFor(server, { timeoutMs: 200 }), { retry: { baseDelayMs: 1 } });
		const started = performance.now();
		const result = await client.generate({ prompt: 'p', decoding });
		expect(result.text).toBe('late but fine');
		expect(result.attempts).toBe(2);
		expect(performance.now() - started).toBeGreaterThanOrEqual(190);
		expect(server.requests[0].outcome).toBe('hang');
	});

	it('reports a timeout when every attempt hangs', async () => {
		const server = await start({ script: () => ({ fault: 'hang' }) });
		const client = createLlmClient(endpointFor(server, { timeoutMs: 100 }), { retry: { maxAttempts: 2, baseDelayMs: 1 } });
		const error = await expectLlmError(client.generate({ prompt: 'p', decoding }));
		expect(error).toMatchObject({ kind: 'timeout', attempts: 2 });
	});

	it('retries a 200 whose body is not JSON (a proxy page, even one saying "Gateway Timeout"), then keeps the body with the error', async () => {
		const page = `<html><head><title>504 Gateway Timeout</title></head><body>${'x'.repeat(3000)}</body></html>`;
		const server = await start({ script: () => 'fine after the proxy' });
		server.failNext({ fault: 'raw', body: page });
		const client = createLlmClient(endpointFor(server), { retry: { baseDelayMs: 1 } });
		expect(await client.generate({ prompt: 'p', decoding })).toMatchObject({ text: 'fine after the proxy', attempts: 2 });
		await server.close();

		const broken = await start({ script: () => ({ fault: 'raw', body: '<html>Bad gateway</html>' }) });
		const again = createLlmClient(endpointFor(broken), { retry: { maxAttempts: 2, baseDelayMs: 1 } });
		const error = await expectLlmError(again.generate({ prompt: 'p', decoding }));
		expect(error).toMatchObject({ kind: 'bad_response', status: 200, attempts: 2, retryable: true, body: '<html>Bad gateway</html>' });
		expect(error.message).toBe('The server answered 200 with a body that is not JSON: <html>Bad gateway</html>');
		expect(broken.generationRequests()).toHaveLength(2);
		await broken.close();

		const long = await start({ script: () => ({ fault: 'raw', body: page, contentType: 'text/html' }) });
		const third = createLlmClient(endpointFor(long), { retry: { maxAttempts: 1 } });
		const cut = await expectLlmError(third.generate({ prompt: 'p', decoding }));
		expect(cut).toMatchObject({ kind: 'bad_response' });
		expect(cut.body).toBe(page.slice(0, 2000));
	});

	it('retries a reset connection', async () => {
		const server = await start({ script: () => 'after reset' });
		server.failNext({ fault: 'reset' });
		const client = createLlmClient(endpointFor(server), { retry: { baseDelayMs: 1 } });
		const result = await client.generate({ prompt: 'p', decoding });
		expect(result).toMatchObject({ text: 'after reset', attempts: 2 });
		expect(server.requests[0].outcome).toBe('reset');
	});

	it('gets every request through a server-side rate limit', async () => {
		const server = await start({ rateLimit: { requests: 5, perMs: 300 } });
		const client = createLlmClient(endpointFor(server, { concurrency: 8 }), { random: () => 0.5 });
		const results = await Promise.all(Array.from({ length: 15 }, (_, i) => client.generate({ prompt: `p${i}`, decoding })));
		expect(results).toHaveLength(15);
		expect(server.generationRequests().filter((r) => r.outcome === 200)).toHaveLength(15);
		expect(server.generationRequests().some((r) => r.outcome === 429)).toBe(true);
	});
});

describe('pacing', () => {
	it('never has more requests in flight than the endpoint concurrency', async () => {
		const server = await start({ latencyMs: 40 });
		const client = createLlmClient(endpointFor(server, { concurrency: 3 }));
		const results = await Promise.all(Array.from({ length: 12 }, (_, i) => client.generate({ prompt: `p${i}`, decoding })));
		expect(results).toHaveLength(12);
		expect(server.maxInFlight).toBe(3);
	});

	it('spaces requests to the requests/min limit', async () => {
		const server = await start();
		// 600/min = 10/s, with a burst of 50 ms' worth (less than one request): one at once, then
		// one every 100 ms.
		const startedAt = Date.now();
		const client = createLlmClient(endpointFor(server, { concurrency: 50, requestsPerMinute: 600 }));
		await Promise.all(Array.from({ length: 8 }, (_, i) => client.generate({ prompt: `p${i}`, decoding })));
		const times = server.generationRequests().map((r) => r.receivedAt);
		// The 8th waits for 7 refills after the first: 700 ms after the bucket filled at the
		// client's creation. Measured from there, a busy machine can only make it later (measured
		// from the first request, a late first arrival shrank the gap).
		expect(times[7] - startedAt).toBeGreaterThanOrEqual(650);
	});

	it('keeps within a server that enforces the requests/min limit per second', async () => {
		// 1,200/min enforced as 20 in any 1,000 ms. A second's burst on top of the refill would
		// send about 40 in the first second, and half of them would be refused.
		const server = await start({ rateLimit: { requests: 20, perMs: 1000 } });
		const client = createLlmClient(endpointFor(server, { concurrency: 50, requestsPerMinute: 1200 }), { random: () => 0.5 });
		const results = await Promise.all(Array.from({ length: 30 }, (_, i) => client.generate({ prompt: `p${i}`, decoding })));
		expect(results).toHaveLength(30);
		const refused = server.generationRequests().filter((r) => r.outcome === 429).length;
		// Paced at the limit: at most a rare arrival that lands a millisecond early.
		expect(refused).toBeLessThanOrEqual(2);
	});

	it('spaces requests to the tokens/min limit, counting prompt + max_tokens', async () => {
		const server = await start({ latencyMs: 0 });
		// 6000 tokens/min = 100/s, bucket of 100. Each call takes 100 (max_tokens) + 1 (prompt),
		// so the five cannot start together; the fake reply uses ~2 tokens and the refund lets the
		// next one go ~20 ms later instead of the ~1 s its estimate alone would cost.
		const client = createLlmClient(endpointFor(server, { concurrency: 5, tokensPerMinute: 6000 }));
		await Promise.all(
			Array.from({ length: 5 }, (_, i) => client.generate({ prompt: `p${i}`, decoding: { ...decoding, maxTokens: 100 } }))
		);
		const times = server.generationRequests().map((r) => r.receivedAt);
		expect(times[4] - times[0]).toBeGreaterThanOrEqual(60);
		expect(times[4] - times[0]).toBeLessThan(2_000);
	});
});

describe('abort', () => {
	it('stops a request in flight', async () => {
		const server = await start({ script: () => ({ fault: 'hang' }) });
		const client = createLlmClient(endpointFor(server));
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 100);
		const started = performance.now();
		const error = await expectLlmError(client.generate({ prompt: 'p', decoding, signal: controller.signal }));
		expect(error.kind).toBe('aborted');
		expect(performance.now() - started).toBeLessThan(2_000);
		expect(client.stats().inFlight).toBe(0);
	});

	it('stops waiting out a long Retry-After', async () => {
		const server = await start();
		server.failNext({ fault: 'status', status: 429, retryAfterSeconds: 60 });
		const client = createLlmClient(endpointFor(server));
		const controller = new AbortController();
		const call = client.generate({ prompt: 'p', decoding, signal: controller.signal });
		setTimeout(() => controller.abort(), 150);
		const error = await expectLlmError(call);
		expect(error.kind).toBe('aborted');
		expect(server.generationRequests()).toHaveLength(1);
	});

	it('takes a waiting call out of the queue without sending it', async () => {
		const server = await start({ latencyMs: 200 });
		const client = createLlmClient(endpointFor(server, { concurrency: 1 }));
		const first = client.generate({ prompt: 'first', decoding });
		const controller = new AbortController();
		const second = client.generate({ prompt: 'second', decoding, signal: controller.signal });
		controller.abort();
		expect((await expectLlmError(second)).kind).toBe('aborted');
		await first;
		expect(server.generationRequests().map((r) => (r.body as { prompt: string }).prompt)).toEqual(['first']);
	});

	it('leaves no listener on a run-long signal after its requests, live or batch', async () => {
		// The SDK adds an abort listener to the signal it is given and never removes it: a run's
		// signal passed straight through kept one per request for the whole run.
		const server = await start();
		const client = createLlmClient(endpointFor(server, { concurrency: 8 }));
		const controller = new AbortController();
		await Promise.all(Array.from({ length: 40 }, (_, i) => client.generate({ prompt: `p${i}`, decoding, signal: controller.signal })));
		const file = await client.batch.uploadFile('calls.jsonl', '{}\n', controller.signal);
		await client.batch.fileText(file.id, controller.signal);
		expect(server.generationRequests()).toHaveLength(40);
		expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
	});

	it('does not send anything when already aborted', async () => {
		const server = await start();
		const client = createLlmClient(endpointFor(server));
		const error = await expectLlmError(client.generate({ prompt: 'p', decoding, signal: AbortSignal.abort() }));
		expect(error.kind).toBe('aborted');
		expect(server.requests).toHaveLength(0);
	});
});

describe('API key hygiene', () => {
	const secret = 'sk-live-SECRET-abcdefghijklmnop';

	it('keeps the key out of errors even when the server echoes it', async () => {
		const server = await start({ apiKey: 'sk-the-right-one' });
		const events: LlmEvent[] = [];
		const client = createLlmClient(endpointFor(server, { apiKey: secret }), { onEvent: (e) => events.push(e) });
		const error = await expectLlmError(client.generate({ prompt: 'p', decoding }));
		expect(server.requests[0].headers.authorization).toBe(`Bearer ${secret}`); // it was sent…
		expect(error.kind).toBe('auth');
		expect(error.message).toContain('Incorrect API key provided'); // …the message is kept…
		for (const rendered of [error.message, String(error), error.stack ?? '', inspect(error, { depth: 10 }), JSON.stringify(error)]) {
			expect(rendered).not.toContain(secret); // …and the key is not
			expect(rendered).not.toContain('SECRET-abcdefgh');
		}
		expect(JSON.stringify(events)).not.toContain(secret);
	});

	it('keeps the key out of retry events and of the public endpoint', async () => {
		const server = await start();
		server.failNext({ fault: 'status', status: 500, message: `upstream rejected Bearer ${secret}` });
		const events: LlmEvent[] = [];
		const client = createLlmClient(endpointFor(server, { apiKey: secret }), { onEvent: (e) => events.push(e), retry: { baseDelayMs: 1 } });
		await client.generate({ prompt: 'p', decoding });
		expect(events).toHaveLength(1);
		expect(JSON.stringify(events)).not.toContain(secret);
		expect(JSON.stringify(client.endpoint)).not.toContain(secret);
		expect(inspect(client, { depth: 10 })).not.toContain(secret);
		expect(client.endpoint.apiKeyMasked).toBe('sk-…mnop');
	});

	it('keeps the key out of every string of a reply and of the model list, when the server echoes it', async () => {
		const server = await start({
			echoAuthInModels: true,
			script: (r) => ({ text: `You sent ${String(r.headers.authorization)} and sk-other-0123456789 stays` })
		});
		const client = createLlmClient(endpointFor(server, { apiKey: secret }));
		const reply = await client.generate({ prompt: 'p', decoding: { ...decoding, stop: undefined } });
		expect(server.generationRequests()[0].headers.authorization).toBe(`Bearer ${secret}`);
		expect(JSON.stringify(reply)).not.toContain(secret);
		// Only our key is removed from model output: other sk-… text is the model's own.
		expect(reply.text).toBe('You sent Bearer [redacted] and sk-other-0123456789 stays');
		expect(reply.choices[0].text).toBe(reply.text);
		const models = await client.listModels();
		expect(models.join(' ')).not.toContain(secret);
		expect(models).toContain('served for Bearer [redacted]');
	});
});
