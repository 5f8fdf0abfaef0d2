import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from '../../../../tests/support/fake-openai';
import type { EndpointConfig } from './endpoint';
import { describeConnectionFailure, testConnection } from './test-connection';

let fake: FakeOpenAI | undefined;
afterEach(async () => {
	await fake?.close();
	fake = undefined;
});

async function start(options: FakeOpenAIOptions = {}) {
	fake = await startFakeOpenAI(options);
	return fake;
}

const secret = 'sk-live-abcdefghijklmnopqrstuvwxyz';

function endpoint(baseUrl: string, overrides: Partial<EndpointConfig> = {}): EndpointConfig {
	return { baseUrl, apiKey: secret, apiStyle: 'completions', model: 'fake-model', concurrency: 4, ...overrides };
}

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
	const server = http.createServer();
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((r) => server.close(() => r()));
	return port;
}

describe('testConnection', () => {
	it('reports the model and latency when it answers', async () => {
		const server = await start({ latencyMs: 30 });
		const report = await testConnection(endpoint(server.url));
		expect(report.ok).toBe(true);
		expect(report.outcome).toBe('connected');
		expect(report.message).toMatch(/^Connected: model fake-model answered in \d+ ms \(completions API\)\.$/);
		expect(report.latencyMs).toBeGreaterThanOrEqual(25);
		// one tiny call
		expect(server.generationRequests()).toHaveLength(1);
		expect(server.generationRequests()[0].body).toMatchObject({ max_tokens: 1 });
	});

	it('works for chat endpoints', async () => {
		const server = await start();
		const report = await testConnection(endpoint(server.url, { apiStyle: 'chat' }));
		expect(report).toMatchObject({ ok: true, outcome: 'connected' });
		expect(server.generationRequests()[0].path).toBe('/v1/chat/completions');
	});

	it('says when the connection is refused', async () => {
		const port = await closedPort();
		const report = await testConnection(endpoint(`http://127.0.0.1:${port}/v1`));
		expect(report).toMatchObject({ ok: false, outcome: 'refused' });
		expect(report.message).toBe(`The server at http://127.0.0.1:${port}/v1 refused the connection. Is it running, and on that port?`);
	});

	it('says the key was rejected, without repeating it', async () => {
		const server = await start({ apiKey: 'sk-the-right-key' });
		const report = await testConnection(endpoint(server.url));
		expect(report).toMatchObject({ ok: false, outcome: 'auth_rejected', status: 401, message: '401: the API key was rejected.' });
		expect(JSON.stringify(report)).not.toContain(secret);
	});

	it('says a key is missing when none is set', async () => {
		const server = await start({ apiKey: 'sk-the-right-key' });
		const report = await testConnection(endpoint(server.url, { apiKey: '' }));
		expect(report.message).toBe('401: the server wants an API key, and none is set.');
	});

	it('says the model is not found and lists what the server has', async () => {
		const server = await start({ models: ['llama-base', 'qwen-base'] });
		const report = await testConnection(endpoint(server.url, { model: 'gpt-9' }));
		expect(report).toMatchObject({ ok: false, outcome: 'model_not_found', status: 404, availableModels: ['llama-base', 'qwen-base'] });
		expect(report.message).toBe('Model not found: the server does not know "gpt-9". It offers: llama-base, qwen-base.');
	});

	it('suspects the base URL when nothing answers at it', async () => {
		const server = await start();
		const withoutV1 = server.url.replace(/\/v1$/, '');
		const report = await testConnection(endpoint(withoutV1));
		expect(report).toMatchObject({ ok: false, outcome: 'wrong_url', status: 404 });
		expect(report.message).toContain('usually ends in /v1');
	});

	it('gives up after the timeout', async () => {
		const server = await start({ script: () => ({ fault: 'hang' }) });
		const report = await testConnection(endpoint(server.url), { timeoutMs: 200 });
		expect(report).toMatchObject({ ok: false, outcome: 'timeout' });
		expect(report.message).toBe(`No answer from ${server.url} within 0.2 s. The server may be overloaded or still loading the model.`);
	});

	it('reports server errors and rejected requests in words, with a hint for chat models', async () => {
		const server = await start({ script: () => ({ fault: 'status', status: 500, message: 'CUDA out of memory' }) });
		const broken = await testConnection(endpoint(server.url));
		expect(broken).toMatchObject({ ok: false, outcome: 'server_error', status: 500 });
		expect(broken.message).toContain('CUDA out of memory');
		expect(server.generationRequests()).toHaveLength(1); // no retries for a test

		server.setScript(() => ({ fault: 'status', status: 400, message: 'This is a chat model' }));
		const rejected = await testConnection(endpoint(server.url));
		expect(rejected.outcome).toBe('rejected_request');
		expect(rejected.message).toContain('choose the chat API style');
	});

	it('reports a rate limit as reachable but refused', async () => {
		const server = await start({ script: () => ({ fault: 'status', status: 429, message: 'quota exceeded', retryAfterSeconds: 30 }) });
		const started = performance.now();
		const report = await testConnection(endpoint(server.url));
		expect(report).toMatchObject({ ok: false, outcome: 'rate_limited', status: 429 });
		expect(performance.now() - started).toBeLessThan(5_000); // does not wait out Retry-After
	});

	it('says the TLS connection failed, and why: a self-signed certificate', async () => {
		const server = https.createServer(
			{ key: fs.readFileSync('tests/support/tls/localhost-key.pem'), cert: fs.readFileSync('tests/support/tls/localhost-cert.pem') },
			(_req, res) => res.end('{}')
		);
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
		const { port } = server.address() as AddressInfo;
		try {
			const report = await testConnection(endpoint(`https://127.0.0.1:${port}/v1`));
			expect(report).toMatchObject({ ok: false, outcome: 'tls' });
			expect(report.message).toBe(
				`The secure (https) connection to https://127.0.0.1:${port}/v1 failed: its certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT). Give the server a certificate from a trusted authority, or add its authority with NODE_EXTRA_CA_CERTS.`
			);
		} finally {
			server.closeAllConnections();
			await new Promise<void>((r) => server.close(() => r()));
		}
	});

	it('says the TLS connection failed when https meets a plain http server', async () => {
		const server = await start();
		const report = await testConnection(endpoint(server.url.replace('http://', 'https://')));
		expect(report).toMatchObject({ ok: false, outcome: 'tls' });
		expect(report.message).toMatch(/^The secure \(https\) connection to https:\/\/127\.0\.0\.1:\d+\/v1 failed before any answer \(\w+\)\. If the server speaks plain http on that port, use an http:\/\/ address\.$/);
	});

	it('names a DNS failure, a TLS problem and a dropped connection in plain words', () => {
		expect(describeConnectionFailure('ENOTFOUND', 'http://gpu-box:8000/v1')).toEqual({
			outcome: 'unknown_host',
			message: 'Could not find the host of http://gpu-box:8000/v1: the name does not resolve (DNS ENOTFOUND). Check the address for a typo.'
		});
		expect(describeConnectionFailure('CERT_HAS_EXPIRED', 'https://x/v1').message).toContain('its certificate has expired (CERT_HAS_EXPIRED)');
		expect(describeConnectionFailure('ERR_TLS_CERT_ALTNAME_INVALID', 'https://x/v1').message).toContain('its certificate is for another host name');
		expect(describeConnectionFailure('ECONNRESET', 'http://x/v1')).toEqual({
			outcome: 'unreachable',
			message: 'Could not reach http://x/v1 (ECONNRESET): the connection failed before an answer came back.'
		});
	});

	it('scrubs the key from every string of the report, the model list included (a server that echoes Authorization)', async () => {
		const server = await start({ models: ['llama-base'], echoAuthInModels: true });
		const report = await testConnection(endpoint(server.url, { model: 'gpt-9' }));
		expect(report.outcome).toBe('model_not_found');
		expect(report.availableModels).toHaveLength(2);
		expect(report.availableModels?.[1]).toBe('served for Bearer [redacted]');
		expect(JSON.stringify(report)).not.toContain(secret);
		// The server did receive the key (so the scrub, not the request, kept it out).
		expect(server.requests.find((r) => r.path === '/v1/models')?.headers.authorization).toBe(`Bearer ${secret}`);
	});
});
