import { error, json } from '@sveltejs/kit';
import { AuditError } from './errors';

/** Route helpers: turn AuditErrors into HTTP answers, check ids before they reach a query. */

const ITEM_REF = /^[A-Za-z0-9_-]{12}$/;

/** An item reference, or a 404 (the same answer a non-member gets). Numeric ids are checked by src/params/id.ts. */
export function itemRefParam(raw: string): string {
	if (!ITEM_REF.test(raw)) error(404, { message: 'No such item, or it is not assigned to you.' });
	return raw;
}

/** For pages: rethrows an AuditError as the matching HTTP error. */
export function orHttpError<T>(fn: () => T): T {
	try {
		return fn();
	} catch (err) {
		if (err instanceof AuditError) error(err.status, { message: err.message });
		throw err;
	}
}

/**
 * For JSON endpoints: the result (a Response is passed through), or `{ message, code }` with the
 * error's status. A Server-Timing header carries the handler's own time, so load tests can tell
 * the server's work from queueing and the network.
 */
export async function jsonOrError<T>(fn: () => T | Promise<T>, init?: ResponseInit): Promise<Response> {
	const started = performance.now();
	let response: Response;
	try {
		const result = await fn();
		response = result instanceof Response ? result : json(result, init);
	} catch (err) {
		if (!(err instanceof AuditError)) throw err;
		response = json({ message: err.message, code: err.code, field: err.field }, { status: err.status });
	}
	response.headers.set('server-timing', `app;dur=${(performance.now() - started).toFixed(2)}`);
	return response;
}

/** Reads a JSON body of bounded size; a malformed one is a 400. */
export async function readJson(request: Request, maxBytes = 64 * 1024): Promise<Record<string, unknown>> {
	const text = await request.text();
	if (text.length > maxBytes) throw new AuditError('Request too large.', 400, 'invalid');
	if (!text) return {};
	try {
		const value = JSON.parse(text);
		if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
	} catch {
		// fall through
	}
	throw new AuditError('The request body must be a JSON object.', 400, 'invalid');
}
