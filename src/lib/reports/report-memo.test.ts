import { describe, expect, it } from 'vitest';
import { ReportMemo, reportInputFingerprint, requestFingerprint } from './report-memo';
import type { ReportInput } from './types';
import { serveReports, type ReportLoader, type ReportPort, type ReportReply, type ReportRequest } from './report-thread';
import { allValidEstimateOfInstances, buildAuditReport } from './report';
import { newLatentMemo } from './latent-memo';
import { syntheticQualityInput } from './fixtures/synthetic-audit';

/** Every way of changing one value: a number, a string, a flag, null, a list, an object. */
function changed(value: unknown): unknown[] {
	if (typeof value === 'number') return [value + 1, String(value)];
	if (typeof value === 'string') return [`${value}x`, value.slice(1), value === '' ? null : value];
	if (typeof value === 'boolean') return [!value, null];
	if (value === null) return [0, false, undefined, ''];
	if (value === undefined) return [null];
	if (Array.isArray(value)) return [[...value, 1], value.length ? value.slice(1) : null];
	return [{ ...(value as object), extra: 1 }, []];
}

describe('requestFingerprint', () => {
	const input = syntheticQualityInput(20, 3);
	const base = requestFingerprint({ kind: 'report', input, options: { replicates: 20 } });

	it('changes with any one value of a label, an item, the audit, an adjudication or a reviewer (every field, whatever fields there are)', () => {
		const targets: Array<[string, Record<string, unknown>]> = [
			['label', input.labels[7] as unknown as Record<string, unknown>],
			['item', input.items[3] as unknown as Record<string, unknown>],
			['audit', input.audit as unknown as Record<string, unknown>],
			['reviewer', input.reviewers[1] as unknown as Record<string, unknown>]
		];
		let checked = 0;
		for (const [what, target] of targets) {
			for (const key of Object.keys(target)) {
				const original = target[key];
				for (const value of changed(original)) {
					if (Object.is(value, original)) continue;
					target[key] = value;
					const after = requestFingerprint({ kind: 'report', input, options: { replicates: 20 } });
					target[key] = original;
					expect(after, `${what}.${key} = ${JSON.stringify(value)}`).not.toBe(base);
					checked++;
				}
			}
		}
		expect(checked).toBeGreaterThan(60);
		// Removed or added: a property, a label.
		const label = input.labels[0];
		const { errorReason: _, ...withoutReason } = label;
		input.labels[0] = withoutReason as never;
		expect(requestFingerprint({ kind: 'report', input, options: { replicates: 20 } })).not.toBe(base);
		input.labels[0] = label;
		expect(requestFingerprint({ kind: 'report', input, options: { replicates: 20 } })).toBe(base);
		const removed = input.labels.pop()!;
		expect(requestFingerprint({ kind: 'report', input, options: { replicates: 20 } })).not.toBe(base);
		input.labels.push(removed);
		expect(requestFingerprint({ kind: 'report', input, options: { replicates: 20 } })).toBe(base);
	});

	it('changes with the options and the kept latent-truth results; values of different types never collide', () => {
		const of = (options: object) => requestFingerprint({ kind: 'report', input, options });
		expect(of({ replicates: 20 })).toBe(base);
		expect(of({ replicates: 21 })).not.toBe(base);
		expect(of({ replicates: 20, confidence: 0.9 })).not.toBe(base);
		expect(of({ replicates: 20, latent: newLatentMemo({}, 1000) })).not.toBe(of({ replicates: 20, latent: newLatentMemo({}, 999) }));
		const kept = { key: 'output', answers: 10, groups: [], reviewers: [] };
		expect(of({ latent: newLatentMemo({ a: kept }) })).not.toBe(of({ latent: newLatentMemo({ b: kept }) }));
		const values = [1, '1', true, null, undefined, [], {}, [1], { a: 1 }, { a: '1' }, [[]], [[], []], [1, 2], [[1], 2], '', 0];
		const prints = values.map((v) => requestFingerprint({ v }));
		expect(new Set(prints).size).toBe(values.length);
	});
});

describe('reportInputFingerprint (items and labels by digests kept with their objects)', () => {
	const input = syntheticQualityInput(20, 3);
	const base = reportInputFingerprint(input);
	/** A copy of `input` with row `index` of `rows` replaced, as a loader gives a changed row: a new object. */
	const withRow = (rows: 'items' | 'labels', index: number, row: unknown): ReportInput => ({
		...input,
		[rows]: input[rows].map((r, i) => (i === index ? row : r))
	});

	it('is the same for the same values in other objects, and differs with any one value of a new label or item', () => {
		expect(reportInputFingerprint(structuredClone(input))).toBe(base);
		let checked = 0;
		for (const [rows, index] of [
			['labels', 7],
			['items', 3]
		] as const) {
			const target = input[rows][index] as unknown as Record<string, unknown>;
			for (const key of Object.keys(target)) {
				for (const value of changed(target[key])) {
					if (Object.is(value, target[key])) continue;
					expect(reportInputFingerprint(withRow(rows, index, { ...target, [key]: value })), `${rows}[${index}].${key} = ${JSON.stringify(value)}`).not.toBe(base);
					checked++;
				}
			}
		}
		expect(checked).toBeGreaterThan(40);
	});

	it('differs with labels reordered, removed or moved between items, and with the rest of the input', () => {
		const swapped = [...input.labels];
		[swapped[2], swapped[3]] = [swapped[3], swapped[2]];
		expect(reportInputFingerprint({ ...input, labels: swapped })).not.toBe(base);
		expect(reportInputFingerprint({ ...input, labels: input.labels.slice(1) })).not.toBe(base);
		// The last label's values moved into the items list's place: rows are kept apart.
		expect(reportInputFingerprint({ ...input, items: [], labels: [...input.items, ...input.labels] as never })).not.toBe(base);
		expect(reportInputFingerprint({ ...input, skips: [{ itemId: input.items[0].id, reviewerId: 1 }] })).not.toBe(base);
		expect(reportInputFingerprint({ ...input, audit: { ...input.audit, overlap: input.audit.overlap + 1 } })).not.toBe(base);
		expect(reportInputFingerprint({ ...input, reviewers: input.reviewers.map((r, i) => (i === 0 ? { ...r, name: `${r.name}!` } : r)) })).not.toBe(base);
	});
});

describe('ReportMemo', () => {
	it('keeps the last few, dropping the least recently used', () => {
		const memo = new ReportMemo<number>(2);
		memo.set('a', 1);
		memo.set('b', 2);
		expect(memo.get('a')).toBe(1); // a is now the most recent
		memo.set('c', 3);
		expect(memo.get('b')).toBeUndefined();
		expect(memo.get('a')).toBe(1);
		expect(memo.get('c')).toBe(3);
	});
});

describe('the report thread', () => {
	function thread(load?: ReportLoader) {
		let listener: ((request: ReportRequest) => void) | undefined;
		const replies: ReportReply[] = [];
		const port: ReportPort = {
			on: (_event, l) => (listener = l),
			postMessage: (reply) => replies.push(reply)
		};
		serveReports(port, load);
		return { ask: (request: ReportRequest) => (listener!(request), replies.at(-1)!), replies };
	}

	it('answers the same request again with the reply it kept, and a changed label with a new report', () => {
		const { ask } = thread();
		const input = syntheticQualityInput(40, 5);
		const options = { replicates: 10, latent: newLatentMemo({}, 0) };
		const first = ask({ id: 1, kind: 'report', audit: { input }, options });
		const again = ask({ id: 2, kind: 'report', audit: { input: structuredClone(input) }, options: { replicates: 10, latent: newLatentMemo({}, 0) } });
		expect('result' in first && 'result' in again).toBe(true);
		if (!('result' in first) || !('result' in again)) return;
		expect(again.id).toBe(2);
		// The kept reply itself: not computed again.
		expect(again.result).toBe(first.result);
		expect(again.latent).toEqual(first.latent);
		expect(first.latent?.deferred).toHaveLength(4);

		const flipped = structuredClone(input);
		flipped.labels[0].outputValid = !flipped.labels[0].outputValid;
		const other = ask({ id: 3, kind: 'report', audit: { input: flipped }, options: { replicates: 10, latent: newLatentMemo({}, 0) } });
		if (!('result' in other)) throw new Error('no result');
		expect(other.result).not.toBe(first.result);
		expect(other.result).toEqual(buildAuditReport(flipped, { replicates: 10, latent: newLatentMemo({}, 0) }));
	});

	it('computes afresh a request whose progress is followed (the background fits), keeping nothing', () => {
		const { ask } = thread();
		const input = syntheticQualityInput(30, 9);
		const request = (id: number): ReportRequest => ({ id, kind: 'report', audit: { input }, options: { replicates: 5, latent: newLatentMemo() }, progress: true });
		const first = ask(request(1));
		const again = ask(request(2));
		if (!('result' in first) || !('result' in again)) throw new Error('no result');
		expect(again.result).not.toBe(first.result);
		expect(again.result).toEqual(first.result);
	});

	it('reads an audit itself when it has a loader, and keeps the reply under what it read, not under the audit', () => {
		let input = syntheticQualityInput(30, 4);
		const reads: Array<[number, string]> = [];
		const { ask } = thread((auditId, source) => {
			reads.push([auditId, source]);
			return structuredClone(input);
		});
		const request = (id: number): ReportRequest => ({ id, kind: 'report', audit: { auditId: 7, source: '/data/app.db' }, options: { replicates: 5 } });
		const first = ask(request(1));
		if (!('result' in first)) throw new Error('no result');
		expect(first.result).toEqual(buildAuditReport(input, { replicates: 5 }));
		expect(reads).toEqual([[7, '/data/app.db']]);
		// Read again each time; unchanged labels give the kept reply.
		const again = ask(request(2));
		if (!('result' in again)) throw new Error('no result');
		expect(reads).toHaveLength(2);
		expect(again.result).toBe(first.result);
		// A label changed in the database: a new report.
		input = structuredClone(input);
		input.labels[2].inputValid = !input.labels[2].inputValid;
		const changed = ask(request(3));
		if (!('result' in changed)) throw new Error('no result');
		expect(changed.result).not.toBe(first.result);
		expect(changed.result).toEqual(buildAuditReport(input, { replicates: 5 }));
		// An export's estimate over the audits it pools, read by the thread.
		const ids = input.items.flatMap((i) => (i.instanceId === null || i.id % 3 === 0 ? [] : [i.instanceId]));
		const estimate = ask({ id: 5, kind: 'allValid', audits: { auditIds: [7], source: '/data/app.db' }, instanceIds: ids, options: { replicates: 5 } });
		if (!('result' in estimate)) throw new Error('no result');
		expect(estimate.result).toEqual(allValidEstimateOfInstances([input], ids, { replicates: 5 }));
		expect(reads.at(-1)).toEqual([7, '/data/app.db']);
		// A thread without a loader says so.
		expect(thread().ask(request(4))).toEqual({ id: 4, error: 'This report thread cannot read the database.' });
	});
});
