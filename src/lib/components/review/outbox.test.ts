import { describe, expect, it } from 'vitest';
import type { QualityAnswer } from '$lib/audits/answers';
import { ReviewApiError } from './api';
import { LabelOutbox, retryDelay, MAX_RETRY_MS, type Delivery, type OutboxOptions, type PendingSubmission } from './outbox.svelte';

const answer: QualityAnswer = { kind: 'quality', instruction: true, input: true, output: false, reason: 'incorrect_output', comment: '' };
const submission = (n: number, edit = false): PendingSubmission => ({ submissionId: `sub-${n}-abcdefgh`, ref: `ref${n}`.padEnd(12, 'x'), answer, activeMs: 1000 * n, instruction: `task ${n}`, edit });
const delivery = (revision = 1): Delivery => ({
	result: { outcome: 'created', duplicate: false, revision },
	progress: { mine: 1, auditLabels: 1, auditNeeded: 10, remaining: 9, skipped: 0, stuck: 0 }
});

function memoryStorage() {
	const map = new Map<string, string>();
	return { map, getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) };
}

function outbox(send: OutboxOptions['send'], extra: Partial<OutboxOptions> = {}) {
	const events: string[] = [];
	const waits: number[] = [];
	const storage = memoryStorage();
	const box = new LabelOutbox({
		send,
		storage,
		storageKey: 'k',
		onDelivered: (s) => events.push(`delivered ${s.ref}`),
		onRefused: (s, err) => events.push(`refused ${s.ref}: ${(err as Error).message}`),
		onRetrying: (s) => events.push(`retrying ${s.ref}`),
		wait: async (ms) => void waits.push(ms),
		...extra
	});
	return { box, events, waits, storage };
}

describe('LabelOutbox', () => {
	it('sends submissions in order and empties storage once the server has them', async () => {
		const sent: string[] = [];
		const { box, events, storage } = outbox(async (s) => {
			sent.push(s.submissionId);
			return delivery();
		});
		box.add(submission(1));
		box.add(submission(2, true));
		expect(JSON.parse(storage.map.get('k')!)).toHaveLength(2);
		expect(box.heldRefs()).toEqual([submission(1).ref]);
		await box.flush();
		expect(sent).toEqual(['sub-1-abcdefgh', 'sub-2-abcdefgh']);
		expect(events).toEqual([`delivered ${submission(1).ref}`, `delivered ${submission(2).ref}`]);
		expect(box.size).toBe(0);
		expect(storage.map.has('k')).toBe(false);
	});

	it('retries network and server failures with the same submission id, backing off up to the cap', async () => {
		let calls = 0;
		const ids = new Set<string>();
		const { box, events, waits } = outbox(async (s) => {
			ids.add(s.submissionId);
			if (++calls <= 6) throw new ReviewApiError(calls % 2 ? 'No connection to the server.' : 'busy', calls % 2 ? 0 : 503);
			return delivery();
		});
		box.add(submission(1));
		await box.flush();
		expect(calls).toBe(7);
		expect([...ids]).toEqual(['sub-1-abcdefgh']);
		expect(waits).toEqual([1000, 2000, 4000, MAX_RETRY_MS, MAX_RETRY_MS, MAX_RETRY_MS]);
		expect(events.filter((e) => e.startsWith('retrying'))).toHaveLength(6);
		expect(events.at(-1)).toBe(`delivered ${submission(1).ref}`);
		expect(retryDelay(20)).toBe(MAX_RETRY_MS);
	});

	it('drops a submission the server refuses for good, says so, and goes on with the next', async () => {
		const { box, events } = outbox(async (s) => {
			if (s.ref === submission(1).ref) throw new ReviewApiError('This audit is closed', 409, 'closed');
			return delivery();
		});
		box.add(submission(1));
		box.add(submission(2));
		await box.flush();
		expect(events).toEqual([`refused ${submission(1).ref}: This audit is closed`, `delivered ${submission(2).ref}`]);
		expect(box.size).toBe(0);
	});

	it('stops sending, and keeps every label in order and in storage, when the sign-in has ended; sends them once signed in again', async () => {
		let signedIn = false;
		const sent: string[] = [];
		const { box, events, storage } = outbox(
			async (s) => {
				if (!signedIn) throw new ReviewApiError('Sign in first.', 401);
				sent.push(s.submissionId);
				return delivery();
			},
			{ onSignInNeeded: (s) => events.push(`sign in ${s.ref}`) }
		);
		box.add(submission(1));
		box.add(submission(2));
		await box.flush();
		expect(events).toEqual([`sign in ${submission(1).ref}`]);
		expect(box.items.map((s) => s.submissionId)).toEqual(['sub-1-abcdefgh', 'sub-2-abcdefgh']);
		expect(JSON.parse(storage.map.get('k')!)).toHaveLength(2);
		// A label given meanwhile waits behind them.
		box.add(submission(3));
		await box.flush();
		expect(box.size).toBe(3);
		signedIn = true;
		await box.flush();
		expect(sent).toEqual(['sub-1-abcdefgh', 'sub-2-abcdefgh', 'sub-3-abcdefgh']);
		expect(storage.map.has('k')).toBe(false);
	});

	it('restores what a closed tab left in storage, first, without duplicating what it already has', async () => {
		const storage = memoryStorage();
		storage.setItem('k', JSON.stringify([submission(1), submission(2)]));
		const { box } = outbox(async () => delivery(), { storage });
		expect(box.restore().map((s) => s.submissionId)).toEqual(['sub-1-abcdefgh', 'sub-2-abcdefgh']);
		// Restoring again (a second start) adds nothing twice; a new label queues behind them.
		expect(box.restore()).toEqual([]);
		box.add(submission(3));
		expect(box.items.map((s) => s.submissionId)).toEqual(['sub-1-abcdefgh', 'sub-2-abcdefgh', 'sub-3-abcdefgh']);
		expect(JSON.parse(storage.getItem('k')!)).toHaveLength(3);
		// Garbage in storage is ignored, not fatal.
		storage.setItem('k', '{not json');
		expect(box.restore()).toEqual([]);
	});

	it('shares one sending loop between concurrent flushes, and wakes up early when the connection returns', async () => {
		let fail = true;
		let sends = 0;
		let wake: (() => void) | undefined;
		const { box } = outbox(
			async () => {
				sends++;
				if (fail) throw new ReviewApiError('No connection to the server.', 0);
				return delivery();
			},
			{ wait: (_ms, register) => new Promise<void>((resolve) => register((wake = resolve))) }
		);
		box.add(submission(1));
		const first = box.flush();
		const second = box.flush();
		await second; // returns at once: the first loop carries on
		await Promise.resolve();
		expect(sends).toBe(1);
		fail = false;
		box.wake();
		await first;
		expect(wake).toBeDefined();
		expect(sends).toBe(2);
		expect(box.size).toBe(0);
	});
});
