/**
 * The OpenAI Files and Batch APIs for the scripted test server (mounted by fake-openai.ts), so
 * tests can drive the official SDK's `files.create` / `batches.create` / `retrieve` / `cancel` /
 * `files.content` through a whole batch lifecycle.
 *
 * Endpoints: POST /v1/files (multipart: file, purpose), GET /v1/files, GET /v1/files/{id},
 * GET /v1/files/{id}/content, DELETE /v1/files/{id}; POST /v1/batches, GET /v1/batches,
 * GET /v1/batches/{id}, POST /v1/batches/{id}/cancel.
 *
 * A batch moves validating → in_progress → finalizing → completed, or to failed (the input file
 * does not validate: `errors.data` names each bad line), expired (the rest of its lines go to
 * the error file with code "batch_expired") or cancelling → cancelled. Each request line is
 * answered by POSTing its body to this same server's /v1/chat/completions or /v1/completions,
 * so the test's script, queued faults, stop sequences and token limits apply to batch lines
 * exactly as to live calls; those requests carry `x-fake-batch: <batch id> <custom_id>`.
 *
 * Output lines follow the API's batch output format — `{id, custom_id, response: {status_code,
 * request_id, body}, error}` — in shuffled order (the API does not keep input order; clients
 * must match by custom_id). A line the server answered with an HTTP error goes to the error
 * file with its `response`; a line that never got an HTTP answer (connection reset, expiry) has
 * `response: null` and an `error` {code, message}. Lines a cancelled batch never started are
 * in neither file.
 *
 * Timing is scripted per batch with a plan (validation delay, time per line, concurrency, hold
 * after starting k lines until `release`, expire after k lines); `expire(id)` and `release(id)`
 * act at once, so a test can keep a batch in flight while it kills and restarts the app.
 */
import type http from 'node:http';
import type { FakeRequestRecord } from './fake-openai';

/** The endpoints a batch may target here (the ones the fake server answers). */
export const FAKE_BATCH_ENDPOINTS = ['/v1/chat/completions', '/v1/completions'] as const;
const FILE_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] as const;
const DAY_SECONDS = 24 * 60 * 60;

export type FakeBatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

export interface FakeBatchPlan {
	/** Time in "validating" before the input is checked (ms). Default 0. */
	validatingMs?: number;
	/** Extra time before each request line is sent (ms). Default 0. */
	perLineMs?: number;
	/** Lines in flight at once. Default 4. */
	concurrency?: number;
	/** Start this many lines, then no more until `release(id)` (they finish; the batch stays in_progress). */
	holdAfterLines?: number;
	/** Run this many lines, then expire (the rest go to the error file as batch_expired). */
	expireAfterLines?: number;
	/** Time in "finalizing" (ms). Default 0. */
	finalizingMs?: number;
	/** Write output lines in input order instead of shuffled. Default false. */
	keepOrder?: boolean;
	/**
	 * Rewrites the output and error files' text before they are stored (empty text: no file), to
	 * play a provider's odd results: lines twice, lines for other requests, a file that is not JSON Lines.
	 */
	rewriteFiles?: (files: { output: string; error: string }) => { output: string; error: string };
}

export interface FakeStoredFile {
	id: string;
	object: 'file';
	bytes: number;
	created_at: number;
	filename: string;
	purpose: string;
	status: 'processed';
	expires_at?: number;
	/** Not part of the API object: the file's text. */
	content: string;
}

export interface FakeBatchError {
	code: string;
	message: string;
	param: string | null;
	line: number | null;
}

/** The batch object as the API returns it (openai's `Batch`). */
export interface FakeBatchObject {
	id: string;
	object: 'batch';
	endpoint: string;
	model?: string;
	errors: { object: 'list'; data: FakeBatchError[] } | null;
	input_file_id: string;
	completion_window: string;
	status: FakeBatchStatus;
	output_file_id: string | null;
	error_file_id: string | null;
	created_at: number;
	in_progress_at: number | null;
	expires_at: number;
	finalizing_at: number | null;
	completed_at: number | null;
	failed_at: number | null;
	expired_at: number | null;
	cancelling_at: number | null;
	cancelled_at: number | null;
	request_counts: { total: number; completed: number; failed: number };
	usage: {
		input_tokens: number;
		input_tokens_details: { cached_tokens: number };
		output_tokens: number;
		output_tokens_details: { reasoning_tokens: number };
		total_tokens: number;
	};
	metadata: Record<string, string> | null;
}

export type FakeBatchPlanner = FakeBatchPlan | ((batch: Readonly<FakeBatchObject>) => FakeBatchPlan);

export interface FakeBatches {
	/** True for the paths this module answers. */
	handles(method: string, path: string): boolean;
	handle(req: http.IncomingMessage, res: http.ServerResponse, record: FakeRequestRecord, body: Buffer): void;
	/** How batches created from now on run (a plan, or a function of the new batch). */
	setPlan(plan: FakeBatchPlanner): void;
	/** Lets a held batch go on. */
	release(batchId: string): void;
	/** Expires a batch now (lines in flight finish; the rest go to the error file). */
	expire(batchId: string): void;
	/** A copy of the batch as `retrieve` would return it. */
	batch(batchId: string): FakeBatchObject | undefined;
	batches(): FakeBatchObject[];
	file(fileId: string): FakeStoredFile | undefined;
	/** Resolves when the batch reaches a final status (completed, failed, expired, cancelled). */
	settled(batchId: string): Promise<FakeBatchObject>;
	close(): void;
}

interface RequestLine {
	line: number;
	customId: string;
	url: string;
	body: Record<string, unknown>;
}

interface LineResult {
	customId: string;
	/** For the output file (2xx) or the error file. */
	ok: boolean;
	json: Record<string, unknown>;
	usage?: { prompt_tokens?: number; completion_tokens?: number };
}

interface BatchState {
	batch: FakeBatchObject;
	plan: FakeBatchPlan;
	authorization: string | undefined;
	released: boolean;
	expireNow: boolean;
	cancelRequested: boolean;
	wake: Array<() => void>;
	settledWaiters: Array<(b: FakeBatchObject) => void>;
}

const FINAL: readonly FakeBatchStatus[] = ['completed', 'failed', 'expired', 'cancelled'];

function now(): number {
	return Math.floor(Date.now() / 1000);
}

function errorBody(message: string, type = 'invalid_request_error', code: string | null = null, param: string | null = null) {
	return { error: { message, type, param, code } };
}

/** Small deterministic shuffle (a fixed LCG), so output order differs from input order. */
function shuffled<T>(items: T[], seed: number): T[] {
	const out = [...items];
	let s = seed >>> 0 || 1;
	for (let i = out.length - 1; i > 0; i--) {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		const j = s % (i + 1);
		[out[i], out[j]] = [out[j], out[i]];
	}
	return out;
}

/**
 * @param origin the server's own origin (http://127.0.0.1:port), read when a batch starts.
 */
export function createFakeBatches(origin: () => string): FakeBatches {
	const files = new Map<string, FakeStoredFile>();
	const states = new Map<string, BatchState>();
	const timers = new Set<NodeJS.Timeout>();
	let planner: FakeBatchPlanner = {};
	let fileCounter = 0;
	let batchCounter = 0;
	let requestCounter = 0;
	let closed = false;

	function sleep(ms: number): Promise<void> {
		if (ms <= 0 || closed) return Promise.resolve();
		return new Promise((resolve) => {
			const t = setTimeout(() => {
				timers.delete(t);
				resolve();
			}, ms);
			timers.add(t);
		});
	}

	function send(res: http.ServerResponse, record: FakeRequestRecord, status: number, payload: unknown, contentType = 'application/json'): void {
		if (res.destroyed || res.writableEnded) return;
		const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
		res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
		res.end(body);
		record.outcome = status;
		record.finishedAt = Date.now();
	}

	function storeFile(filename: string, purpose: string, content: string): FakeStoredFile {
		fileCounter += 1;
		const created = now();
		const file: FakeStoredFile = {
			id: `file-fake${String(fileCounter).padStart(6, '0')}`,
			object: 'file',
			bytes: Buffer.byteLength(content),
			created_at: created,
			filename,
			purpose,
			status: 'processed',
			...(purpose === 'batch' || purpose === 'batch_output' ? { expires_at: created + 30 * DAY_SECONDS } : {}),
			content
		};
		files.set(file.id, file);
		return file;
	}

	function fileObject(file: FakeStoredFile): Omit<FakeStoredFile, 'content'> {
		const { content: _content, ...object } = file;
		return object;
	}

	function snapshot(state: BatchState): FakeBatchObject {
		return structuredClone(state.batch);
	}

	function wakeUp(state: BatchState): void {
		for (const resolve of state.wake.splice(0)) resolve();
	}

	function settle(state: BatchState, status: FakeBatchStatus): void {
		state.batch.status = status;
		const at = now();
		if (status === 'completed') state.batch.completed_at = at;
		if (status === 'failed') state.batch.failed_at = at;
		if (status === 'expired') state.batch.expired_at = at;
		if (status === 'cancelled') state.batch.cancelled_at = at;
		for (const resolve of state.settledWaiters.splice(0)) resolve(snapshot(state));
	}

	/** Checks the input file as the API does before running anything; returns the request lines or the errors. */
	function validate(batch: FakeBatchObject, content: string): { lines: RequestLine[]; errors: FakeBatchError[] } {
		const lines: RequestLine[] = [];
		const errors: FakeBatchError[] = [];
		const seen = new Set<string>();
		let model: string | undefined;
		const texts = content.split('\n');
		if (texts.at(-1) === '') texts.pop();
		if (texts.length === 0) errors.push({ code: 'empty_file', message: 'The input file has no request lines.', param: null, line: null });
		texts.forEach((text, index) => {
			const line = index + 1;
			const bad = (code: string, message: string, param: string | null = null) => errors.push({ code, message, param, line });
			let parsed: unknown;
			try {
				parsed = JSON.parse(text);
			} catch {
				return bad('invalid_json_line', `Line ${line} is not valid JSON.`);
			}
			if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad('invalid_json_line', `Line ${line} is not a JSON object.`);
			const request = parsed as Record<string, unknown>;
			if (typeof request.custom_id !== 'string' || request.custom_id === '') return bad('missing_required_parameter', `Line ${line} has no custom_id.`, 'custom_id');
			if (seen.has(request.custom_id)) return bad('duplicate_custom_id', `The custom_id "${request.custom_id}" on line ${line} is used more than once.`, 'custom_id');
			seen.add(request.custom_id);
			if (request.method !== 'POST') return bad('invalid_method', `Line ${line}: method must be "POST".`, 'method');
			if (request.url !== batch.endpoint) return bad('invalid_url', `Line ${line}: url "${String(request.url)}" does not match the batch endpoint ${batch.endpoint}.`, 'url');
			const body = request.body;
			if (typeof body !== 'object' || body === null || Array.isArray(body)) return bad('missing_required_parameter', `Line ${line} has no body.`, 'body');
			const lineModel = (body as Record<string, unknown>).model;
			if (typeof lineModel !== 'string') return bad('missing_required_parameter', `Line ${line}: body.model is missing.`, 'body.model');
			if (model === undefined) model = lineModel;
			else if (lineModel !== model) return bad('mismatched_model', `Line ${line} uses model "${lineModel}" but the batch uses "${model}"; one model per batch.`, 'body.model');
			lines.push({ line, customId: request.custom_id, url: request.url, body: body as Record<string, unknown> });
		});
		if (model !== undefined) batch.model = model;
		return { lines, errors };
	}

	async function answerLine(state: BatchState, request: RequestLine): Promise<LineResult> {
		requestCounter += 1;
		const requestId = `req_fake${requestCounter}`;
		const id = `batch_req_fake${requestCounter}`;
		try {
			const response = await fetch(`${origin()}${request.url}`, {
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'x-fake-batch': `${state.batch.id} ${request.customId}`,
					...(state.authorization ? { authorization: state.authorization } : {})
				},
				body: JSON.stringify(request.body)
			});
			const text = await response.text();
			let body: unknown;
			try {
				body = JSON.parse(text);
			} catch {
				body = { error: { message: text, type: 'server_error', param: null, code: null } };
			}
			const usage = (body as { usage?: LineResult['usage'] }).usage;
			return {
				customId: request.customId,
				ok: response.ok,
				json: { id, custom_id: request.customId, response: { status_code: response.status, request_id: requestId, body }, error: null },
				usage: response.ok ? usage : undefined
			};
		} catch (error) {
			return {
				customId: request.customId,
				ok: false,
				json: { id, custom_id: request.customId, response: null, error: { code: 'server_error', message: `The request failed: ${(error as Error).message}` } }
			};
		}
	}

	function writeResults(state: BatchState, results: LineResult[], notRun: RequestLine[], notRunError: { code: string; message: string } | null): void {
		const batch = state.batch;
		const seed = Number(batch.id.replace(/\D/g, '')) || 1;
		const order = (items: LineResult[]) => (state.plan.keepOrder ? items : shuffled(items, seed));
		const good = order(results.filter((r) => r.ok));
		const failed = results.filter((r) => !r.ok);
		if (notRunError) {
			for (const request of notRun) {
				requestCounter += 1;
				failed.push({
					customId: request.customId,
					ok: false,
					json: { id: `batch_req_fake${requestCounter}`, custom_id: request.customId, response: null, error: notRunError }
				});
			}
		}
		const jsonl = (items: LineResult[]) => items.map((r) => `${JSON.stringify(r.json)}\n`).join('');
		const written = { output: jsonl(good), error: jsonl(order(failed)) };
		const text = state.plan.rewriteFiles ? state.plan.rewriteFiles(written) : written;
		if (text.output) batch.output_file_id = storeFile(`${batch.id}_output.jsonl`, 'batch_output', text.output).id;
		if (text.error) batch.error_file_id = storeFile(`${batch.id}_error.jsonl`, 'batch_output', text.error).id;
		batch.request_counts.completed = good.length;
		batch.request_counts.failed = failed.length;
	}

	async function run(state: BatchState): Promise<void> {
		const batch = state.batch;
		await sleep(state.plan.validatingMs ?? 0);
		if (closed) return;
		const input = files.get(batch.input_file_id);
		const { lines, errors } = validate(batch, input?.content ?? '');
		if (errors.length) {
			batch.errors = { object: 'list', data: errors };
			settle(state, 'failed');
			return;
		}
		if (state.cancelRequested) {
			settle(state, 'cancelled');
			return;
		}
		batch.status = 'in_progress';
		batch.in_progress_at = now();
		batch.request_counts.total = lines.length;

		const results: LineResult[] = [];
		const pending = [...lines];
		let started = 0;
		let stopReason: 'expired' | 'cancelled' | null = null;
		const stopCheck = (): boolean => {
			if (closed) return true;
			if (state.cancelRequested) stopReason = 'cancelled';
			else if (state.expireNow || (state.plan.expireAfterLines !== undefined && started >= state.plan.expireAfterLines)) stopReason = 'expired';
			return stopReason !== null;
		};
		const worker = async () => {
			for (;;) {
				// Held: wait for release (or expiry / cancellation, which also wake the batch).
				while (state.plan.holdAfterLines !== undefined && started >= state.plan.holdAfterLines && !state.released && !stopCheck()) {
					await new Promise<void>((resolve) => state.wake.push(resolve));
				}
				if (stopCheck()) return;
				const request = pending.shift();
				if (!request) return;
				started += 1;
				await sleep(state.plan.perLineMs ?? 0);
				const result = await answerLine(state, request);
				results.push(result);
				const usage = result.usage;
				if (usage) {
					batch.usage.input_tokens += usage.prompt_tokens ?? 0;
					batch.usage.output_tokens += usage.completion_tokens ?? 0;
					batch.usage.total_tokens = batch.usage.input_tokens + batch.usage.output_tokens;
				}
				if (result.ok) batch.request_counts.completed += 1;
				else batch.request_counts.failed += 1;
			}
		};
		const concurrency = Math.max(1, state.plan.concurrency ?? 4);
		await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, lines.length)) }, worker));
		if (closed) return;

		if (stopReason === 'cancelled') {
			writeResults(state, results, pending, null);
			settle(state, 'cancelled');
			return;
		}
		if (stopReason === 'expired') {
			writeResults(state, results, pending, {
				code: 'batch_expired',
				message: 'This request could not be executed before the completion window expired.'
			});
			settle(state, 'expired');
			return;
		}
		batch.status = 'finalizing';
		batch.finalizing_at = now();
		await sleep(state.plan.finalizingMs ?? 0);
		if (closed) return;
		writeResults(state, results, [], null);
		settle(state, 'completed');
	}

	async function createFile(req: http.IncomingMessage, res: http.ServerResponse, record: FakeRequestRecord, body: Buffer): Promise<void> {
		const contentType = req.headers['content-type'] ?? '';
		if (!contentType.startsWith('multipart/form-data')) {
			return send(res, record, 400, errorBody('Uploads must be multipart/form-data with "file" and "purpose".'));
		}
		let form: FormData;
		try {
			form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
		} catch (error) {
			return send(res, record, 400, errorBody(`Could not read the multipart body: ${(error as Error).message}`));
		}
		const purpose = form.get('purpose');
		const file = form.get('file');
		if (typeof purpose !== 'string' || !(FILE_PURPOSES as readonly string[]).includes(purpose)) {
			return send(res, record, 400, errorBody(`'purpose' must be one of ${FILE_PURPOSES.join(', ')}; got ${JSON.stringify(purpose)}.`, 'invalid_request_error', null, 'purpose'));
		}
		if (file === null || typeof file === 'string') {
			return send(res, record, 400, errorBody("'file' is required.", 'invalid_request_error', null, 'file'));
		}
		const filename = (file as File).name || 'upload';
		if (purpose === 'batch' && !filename.endsWith('.jsonl')) {
			return send(res, record, 400, errorBody(`Batch input files must be .jsonl; got "${filename}".`, 'invalid_request_error', null, 'file'));
		}
		const stored = storeFile(filename, purpose, await (file as Blob).text());
		send(res, record, 200, fileObject(stored));
	}

	function createBatch(req: http.IncomingMessage, res: http.ServerResponse, record: FakeRequestRecord, body: Buffer): void {
		let params: Record<string, unknown>;
		try {
			const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
			if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
			params = parsed as Record<string, unknown>;
		} catch {
			return send(res, record, 400, errorBody('Body is not a JSON object'));
		}
		record.body = params;
		const inputFileId = params.input_file_id;
		const input = typeof inputFileId === 'string' ? files.get(inputFileId) : undefined;
		if (!input) return send(res, record, 404, errorBody(`No such File object: ${String(inputFileId)}`, 'invalid_request_error', null, 'input_file_id'));
		if (input.purpose !== 'batch') {
			return send(res, record, 400, errorBody(`File ${input.id} was uploaded with purpose "${input.purpose}", not "batch".`, 'invalid_request_error', null, 'input_file_id'));
		}
		if (params.completion_window !== '24h') {
			return send(res, record, 400, errorBody(`completion_window must be "24h"; got ${JSON.stringify(params.completion_window)}.`, 'invalid_request_error', null, 'completion_window'));
		}
		if (typeof params.endpoint !== 'string' || !(FAKE_BATCH_ENDPOINTS as readonly string[]).includes(params.endpoint)) {
			return send(res, record, 400, errorBody(`endpoint must be one of ${FAKE_BATCH_ENDPOINTS.join(', ')} on this server; got ${JSON.stringify(params.endpoint)}.`, 'invalid_request_error', null, 'endpoint'));
		}
		batchCounter += 1;
		const created = now();
		const batch: FakeBatchObject = {
			id: `batch_fake${String(batchCounter).padStart(6, '0')}`,
			object: 'batch',
			endpoint: params.endpoint,
			errors: null,
			input_file_id: input.id,
			completion_window: '24h',
			status: 'validating',
			output_file_id: null,
			error_file_id: null,
			created_at: created,
			in_progress_at: null,
			expires_at: created + DAY_SECONDS,
			finalizing_at: null,
			completed_at: null,
			failed_at: null,
			expired_at: null,
			cancelling_at: null,
			cancelled_at: null,
			request_counts: { total: 0, completed: 0, failed: 0 },
			usage: {
				input_tokens: 0,
				input_tokens_details: { cached_tokens: 0 },
				output_tokens: 0,
				output_tokens_details: { reasoning_tokens: 0 },
				total_tokens: 0
			},
			metadata: (params.metadata as Record<string, string> | undefined) ?? null
		};
		const plan = typeof planner === 'function' ? planner(batch) : planner;
		const state: BatchState = {
			batch,
			plan,
			authorization: req.headers.authorization,
			released: false,
			expireNow: false,
			cancelRequested: false,
			wake: [],
			settledWaiters: []
		};
		states.set(batch.id, state);
		send(res, record, 200, snapshot(state));
		void run(state);
	}

	function cancelBatch(res: http.ServerResponse, record: FakeRequestRecord, state: BatchState): void {
		if (FINAL.includes(state.batch.status)) {
			return send(res, record, 409, errorBody(`Cannot cancel a batch with status ${state.batch.status}.`));
		}
		if (!state.cancelRequested) {
			state.cancelRequested = true;
			state.batch.status = 'cancelling';
			state.batch.cancelling_at = now();
			wakeUp(state);
		}
		send(res, record, 200, snapshot(state));
	}

	const list = (data: Array<{ id: string }>) => ({
		object: 'list',
		data,
		first_id: data[0]?.id ?? null,
		last_id: data.at(-1)?.id ?? null,
		has_more: false
	});

	return {
		handles(method, path) {
			return /^\/v1\/(files|batches)(\/|$)/.test(path) && ['GET', 'POST', 'DELETE'].includes(method);
		},
		handle(req, res, record, body) {
			const method = record.method;
			const parts = record.path.split('/').filter(Boolean); // ['v1', 'files' | 'batches', id?, action?]
			const [, kind, id, action] = parts;
			if (kind === 'files') {
				if (method === 'POST' && !id) return void createFile(req, res, record, body);
				if (method === 'GET' && !id) return send(res, record, 200, list([...files.values()].map(fileObject)));
				const file = id ? files.get(id) : undefined;
				if (!file) return send(res, record, 404, errorBody(`No such File object: ${id}`, 'invalid_request_error', null, 'id'));
				if (method === 'GET' && !action) return send(res, record, 200, fileObject(file));
				if (method === 'GET' && action === 'content') return send(res, record, 200, file.content, 'application/octet-stream');
				if (method === 'DELETE' && !action) {
					files.delete(file.id);
					return send(res, record, 200, { id: file.id, object: 'file', deleted: true });
				}
			} else {
				if (method === 'POST' && !id) return createBatch(req, res, record, body);
				if (method === 'GET' && !id) return send(res, record, 200, list([...states.values()].map(snapshot).reverse()));
				const state = id ? states.get(id) : undefined;
				if (!state) return send(res, record, 404, errorBody(`No batch found with id '${id}'.`, 'invalid_request_error', null, 'id'));
				if (method === 'GET' && !action) return send(res, record, 200, snapshot(state));
				if (method === 'POST' && action === 'cancel') return cancelBatch(res, record, state);
			}
			send(res, record, 404, errorBody(`No route for ${method} ${record.path}`));
		},
		setPlan(plan) {
			planner = plan;
		},
		release(batchId) {
			const state = states.get(batchId);
			if (!state) throw new Error(`no batch ${batchId}`);
			state.released = true;
			wakeUp(state);
		},
		expire(batchId) {
			const state = states.get(batchId);
			if (!state) throw new Error(`no batch ${batchId}`);
			state.expireNow = true;
			wakeUp(state);
		},
		batch(batchId) {
			const state = states.get(batchId);
			return state ? snapshot(state) : undefined;
		},
		batches() {
			return [...states.values()].map(snapshot);
		},
		file(fileId) {
			return files.get(fileId);
		},
		settled(batchId) {
			const state = states.get(batchId);
			if (!state) return Promise.reject(new Error(`no batch ${batchId}`));
			if (FINAL.includes(state.batch.status)) return Promise.resolve(snapshot(state));
			return new Promise((resolve) => state.settledWaiters.push(resolve));
		},
		close() {
			closed = true;
			for (const t of timers) clearTimeout(t);
			timers.clear();
			for (const state of states.values()) wakeUp(state);
		}
	};
}
