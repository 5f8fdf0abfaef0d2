/**
 * "Test connection": one tiny call to the endpoint, reported in plain words for the settings
 * page and the CLI. Never throws; never includes the API key.
 */
import { createLlmClient } from './client';
import type { EndpointConfig } from './endpoint';
import { LlmError, redactSecrets, toLlmError } from './errors';

export type ConnectionOutcome =
	| 'connected'
	| 'refused'
	| 'unknown_host'
	| 'timeout'
	| 'unreachable'
	| 'auth_rejected'
	| 'forbidden'
	| 'model_not_found'
	| 'wrong_url'
	| 'rejected_request'
	| 'rate_limited'
	| 'server_error'
	| 'cancelled'
	| 'failed';

export interface ConnectionReport {
	ok: boolean;
	outcome: ConnectionOutcome;
	/** One or two sentences for a person. */
	message: string;
	latencyMs?: number;
	status?: number;
	/** The model that answered, or models the server offers when ours was not found. */
	model?: string;
	availableModels?: string[];
}

const PROBE_PROMPT = 'Say OK.';
/** Long enough for a cold local model to load; short enough for a button. */
const DEFAULT_PROBE_TIMEOUT_MS = 30_000;

function seconds(ms: number): string {
	return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
}

export async function testConnection(
	endpoint: EndpointConfig,
	options: { signal?: AbortSignal; timeoutMs?: number } = {}
): Promise<ConnectionReport> {
	const timeoutMs = options.timeoutMs ?? Math.min(endpoint.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, DEFAULT_PROBE_TIMEOUT_MS);
	const client = createLlmClient(
		{ ...endpoint, concurrency: 1, requestsPerMinute: undefined, tokensPerMinute: undefined },
		{ retry: { maxAttempts: 1 }, timeoutMs }
	);
	const where = endpoint.baseUrl;
	try {
		const reply = await client.generate({
			prompt: PROBE_PROMPT,
			decoding: { maxTokens: 1, temperature: 0, topP: 1, frequencyPenalty: 0, presencePenalty: 0 },
			signal: options.signal
		});
		const latencyMs = Math.round(reply.latencyMs);
		return {
			ok: true,
			outcome: 'connected',
			message: `Connected: model ${reply.model} answered in ${latencyMs} ms (${endpoint.apiStyle} API).`,
			latencyMs,
			model: reply.model
		};
	} catch (raw) {
		const error = raw instanceof LlmError ? raw : toLlmError(raw, endpoint.apiKey);
		const report = await explain(error, endpoint, client.listModels.bind(client), timeoutMs, where);
		// Belt and braces: whatever the server said, the key does not leave in a report.
		return { ...report, message: redactSecrets(report.message, endpoint.apiKey) };
	}
}

async function explain(
	error: LlmError,
	endpoint: EndpointConfig,
	listModels: () => Promise<string[]>,
	timeoutMs: number,
	where: string
): Promise<ConnectionReport> {
	const status = error.status;
	const serverSaid = error.message ? ` The server said: ${error.message}` : '';
	switch (error.kind) {
		case 'aborted':
			return { ok: false, outcome: 'cancelled', message: 'The test was cancelled.' };
		case 'timeout':
			return {
				ok: false,
				outcome: 'timeout',
				message: `No answer from ${where} within ${seconds(timeoutMs)}. The server may be overloaded or still loading the model.`
			};
		case 'connection': {
			const code = error.networkCode;
			if (code === 'ECONNREFUSED') {
				return {
					ok: false,
					outcome: 'refused',
					message: `The server at ${where} refused the connection. Is it running, and on that port?`
				};
			}
			if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
				return { ok: false, outcome: 'unknown_host', message: `Could not find the host of ${where}. Check the address.` };
			}
			return {
				ok: false,
				outcome: 'unreachable',
				message: `Could not reach ${where}${code ? ` (${code})` : ''}: the connection failed before an answer came back.`
			};
		}
		case 'auth':
			return {
				ok: false,
				outcome: 'auth_rejected',
				status,
				message: endpoint.apiKey
					? '401: the API key was rejected.'
					: '401: the server wants an API key, and none is set.'
			};
		case 'permission':
			return {
				ok: false,
				outcome: 'forbidden',
				status,
				message: `403: the API key is not allowed to use this model or endpoint.${serverSaid}`
			};
		case 'not_found': {
			// Either the model is unknown or the base URL is wrong; the model list tells which.
			let available: string[] | undefined;
			try {
				available = await listModels();
			} catch {
				available = undefined;
			}
			if (available === undefined) {
				return {
					ok: false,
					outcome: 'wrong_url',
					status,
					message: `404: nothing answers at ${where}. Check the base URL (it usually ends in /v1).`
				};
			}
			const shown = available.slice(0, 10).join(', ');
			return {
				ok: false,
				outcome: 'model_not_found',
				status,
				availableModels: available,
				message: `Model not found: the server does not know "${endpoint.model}".${
					available.length ? ` It offers: ${shown}${available.length > 10 ? ', …' : ''}.` : ''
				}`
			};
		}
		case 'bad_request':
			return {
				ok: false,
				outcome: 'rejected_request',
				status,
				message: `${status}: the server rejected the request.${serverSaid}${
					endpoint.apiStyle === 'completions'
						? ' If this is a chat model, choose the chat API style.'
						: ''
				}`
			};
		case 'rate_limited':
			return {
				ok: false,
				outcome: 'rate_limited',
				status,
				message: `429: the server is reachable but says we are over its rate limit or quota.${serverSaid}`
			};
		case 'server_error':
			return {
				ok: false,
				outcome: 'server_error',
				status,
				message: `${status}: the server had an internal error.${serverSaid}`
			};
		default:
			return { ok: false, outcome: 'failed', status, message: `The test failed: ${error.message}` };
	}
}
