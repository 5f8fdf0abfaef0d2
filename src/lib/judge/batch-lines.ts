/**
 * The OpenAI Batch API's file formats, pure: the JSONL input file (one request per line,
 * `{custom_id, method: "POST", url, body}`) and the output / error files (one result per line,
 * `{id, custom_id, response: {status_code, request_id, body} | null, error: {code, message} | null}`).
 * Results come back in any order; they are matched to requests by custom_id only.
 *
 * The request body (model, prompt or messages, decoding) is built by the llm client, the one
 * place that knows how our decoding parameters map to each API, so live and batched calls send
 * the same thing.
 */

/** Endpoints a judge or generation batch can target. */
export const BATCH_ENDPOINTS = ['/v1/chat/completions', '/v1/completions'] as const;
export type BatchEndpoint = (typeof BATCH_ENDPOINTS)[number];

/** The API's limits on one input file: 50,000 requests and 200 MB. */
export const BATCH_LIMITS = { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 } as const;

export interface BatchRequest {
	/** Unique within the batch; ours is stable per call so a result always finds its call. */
	customId: string;
	body: Readonly<Record<string, unknown>>;
}

/** The custom_id of a judge call: run and call ids, so a stray line can never match another run. */
export function judgeCustomId(runId: number, callId: number): string {
	return `judge-${runId}-call-${callId}`;
}

/** The run and call a custom_id names, or null when it is not one of ours. */
export function parseJudgeCustomId(customId: string): { runId: number; callId: number } | null {
	const match = /^judge-(\d+)-call-(\d+)$/.exec(customId);
	return match ? { runId: Number(match[1]), callId: Number(match[2]) } : null;
}

/** One input line, newline-terminated. */
export function batchRequestLine(endpoint: BatchEndpoint, request: BatchRequest): string {
	return `${JSON.stringify({ custom_id: request.customId, method: 'POST', url: endpoint, body: request.body })}\n`;
}

/**
 * Splits requests into input files within the limits (requests per file, bytes per file), in
 * order. Throws on a duplicate custom_id or a single request larger than a whole file.
 */
export function batchInputFiles(
	endpoint: BatchEndpoint,
	requests: readonly BatchRequest[],
	limits: { maxRequests: number; maxBytes: number } = BATCH_LIMITS
): Array<{ text: string; customIds: string[] }> {
	const seen = new Set<string>();
	const files: Array<{ text: string; customIds: string[] }> = [];
	let lines: string[] = [];
	let ids: string[] = [];
	let bytes = 0;
	const flush = () => {
		if (lines.length) files.push({ text: lines.join(''), customIds: ids });
		lines = [];
		ids = [];
		bytes = 0;
	};
	for (const request of requests) {
		if (seen.has(request.customId)) throw new RangeError(`custom_id "${request.customId}" is used twice`);
		seen.add(request.customId);
		const line = batchRequestLine(endpoint, request);
		const size = new TextEncoder().encode(line).length;
		if (size > limits.maxBytes) throw new RangeError(`request "${request.customId}" is ${size} bytes, more than a batch file may hold (${limits.maxBytes})`);
		if (lines.length >= limits.maxRequests || bytes + size > limits.maxBytes) flush();
		lines.push(line);
		ids.push(request.customId);
		bytes += size;
	}
	flush();
	return files;
}

/** What came back for one request. */
export type BatchLineResult =
	/** The endpoint answered 2xx: `body` is its JSON (a chat.completion or text_completion). */
	| { customId: string; kind: 'response'; statusCode: number; requestId: string | null; body: unknown }
	/** The endpoint answered with an HTTP error: `body` is its error JSON. */
	| { customId: string; kind: 'http_error'; statusCode: number; requestId: string | null; body: unknown }
	/** The request never got an HTTP answer (e.g. `batch_expired`). */
	| { customId: string; kind: 'error'; code: string; message: string };

export interface BatchFileProblem {
	/** 1-based line of the result file. */
	line: number;
	message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads an output or error file. Lines that cannot be read are reported, never skipped
 * silently: their requests stay unanswered and are retried.
 */
export function parseBatchResultFile(text: string): { results: BatchLineResult[]; problems: BatchFileProblem[] } {
	const results: BatchLineResult[] = [];
	const problems: BatchFileProblem[] = [];
	const lines = text.split('\n');
	lines.forEach((raw, index) => {
		const line = index + 1;
		if (raw.trim() === '') return;
		let value: unknown;
		try {
			value = JSON.parse(raw);
		} catch (error) {
			problems.push({ line, message: `not JSON: ${(error as Error).message}` });
			return;
		}
		if (!isRecord(value) || typeof value.custom_id !== 'string') {
			problems.push({ line, message: 'no custom_id' });
			return;
		}
		const customId = value.custom_id;
		const response = value.response;
		const error = value.error;
		if (isRecord(response) && typeof response.status_code === 'number') {
			const requestId = typeof response.request_id === 'string' ? response.request_id : null;
			const ok = response.status_code >= 200 && response.status_code < 300;
			results.push({ customId, kind: ok ? 'response' : 'http_error', statusCode: response.status_code, requestId, body: response.body });
			return;
		}
		if (isRecord(error)) {
			results.push({
				customId,
				kind: 'error',
				code: typeof error.code === 'string' ? error.code : 'unknown',
				message: typeof error.message === 'string' ? error.message : ''
			});
			return;
		}
		problems.push({ line, message: `"${customId}" has neither a response nor an error` });
	});
	return { results, problems };
}

export interface BatchResultMatch {
	/** One result per request that got one. */
	byCustomId: Map<string, BatchLineResult>;
	/** Requests with no result line (a cancelled batch's unstarted lines, a lost line): retry them. */
	missing: string[];
	/** Result lines for custom_ids not in this batch (ignored). */
	unexpected: string[];
	/** custom_ids with more than one result line (the first is in `byCustomId`). */
	duplicates: string[];
	/** Every line of each custom_id in `duplicates`, in file order: whether they agree is the caller's to judge (`sameResult`). */
	repeated: Map<string, BatchLineResult[]>;
}

/** Matches the result lines of a batch (output and error files together) to its requests. */
export function matchBatchResults(requested: readonly string[], results: readonly BatchLineResult[]): BatchResultMatch {
	const wanted = new Set(requested);
	const byCustomId = new Map<string, BatchLineResult>();
	const unexpected: string[] = [];
	const duplicates: string[] = [];
	const repeated = new Map<string, BatchLineResult[]>();
	for (const result of results) {
		if (!wanted.has(result.customId)) unexpected.push(result.customId);
		else if (byCustomId.has(result.customId)) {
			duplicates.push(result.customId);
			const lines = repeated.get(result.customId) ?? [byCustomId.get(result.customId)!];
			lines.push(result);
			repeated.set(result.customId, lines);
		} else byCustomId.set(result.customId, result);
	}
	return { byCustomId, missing: requested.filter((id) => !byCustomId.has(id)), unexpected, duplicates, repeated };
}

/** What a result line says, without what differs between two copies of one answer (line and request ids). */
function resultSays(result: BatchLineResult): string {
	if (result.kind === 'error') return JSON.stringify(['error', result.code, result.message]);
	const body = result.body as { choices?: { message?: { content?: unknown }; text?: unknown; finish_reason?: unknown }[] } | null;
	const choices = Array.isArray(body?.choices) ? body.choices.map((c) => [c?.message?.content ?? c?.text ?? null, c?.finish_reason ?? null]) : body;
	return JSON.stringify([result.kind, result.statusCode, choices]);
}

/** Whether lines given for one request say the same thing (a repeated line), or conflict. */
export function sameResult(lines: readonly BatchLineResult[]): boolean {
	return lines.every((line) => resultSays(line) === resultSays(lines[0]));
}

/** A result line as the API wrote it, for a person to read (its body, or its error). */
export function rawResultText(result: BatchLineResult): string {
	if (result.kind === 'error') return JSON.stringify({ error: { code: result.code, message: result.message } });
	return JSON.stringify({ status_code: result.statusCode, body: result.body });
}
