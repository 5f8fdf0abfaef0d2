/**
 * "Test connection": one tiny call to the endpoint, reported in plain words for the settings
 * page and the CLI — refused, timed out, host not found (DNS), TLS, wrong key, unknown model…
 * each told apart. Never throws; no string of the report holds the API key.
 */
import { createLlmClient } from './client';
import type { EndpointConfig } from './endpoint';
import { LlmError, redactDeep, saysChatOnly, toLlmError } from './errors';

export type ConnectionOutcome =
	| 'connected'
	| 'refused'
	| 'unknown_host'
	| 'tls'
	| 'timeout'
	| 'unreachable'
	| 'auth_rejected'
	| 'forbidden'
	| 'model_not_found'
	| 'wrong_url'
	| 'rejected_request'
	| 'rate_limited'
	| 'quota'
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
		return redactDeep(
			{
				ok: true,
				outcome: 'connected',
				message: `Connected: model ${reply.model} answered in ${latencyMs} ms (${endpoint.apiStyle} API).`,
				latencyMs,
				model: reply.model
			},
			endpoint.apiKey
		);
	} catch (raw) {
		const error = raw instanceof LlmError ? raw : toLlmError(raw, endpoint.apiKey);
		const report = await explain(error, endpoint, client.listModels.bind(client), timeoutMs, where);
		// Whatever the server said or listed, the key does not leave in any string of a report.
		return redactDeep(report, endpoint.apiKey);
	}
}

const TLS_CERTIFICATE = /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH|ERR_TLS_CERT)/;
const TLS_HANDSHAKE = /^(ERR_SSL_|ERR_TLS_|EPROTO$)/;

/** A connection that failed before any HTTP answer, in plain words: refused, DNS, TLS, or dropped. */
export function describeConnectionFailure(code: string | undefined, where: string): Pick<ConnectionReport, 'outcome' | 'message'> {
	if (code === 'ECONNREFUSED') {
		return { outcome: 'refused', message: `The server at ${where} refused the connection. Is it running, and on that port?` };
	}
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
		return {
			outcome: 'unknown_host',
			message: `Could not find the host of ${where}: the name does not resolve (DNS ${code}). Check the address for a typo${code === 'EAI_AGAIN' ? ', or the network’s name server' : ''}.`
		};
	}
	if (code && TLS_CERTIFICATE.test(code)) {
		const why =
			code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN'
				? 'its certificate is self-signed'
				: code === 'CERT_HAS_EXPIRED'
					? 'its certificate has expired'
					: code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH'
						? 'its certificate is for another host name'
						: 'its certificate is not trusted';
		return {
			outcome: 'tls',
			message: `The secure (https) connection to ${where} failed: ${why} (${code}). Give the server a certificate from a trusted authority, or add its authority with NODE_EXTRA_CA_CERTS.`
		};
	}
	if (code && TLS_HANDSHAKE.test(code)) {
		return {
			outcome: 'tls',
			message: `The secure (https) connection to ${where} failed before any answer (${code}). If the server speaks plain http on that port, use an http:// address.`
		};
	}
	return {
		outcome: 'unreachable',
		message: `Could not reach ${where}${code ? ` (${code})` : ''}: the connection failed before an answer came back.`
	};
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
		case 'connection':
			return { ok: false, ...describeConnectionFailure(error.networkCode, where) };
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
			if (endpoint.apiStyle === 'completions' && saysChatOnly(error)) {
				return {
					ok: false,
					outcome: 'rejected_request',
					status,
					message: `${status}: the server says "${endpoint.model}" is a chat model and does not serve the completions API: choose the chat API style.${serverSaid}`
				};
			}
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
					endpoint.apiStyle === 'completions' && saysChatOnly(error) ? ' It says this is a chat model: choose the chat API style.' : ''
				}`
			};
		case 'quota':
			return {
				ok: false,
				outcome: 'quota',
				status,
				message: `${status}: the server is reachable, but says the account is out of quota or its billing is not set up.${serverSaid}`
			};
		case 'context_length':
		case 'content_filter':
		case 'invalid_request':
			return { ok: false, outcome: 'rejected_request', status, message: `${status}: the server rejected the test request.${serverSaid}` };
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
