import { describe, expect, it } from 'vitest';
import {
	batchInputFiles,
	batchRequestLine,
	judgeCustomId,
	matchBatchResults,
	parseBatchResultFile,
	rawResultText,
	sameResult,
	parseJudgeCustomId
} from './batch-lines';

const body = (n: number) => ({ model: 'm', messages: [{ role: 'user', content: `row ${n}` }], temperature: 0 });

describe('batch input files', () => {
	it('writes one request per line in the API’s shape', () => {
		const line = batchRequestLine('/v1/chat/completions', { customId: 'judge-1-call-2', body: body(2) });
		expect(line.endsWith('\n')).toBe(true);
		expect(JSON.parse(line)).toEqual({ custom_id: 'judge-1-call-2', method: 'POST', url: '/v1/chat/completions', body: body(2) });
	});

	it('splits by request count and by bytes, in order', () => {
		const requests = Array.from({ length: 7 }, (_, i) => ({ customId: `c${i}`, body: body(i) }));
		const byCount = batchInputFiles('/v1/chat/completions', requests, { maxRequests: 3, maxBytes: 1e9 });
		expect(byCount.map((f) => f.customIds)).toEqual([['c0', 'c1', 'c2'], ['c3', 'c4', 'c5'], ['c6']]);
		expect(byCount[0].text.split('\n').filter(Boolean)).toHaveLength(3);
		const oneLine = new TextEncoder().encode(batchRequestLine('/v1/chat/completions', requests[0])).length;
		const byBytes = batchInputFiles('/v1/chat/completions', requests, { maxRequests: 100, maxBytes: 2 * oneLine + 1 });
		expect(byBytes.map((f) => f.customIds.length)).toEqual([2, 2, 2, 1]);
		expect(batchInputFiles('/v1/chat/completions', [])).toEqual([]);
	});

	it('refuses a duplicate custom_id and a request larger than a file', () => {
		expect(() => batchInputFiles('/v1/completions', [{ customId: 'a', body: {} }, { customId: 'a', body: {} }])).toThrow(/"a" is used twice/);
		expect(() => batchInputFiles('/v1/completions', [{ customId: 'a', body: { prompt: 'x'.repeat(100) } }], { maxRequests: 10, maxBytes: 50 })).toThrow(/more than a batch file may hold/);
	});

	it('names calls by run and call id', () => {
		expect(judgeCustomId(12, 345)).toBe('judge-12-call-345');
		expect(parseJudgeCustomId('judge-12-call-345')).toEqual({ runId: 12, callId: 345 });
		expect(parseJudgeCustomId('judge-12-call-')).toBeNull();
		expect(parseJudgeCustomId('other-1')).toBeNull();
	});
});

describe('batch result files', () => {
	const output = [
		{ id: 'batch_req_1', custom_id: 'b', response: { status_code: 200, request_id: 'req_1', body: { object: 'chat.completion' } }, error: null },
		{ id: 'batch_req_2', custom_id: 'a', response: { status_code: 200, request_id: 'req_2', body: { object: 'chat.completion' } }, error: null }
	];
	const errors = [
		{ id: 'batch_req_3', custom_id: 'c', response: { status_code: 500, request_id: 'req_3', body: { error: { message: 'boom' } } }, error: null },
		{ id: 'batch_req_4', custom_id: 'd', response: null, error: { code: 'batch_expired', message: 'too late' } }
	];
	const file = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

	it('reads responses, HTTP errors and request errors', () => {
		const { results, problems } = parseBatchResultFile(file([...output, ...errors]));
		expect(problems).toEqual([]);
		expect(results.map((r) => [r.customId, r.kind])).toEqual([
			['b', 'response'],
			['a', 'response'],
			['c', 'http_error'],
			['d', 'error']
		]);
		expect(results[2]).toMatchObject({ statusCode: 500, requestId: 'req_3', body: { error: { message: 'boom' } } });
		expect(results[3]).toMatchObject({ code: 'batch_expired', message: 'too late' });
	});

	it('reports lines it cannot read instead of skipping them', () => {
		const { results, problems } = parseBatchResultFile('{"custom_id": "a", "response": null, "error": null}\nnot json\n{"response": {}}\n');
		expect(results).toEqual([]);
		expect(problems.map((p) => p.line)).toEqual([1, 2, 3]);
		expect(problems[0].message).toMatch(/neither a response nor an error/);
	});

	it('matches results to requests by custom_id, whatever the order', () => {
		const { results } = parseBatchResultFile(file([...output, ...errors, { ...output[0], id: 'dup' }, { ...output[0], custom_id: 'zz' }]));
		const match = matchBatchResults(['a', 'b', 'c', 'd', 'e'], results);
		expect([...match.byCustomId.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
		expect(match.missing).toEqual(['e']);
		expect(match.duplicates).toEqual(['b']);
		expect(match.unexpected).toEqual(['zz']);
		expect((match.byCustomId.get('b') as { requestId: string }).requestId).toBe('req_1');
	});

	it('keeps every line of a request answered more than once, and tells a repeat from a conflict', () => {
		const reply = (id: string, content: string) => ({ id, custom_id: 'b', response: { status_code: 200, request_id: id, body: { choices: [{ message: { content }, finish_reason: 'stop' }] } }, error: null });
		const { results } = parseBatchResultFile(file([reply('r1', 'yes'), reply('r2', 'yes'), reply('r3', 'no')]));
		const match = matchBatchResults(['b'], results);
		expect(match.duplicates).toEqual(['b', 'b']);
		const lines = match.repeated.get('b')!;
		expect(lines.map((l) => (l as { requestId: string }).requestId)).toEqual(['r1', 'r2', 'r3']);
		// The same answer twice (other line and request ids) is a repeat; a different one is a conflict.
		expect(sameResult(lines.slice(0, 2))).toBe(true);
		expect(sameResult(lines)).toBe(false);
		expect(sameResult([lines[0], { customId: 'b', kind: 'error', code: 'server_error', message: 'x' }])).toBe(false);
		expect(rawResultText(lines[2])).toContain('"content":"no"');
		expect(matchBatchResults(['a'], results).repeated.size).toBe(0);
	});
});
