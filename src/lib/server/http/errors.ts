/**
 * The one place a DomainError ($lib/errors) becomes an HTTP answer: pages and endpoints get
 * SvelteKit's error(status, { message }), JSON endpoints `{ message, code, field }` with the
 * error's status. Anything that is not a DomainError is rethrown untouched (a 500).
 */
import { error, json } from '@sveltejs/kit';
import { DomainError } from '$lib/errors';

/** Rethrows a DomainError as the matching HTTP error, anything else as it is. */
export function httpError(err: unknown): never {
	if (err instanceof DomainError) error(err.status, { message: err.message });
	throw err;
}

/** Runs `fn`; a DomainError it throws becomes the matching HTTP error. */
export function orHttpError<T>(fn: () => T): T {
	try {
		return fn();
	} catch (err) {
		httpError(err);
	}
}

/** A DomainError as a JSON answer (anything else is rethrown). */
export function jsonError(err: unknown, init?: ResponseInit): Response {
	if (!(err instanceof DomainError)) throw err;
	return json({ message: err.message, code: err.code, field: err.field }, { ...init, status: err.status });
}

/**
 * For JSON endpoints: the result (a Response is passed through), or jsonError. A Server-Timing
 * header carries the handler's own time, so load tests can tell the server's work from queueing
 * and the network.
 */
export async function jsonOrError<T>(fn: () => T | Promise<T>, init?: ResponseInit): Promise<Response> {
	const started = performance.now();
	let response: Response;
	try {
		const result = await fn();
		response = result instanceof Response ? result : json(result, init);
	} catch (err) {
		response = jsonError(err);
	}
	response.headers.set('server-timing', `app;dur=${(performance.now() - started).toFixed(2)}`);
	return response;
}

/**
 * For form actions: a DomainError as the message a form shows next to the control it names
 * (`{ [field ?? 'form']: message }`, for `fail(400, { errors })`); anything else is rethrown.
 */
export function fieldErrorsOf(err: unknown): Record<string, string> {
	if (!(err instanceof DomainError)) throw err;
	return { [err.field ?? 'form']: err.message };
}
