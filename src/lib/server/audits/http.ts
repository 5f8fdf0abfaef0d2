import { error } from '@sveltejs/kit';
import { AuditError } from './errors';
import { jsonOrError } from '../http/errors';

/** Route helpers for the review API: check item references before they reach a query, read JSON bodies. */

const ITEM_REF = /^[A-Za-z0-9_-]{12}$/;

/** An item reference, or a 404 (the same answer a non-member gets). Numeric ids are checked by src/params/id.ts. */
export function itemRefParam(raw: string): string {
	if (!ITEM_REF.test(raw)) error(404, { message: 'No such item, or it is not assigned to you.' });
	return raw;
}

// Pages and JSON endpoints translate errors with the shared helpers.
export { orHttpError, jsonOrError } from '../http/errors';

/**
 * A JSON endpoint with a body: reads it (a malformed or oversized one is a 400), then answers as
 * jsonOrError. Its Server-Timing starts once the body is in: waiting for the body is the network's
 * and the event loop's time (with 500 reviewers at once, mostly the other requests' turns), not
 * the server's work on this request.
 */
export async function jsonWithBody<T>(request: Request, fn: (body: Record<string, unknown>) => T | Promise<T>, maxBytes?: number): Promise<Response> {
	let body: Record<string, unknown>;
	try {
		body = await readJson(request, maxBytes);
	} catch (err) {
		return jsonOrError(() => {
			throw err;
		});
	}
	return jsonOrError(() => fn(body));
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
