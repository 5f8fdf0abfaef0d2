/**
 * A scripted OpenAI-compatible HTTP server for tests and benchmarks. Tests start it on
 * 127.0.0.1 with a random port and point the real `openai` SDK at `url`; nothing is mocked.
 *
 * Serves POST /v1/completions, POST /v1/chat/completions and GET /v1/models. Replies come from
 * a script (a function of the request), so a test can answer Self-Instruct / Unnatural prompts
 * deterministically; faults (5xx, 429 with Retry-After, connection reset, hang) can be scripted
 * per request or queued with `failNext`, and errors about a prompt (context length, content
 * policy, a rejected parameter, a reply cut by the content filter) answered on a fraction of
 * prompts with `promptFaults`. Like a real server it applies `stop` sequences and cuts replies
 * at `max_tokens` (finish_reason "length"), counting one token per whitespace-separated word.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createFakeBatches, type FakeBatches } from './fake-openai-batches';

export type FakeApi = 'completions' | 'chat';

/** What the script sees of one generation request. */
export interface FakeGenerationRequest {
	api: FakeApi;
	/** The completion prompt, or the chat messages' contents joined by blank lines. */
	prompt: string;
	model: string;
	/** The parsed JSON body as sent. */
	body: Record<string, unknown>;
	/** Running number of this request on the server, from 1 (all endpoints). */
	seq: number;
	headers: http.IncomingHttpHeaders;
}

/** A successful reply. `text` may be an array for `n` > 1 (one per choice). */
export interface FakeTextReply {
	text: string | string[];
	/** Force a finish reason; by default it follows from stop / max_tokens. */
	finishReason?: 'stop' | 'length' | 'content_filter';
	promptTokens?: number;
	completionTokens?: number;
	/** Overrides the server's latency for this reply. */
	latencyMs?: number;
}

export type FakeFault =
	/** An HTTP error with an OpenAI-style JSON error body. */
	| {
			fault: 'status';
			status: number;
			message?: string;
			code?: string;
			/** The request parameter blamed (OpenAI's `param`). */
			param?: string;
			/** OpenAI's `type` (default from the status). */
			type?: string;
			/** A whole body instead of OpenAI's `{error: {…}}` (e.g. vLLM's `{object: "error", message, …}`). */
			body?: unknown;
			/** Sets `Retry-After` (seconds, may be fractional). */
			retryAfterSeconds?: number;
			/** Sets `retry-after-ms`. */
			retryAfterMs?: number;
			/** Sets `Retry-After` to an HTTP date. */
			retryAfterDate?: Date;
			headers?: Record<string, string>;
			latencyMs?: number;
	  }
	/** The socket is destroyed after the request body is read: the client sees ECONNRESET. */
	| { fault: 'reset'; latencyMs?: number }
	/** Never answers; the client must time out (the socket is closed by `close()`). */
	| { fault: 'hang' }
	/** A body sent as is, whatever it holds (a proxy's HTML page with status 200 and a JSON content type). */
	| { fault: 'raw'; body: string; status?: number; contentType?: string; latencyMs?: number };

export type FakeReply = string | FakeTextReply | FakeFault;
export type FakeScript = (request: FakeGenerationRequest) => FakeReply | Promise<FakeReply>;

/**
 * An answer given instead of the script's to a share of the prompts: which prompts is decided
 * by a hash of the prompt, so the same prompt always gets it (as a real context-length error
 * would), until the fault is removed or `match` no longer holds (e.g. another model).
 */
export interface PromptFault {
	/** Share of matching prompts, 0–1. */
	share: number;
	/** Requests it may hit (default: every generation request). */
	match?: (request: FakeGenerationRequest) => boolean;
	reply: FakeReply | ((request: FakeGenerationRequest) => FakeReply);
}

export interface FakeOpenAIOptions {
	script?: FakeScript;
	/** Delay before each answer (ms), or a function of the request. Default 0. */
	latencyMs?: number | ((request: FakeGenerationRequest) => number);
	/** When set, requests must carry `Authorization: Bearer <apiKey>`, else 401. */
	apiKey?: string;
	/** Models listed by /v1/models. When given, generation requests for any other model get 404. */
	models?: string[];
	/**
	 * Server-side rate limit: at most `requests` generation requests accepted in any sliding
	 * window of `perMs`; excess ones get 429 with Retry-After / retry-after-ms until a slot frees.
	 */
	rateLimit?: { requests: number; perMs: number };
	/** At most this many generation requests in flight; excess ones get 429 (Retry-After: 0). */
	maxConcurrent?: number;
	/** Apply `stop` and `max_tokens` like a real server (default true). */
	applyStopAndMaxTokens?: boolean;
	/** Errors (or content-filtered replies) on a share of the prompts; see PromptFault. */
	promptFaults?: PromptFault[];
	/** /v1/models lists the Authorization header it received as a model, as a careless server might. */
	echoAuthInModels?: boolean;
}

export interface FakeRequestRecord {
	seq: number;
	method: string;
	path: string;
	api?: FakeApi;
	body?: Record<string, unknown>;
	headers: http.IncomingHttpHeaders;
	receivedAt: number;
	/** How it ended: the HTTP status sent, or 'reset' / 'hang' / 'client-closed'. */
	outcome?: number | 'reset' | 'hang' | 'client-closed';
	/** Text of the first choice when the reply succeeded. */
	replyText?: string;
	finishReason?: string;
	finishedAt?: number;
}

export interface FakeOpenAI {
	/** Base URL ending in /v1, e.g. http://127.0.0.1:41234/v1 */
	url: string;
	/** Every request received, in arrival order. */
	requests: FakeRequestRecord[];
	/** Generation requests currently being answered, and the most ever at once. */
	readonly inFlight: number;
	readonly maxInFlight: number;
	setScript(script: FakeScript): void;
	setLatency(latencyMs: NonNullable<FakeOpenAIOptions['latencyMs']>): void;
	/** The next `times` generation requests get this fault instead of the script's reply. */
	failNext(fault: FakeFault, times?: number): void;
	/** Queues faults for the next Files/Batch API requests (uploads, creates, polls), not model calls. */
	failBatchApiNext(fault: FakeFault, times?: number): void;
	setPromptFaults(faults: PromptFault[]): void;
	/** Generation requests only (completions + chat). */
	generationRequests(): FakeRequestRecord[];
	/** The Files and Batch APIs (fake-openai-batches.ts): plans, release, expire, inspection. */
	batches: FakeBatches;
	close(): Promise<void>;
}

/** FNV-1a, for choosing prompts deterministically. */
function hashText(text: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		h ^= text.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
}

/** Whether `fault` (the i-th of the list) hits this request. */
export function promptFaultHits(fault: PromptFault, index: number, request: FakeGenerationRequest): boolean {
	if (fault.match && !fault.match(request)) return false;
	return hashText(`${index}\u0000${request.prompt}`) / 2 ** 32 < fault.share;
}

/** OpenAI's 400 for a prompt that does not fit, with the numbers of this request. */
export function contextLengthError(request: FakeGenerationRequest, limit: number): FakeFault {
	const prompt = countFakeTokens(request.prompt);
	const completion = typeof request.body.max_tokens === 'number' ? request.body.max_tokens : 16;
	const where = request.api === 'chat' ? 'messages' : 'prompt';
	return {
		fault: 'status',
		status: 400,
		code: 'context_length_exceeded',
		param: where,
		message: `This model's maximum context length is ${limit} tokens. However, you requested ${prompt + completion} tokens (${prompt} in the ${where === 'messages' ? 'messages' : 'prompt'}, ${completion} in the completion). Please reduce the length of the ${where} or completion.`
	};
}

/** vLLM's shape of the same error: no `error` wrapper, no code. */
export function vllmContextLengthError(request: FakeGenerationRequest, limit: number): FakeFault {
	const prompt = countFakeTokens(request.prompt);
	const completion = typeof request.body.max_tokens === 'number' ? request.body.max_tokens : 16;
	return {
		fault: 'status',
		status: 400,
		body: {
			object: 'error',
			message: `This model's maximum context length is ${limit} tokens. However, you requested ${prompt + completion} tokens (${prompt} in the messages, ${completion} in the completion). Please reduce the length of the messages or completion.`,
			type: 'BadRequestError',
			param: null,
			code: 400
		}
	};
}

/** Azure OpenAI's 400 for a prompt its content policy refuses. */
export const CONTENT_POLICY_ERROR: FakeFault = {
	fault: 'status',
	status: 400,
	code: 'content_filter',
	param: 'prompt',
	message:
		"The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry."
};

/** A 400 naming one parameter of the request. */
export function invalidParameterError(param: string, message: string): FakeFault {
	return { fault: 'status', status: 400, code: 'invalid_value', param, message };
}

/** A reply the content filter stopped part-way. */
export const CONTENT_FILTERED_REPLY: FakeTextReply = { text: 'I can start with', finishReason: 'content_filter' };

/** Default script: echoes a short, fixed reply so a test that does not care still gets text. */
const defaultScript: FakeScript = () => 'OK';

/** One token per whitespace-separated word: crude, deterministic, good enough for limits. */
export function countFakeTokens(text: string): number {
	const words = text.trim().split(/\s+/);
	return words[0] === '' ? 0 : words.length;
}

/** Cut `text` at the first stop sequence, then at `maxTokens` words, as a server would. */
export function applyStopAndLength(
	text: string,
	stop: string[],
	maxTokens: number | undefined
): { text: string; finishReason: 'stop' | 'length' } {
	let cut = text;
	let earliest = -1;
	for (const s of stop) {
		if (!s) continue;
		const at = cut.indexOf(s);
		if (at !== -1 && (earliest === -1 || at < earliest)) earliest = at;
	}
	if (earliest !== -1) cut = cut.slice(0, earliest);
	if (maxTokens !== undefined && countFakeTokens(cut) > maxTokens) {
		// Keep the first maxTokens words with the whitespace that preceded each of them.
		const re = /\s*\S+/g;
		let end = 0;
		for (let i = 0; i < maxTokens; i++) {
			const m = re.exec(cut);
			if (!m) break;
			end = m.index + m[0].length;
		}
		return { text: cut.slice(0, end), finishReason: 'length' };
	}
	return { text: cut, finishReason: 'stop' };
}

function promptOf(api: FakeApi, body: Record<string, unknown>): string {
	if (api === 'completions') {
		const p = body.prompt;
		if (typeof p === 'string') return p;
		if (Array.isArray(p)) return p.map(String).join('\n');
		return '';
	}
	const messages = Array.isArray(body.messages) ? body.messages : [];
	return messages
		.map((m) => {
			const content = (m as { content?: unknown }).content;
			if (typeof content === 'string') return content;
			if (Array.isArray(content)) {
				return content.map((part) => String((part as { text?: unknown }).text ?? '')).join('');
			}
			return '';
		})
		.join('\n\n');
}

function stopList(stop: unknown): string[] {
	if (typeof stop === 'string') return [stop];
	if (Array.isArray(stop)) return stop.filter((s): s is string => typeof s === 'string');
	return [];
}

function isFault(reply: FakeReply): reply is FakeFault {
	return typeof reply === 'object' && 'fault' in reply;
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
	let script = options.script ?? defaultScript;
	let promptFaults = options.promptFaults ?? [];
	let latency = options.latencyMs ?? 0;
	const applyLimits = options.applyStopAndMaxTokens ?? true;
	const requests: FakeRequestRecord[] = [];
	const queuedFaults: FakeFault[] = [];
	const queuedBatchApiFaults: FakeFault[] = [];
	const acceptedAt: number[] = []; // times of accepted generation requests, for rateLimit
	const sockets = new Set<Socket>();
	const timers = new Set<NodeJS.Timeout>();
	let seq = 0;
	let completionId = 0;
	let inFlight = 0;
	let maxInFlight = 0;
	let origin = '';
	const batches = createFakeBatches(() => origin);

	function later(ms: number, fn: () => void): NodeJS.Timeout {
		const t = setTimeout(() => {
			timers.delete(t);
			fn();
		}, ms);
		timers.add(t);
		return t;
	}

	function sendJson(
		res: http.ServerResponse,
		record: FakeRequestRecord,
		status: number,
		payload: unknown,
		headers: Record<string, string> = {}
	): void {
		if (res.destroyed || res.writableEnded) return;
		const body = JSON.stringify(payload);
		res.writeHead(status, {
			'content-type': 'application/json',
			'content-length': Buffer.byteLength(body),
			...headers
		});
		res.end(body);
		record.outcome = status;
		record.finishedAt = Date.now();
	}

	function errorBody(message: string, type: string, code: string | null = null, param: string | null = null) {
		return { error: { message, type, param, code } };
	}

	/** Sliding-window check; returns ms until a slot frees, or 0 if accepted now. */
	function rateLimitWait(now: number): number {
		const limit = options.rateLimit;
		if (!limit) return 0;
		while (acceptedAt.length && acceptedAt[0] <= now - limit.perMs) acceptedAt.shift();
		if (acceptedAt.length < limit.requests) {
			acceptedAt.push(now);
			return 0;
		}
		return Math.max(1, acceptedAt[0] + limit.perMs - now);
	}

	function sendFault(
		req: http.IncomingMessage,
		res: http.ServerResponse,
		record: FakeRequestRecord,
		fault: FakeFault,
		done: () => void
	): void {
		if (fault.fault === 'hang') {
			record.outcome = 'hang';
			done();
			return; // the socket stays open until the client gives up or close() destroys it
		}
		const act = () => {
			if (fault.fault === 'reset') {
				record.outcome = 'reset';
				record.finishedAt = Date.now();
				req.socket.destroy();
				done();
				return;
			}
			if (fault.fault === 'raw') {
				const status = fault.status ?? 200;
				res.writeHead(status, { 'content-type': fault.contentType ?? 'application/json', 'content-length': Buffer.byteLength(fault.body) });
				res.end(fault.body);
				record.outcome = status;
				record.finishedAt = Date.now();
				done();
				return;
			}
			const headers: Record<string, string> = { ...fault.headers };
			if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
			if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
			if (fault.retryAfterDate) headers['retry-after'] = fault.retryAfterDate.toUTCString();
			const type =
				fault.type ?? (fault.status === 429 ? 'rate_limit_error' : fault.status >= 500 ? 'server_error' : 'invalid_request_error');
			sendJson(
				res,
				record,
				fault.status,
				fault.body ?? errorBody(fault.message ?? `Scripted error ${fault.status}`, type, fault.code ?? null, fault.param ?? null),
				headers
			);
			done();
		};
		const ms = fault.latencyMs ?? 0;
		if (ms > 0) later(ms, act);
		else act();
	}

	async function handleGeneration(
		req: http.IncomingMessage,
		res: http.ServerResponse,
		record: FakeRequestRecord,
		api: FakeApi,
		body: Record<string, unknown>
	): Promise<void> {
		const model = typeof body.model === 'string' ? body.model : '';
		const request: FakeGenerationRequest = {
			api,
			prompt: promptOf(api, body),
			model,
			body,
			seq: record.seq,
			headers: req.headers
		};

		if (options.models && !options.models.includes(model)) {
			sendJson(
				res,
				record,
				404,
				errorBody(`The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found')
			);
			return;
		}
		if (options.maxConcurrent !== undefined && inFlight >= options.maxConcurrent) {
			sendJson(res, record, 429, errorBody('Too many concurrent requests', 'rate_limit_error'), {
				'retry-after': '0'
			});
			return;
		}
		const wait = rateLimitWait(Date.now());
		if (wait > 0) {
			sendJson(res, record, 429, errorBody('Rate limit reached for requests', 'rate_limit_error', 'rate_limit_exceeded'), {
				'retry-after': String(Math.ceil(wait / 1000)),
				'retry-after-ms': String(wait)
			});
			return;
		}

		inFlight++;
		maxInFlight = Math.max(maxInFlight, inFlight);
		let finished = false;
		const done = () => {
			if (finished) return;
			finished = true;
			inFlight--;
		};
		res.on('close', () => {
			if (!res.writableEnded && record.outcome === undefined) {
				record.outcome = 'client-closed';
				record.finishedAt = Date.now();
			}
			done();
		});

		const queued = queuedFaults.shift();
		if (queued) {
			sendFault(req, res, record, queued, done);
			return;
		}
		let reply: FakeReply;
		try {
			const index = promptFaults.findIndex((f, i) => promptFaultHits(f, i, request));
			const fault = index === -1 ? undefined : promptFaults[index];
			reply = fault ? (typeof fault.reply === 'function' ? fault.reply(request) : fault.reply) : await script(request);
		} catch (err) {
			sendJson(res, record, 500, errorBody(`Script failed: ${(err as Error).message}`, 'server_error'));
			done();
			return;
		}
		if (isFault(reply)) {
			sendFault(req, res, record, reply, done);
			return;
		}
		const textReply: FakeTextReply = typeof reply === 'string' ? { text: reply } : reply;
		const ms = textReply.latencyMs ?? (typeof latency === 'function' ? latency(request) : latency);
		const answer = () => {
			if (res.destroyed) return done();
			const n = typeof body.n === 'number' && body.n > 1 ? body.n : 1;
			const texts = Array.isArray(textReply.text) ? textReply.text : [textReply.text];
			const stop = stopList(body.stop);
			const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
			const choices = Array.from({ length: n }, (_, index) => {
				const raw = texts[index % texts.length] ?? '';
				const limited = applyLimits ? applyStopAndLength(raw, stop, maxTokens) : { text: raw, finishReason: 'stop' as const };
				return { index, text: limited.text, finishReason: textReply.finishReason ?? limited.finishReason };
			});
			const promptTokens = textReply.promptTokens ?? countFakeTokens(request.prompt);
			const completionTokens =
				textReply.completionTokens ?? choices.reduce((sum, c) => sum + countFakeTokens(c.text), 0);
			const usage = {
				prompt_tokens: promptTokens,
				completion_tokens: completionTokens,
				total_tokens: promptTokens + completionTokens
			};
			const created = Math.floor(Date.now() / 1000);
			completionId++;
			const payload =
				api === 'completions'
					? {
							id: `cmpl-fake-${completionId}`,
							object: 'text_completion',
							created,
							model,
							choices: choices.map((c) => ({
								index: c.index,
								text: c.text,
								logprobs: null,
								finish_reason: c.finishReason
							})),
							usage
						}
					: {
							id: `chatcmpl-fake-${completionId}`,
							object: 'chat.completion',
							created,
							model,
							choices: choices.map((c) => ({
								index: c.index,
								message: { role: 'assistant', content: c.text, refusal: null },
								logprobs: null,
								finish_reason: c.finishReason
							})),
							usage
						};
			record.replyText = choices[0].text;
			record.finishReason = choices[0].finishReason;
			sendJson(res, record, 200, payload);
			done();
		};
		if (ms > 0) later(ms, answer);
		else answer();
	}

	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const record: FakeRequestRecord = {
				seq: ++seq,
				method: req.method ?? 'GET',
				path: (req.url ?? '/').split('?')[0],
				headers: req.headers,
				receivedAt: Date.now()
			};
			requests.push(record);

			if (options.apiKey !== undefined) {
				const auth = req.headers.authorization ?? '';
				const sent = auth.replace(/^Bearer\s+/i, '');
				if (sent !== options.apiKey) {
					// Echo the key back in full, as a careless server might: the client must not
					// let it reach an error message.
					sendJson(
						res,
						record,
						401,
						errorBody(`Incorrect API key provided: ${sent}.`, 'invalid_request_error', 'invalid_api_key')
					);
					return;
				}
			}

			if (batches.handles(record.method, record.path)) {
				const fault = queuedBatchApiFaults.shift();
				if (fault) {
					sendFault(req, res, record, fault, () => {});
					return;
				}
				batches.handle(req, res, record, Buffer.concat(chunks));
				return;
			}

			if (record.method === 'GET' && record.path === '/v1/models') {
				const ids = [...(options.models ?? ['fake-model']), ...(options.echoAuthInModels ? [`served for ${req.headers.authorization ?? 'nobody'}`] : [])];
				sendJson(res, record, 200, {
					object: 'list',
					data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake-openai' }))
				});
				return;
			}

			const api: FakeApi | undefined =
				record.method === 'POST' && record.path === '/v1/completions'
					? 'completions'
					: record.method === 'POST' && record.path === '/v1/chat/completions'
						? 'chat'
						: undefined;
			if (!api) {
				sendJson(res, record, 404, errorBody(`No route for ${record.method} ${record.path}`, 'invalid_request_error'));
				return;
			}
			let body: Record<string, unknown>;
			try {
				const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
				if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
				body = parsed as Record<string, unknown>;
			} catch {
				sendJson(res, record, 400, errorBody('Body is not a JSON object', 'invalid_request_error'));
				return;
			}
			record.api = api;
			record.body = body;
			const missing = api === 'completions' ? body.prompt === undefined : !Array.isArray(body.messages);
			if (missing) {
				sendJson(
					res,
					record,
					400,
					errorBody(api === 'completions' ? 'Missing prompt' : 'Missing messages', 'invalid_request_error')
				);
				return;
			}
			void handleGeneration(req, res, record, api, body);
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	// Many concurrent keep-alive clients (benchmarks run 32+ at once).
	server.keepAliveTimeout = 30_000;

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	origin = `http://127.0.0.1:${port}`;

	return {
		url: `http://127.0.0.1:${port}/v1`,
		requests,
		get inFlight() {
			return inFlight;
		},
		get maxInFlight() {
			return maxInFlight;
		},
		setScript(next) {
			script = next;
		},
		setLatency(next) {
			latency = next;
		},
		setPromptFaults(faults) {
			promptFaults = faults;
		},
		failNext(fault, times = 1) {
			for (let i = 0; i < times; i++) queuedFaults.push(fault);
		},
		failBatchApiNext(fault, times = 1) {
			for (let i = 0; i < times; i++) queuedBatchApiFaults.push(fault);
		},
		generationRequests() {
			return requests.filter((r) => r.api !== undefined);
		},
		batches,
		close() {
			batches.close();
			for (const t of timers) clearTimeout(t);
			timers.clear();
			for (const s of sockets) s.destroy();
			return new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
