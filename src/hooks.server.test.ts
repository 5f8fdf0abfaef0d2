import { afterEach, describe, expect, it, vi } from 'vitest';
import { handleError } from './hooks.server';

const event = (method: string, path: string) => ({ request: new Request(`http://app.test${path}`, { method }), url: new URL(`http://app.test${path}`) }) as never;

describe('handleError', () => {
	afterEach(() => vi.restoreAllMocks());

	it('logs a client error (4xx) as one line without a stack', async () => {
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		const error = vi.spyOn(console, 'error').mockImplementation(() => {});
		const err = new Error('Content-type application/json is not supported by form actions');
		const answer = await handleError({ error: err, event: event('POST', '/login'), status: 415, message: 'Unsupported Media Type' });
		expect(answer).toMatchObject({ message: 'Unsupported Media Type', errorId: expect.any(String) });
		expect(error).not.toHaveBeenCalled();
		expect(warn).toHaveBeenCalledTimes(1);
		const line = warn.mock.calls[0].join(' ');
		expect(line).toMatch(/^\[\w{8}\] POST \/login: 415 Unsupported Media Type$/);
		expect(line).not.toContain('\n');
	});

	it('logs a server error (5xx) with its stack and tells the browser only its id', async () => {
		const error = vi.spyOn(console, 'error').mockImplementation(() => {});
		const err = new Error('boom');
		const answer = await handleError({ error: err, event: event('GET', '/datasets'), status: 500, message: 'Internal Error' });
		expect(answer).toMatchObject({ message: 'Something went wrong on the server.' });
		expect(error).toHaveBeenCalledWith(expect.stringMatching(/^\[\w{8}\] GET \/datasets:$/), err);
	});
});
