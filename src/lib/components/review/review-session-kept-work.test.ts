import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Answer, Draft } from '$lib/audits/answers';
import type { HistoryEntry, NextResult, ReviewAuditInfo, ReviewItemView, ReviewProgress, ReviewScreenData } from '$lib/audits/views';
import { ReviewApiError, type ReviewApi } from './api';
import { ReviewSession } from './review-session.svelte';
import { handleReviewKey, type KeyEventLike } from './review-keyboard';

// Nothing the reviewer typed is thrown away, and no work is offered that cannot count: a label
// refused after a lapsed lease, a reviewer removed mid-item, a skip, a notice that outlived its moment.

const LEASE_SECONDS = 60;
const audit: ReviewAuditInfo = { id: 7, name: 'Kept', kind: 'quality', status: 'open', blind: false, overlap: 1, itemCount: 3, leaseSeconds: LEASE_SECONDS, guidelinesHtml: '', guidelinesVersion: 0 };
const FULL = 'Your hold on this item had lapsed, and meanwhile other reviewers completed it or took it up (or a researcher brought earlier labels back), so there was no room left for your label and it was not counted.';
const REMOVED = 'A researcher removed you from this audit: it gives you no more items.';
const AWAY = 'While you were away, other reviewers completed this item.';
const escape: KeyEventLike = { key: 'Escape', ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, defaultPrevented: false, target: null, preventDefault: () => {} };
const noHooks = { comment: () => undefined, skipInput: () => undefined, skipReason: () => '', openSkip: () => {}, closeSkip: () => {}, followRow: () => {}, focusOpenQuestion: () => {}, leaveComment: () => {} };

function item(n: number): ReviewItemView {
	return {
		ref: `item${n}`.padEnd(12, 'x'),
		kind: 'quality',
		instruction: `Task ${n}: write a sentence.`,
		input: '',
		output: `Output ${n}`,
		responses: [],
		turns: [],
		examples: [],
		state: 'assigned',
		draft: null,
		answer: null,
		revision: 0,
		submittedAt: null,
		updatedAt: null,
		shownAt: null,
		context: null,
		suggestion: null
	};
}

const progress = (mine = 0): ReviewProgress => ({ mine, auditLabels: mine, auditNeeded: 3, remaining: 3 - mine, skipped: 0, stuck: 0 });

/** A scripted server handing out items in order; `refuse` makes the next submits fail with that error. */
function start(items: ReviewItemView[], history: HistoryEntry[] = []) {
	const queue = items.slice(1);
	const calls: string[] = [];
	const drafts: Draft[] = [];
	const submitted: Answer[] = [];
	let refuse: ReviewApiError | null = null;
	const api: ReviewApi = {
		next: async (exclude) => {
			calls.push(`next ${exclude.join(',')}`);
			const found = queue.find((i) => !exclude.includes(i.ref)) ?? null;
			if (found) queue.splice(queue.indexOf(found), 1);
			const next: NextResult = found ? { status: 'assigned', ref: found.ref } : { status: 'done' };
			return { next, item: found, progress: progress(submitted.length) };
		},
		item: async (ref) => ({ item: { ...(items.find((i) => i.ref === ref) ?? item(0)), ref, state: 'submitted', answer: { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' }, revision: 1 } }),
		submit: async (_ref, _id, answer) => {
			if (refuse) throw refuse;
			submitted.push(answer);
			return { result: { outcome: 'created', duplicate: false, revision: 1 }, progress: progress(submitted.length) };
		},
		skip: async (ref) => {
			calls.push(`skip ${ref}`);
			return { skipped: true };
		},
		draft: async (ref, draft) => {
			if (refuse) throw refuse;
			calls.push(`draft ${ref}`);
			drafts.push(draft);
			return { saved: true };
		},
		heartbeat: async () => ({ leaseExpiresAt: 0 }),
		history: async () => ({ entries: history }),
		guidelines: async () => ({ guidelinesHtml: '', guidelinesVersion: 0 })
	};
	const data: ReviewScreenData = { audit, progress: progress(), item: items[0], next: { status: 'assigned', ref: items[0].ref }, history, userId: 3 };
	const session = new ReviewSession(data, api, null);
	session.start();
	return { session, api, calls, drafts, submitted, refuseWith: (err: ReviewApiError | null) => (refuse = err) };
}

async function settle() {
	for (let i = 0; i < 40; i++) await Promise.resolve();
}

function answerNoOutput(session: ReviewSession, comment: string) {
	session.answer(true);
	session.answer(true);
	session.answer(false);
	session.comment(comment);
}

/** The leases were last renewed longer ago than the audit's lease time. */
function idleBeyondTheLease() {
	const now = Date.now();
	vi.spyOn(Date, 'now').mockReturnValue(now + (LEASE_SECONDS + 5) * 1000);
}

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] }));
afterEach(() => {
	vi.useRealTimers();
	vi.restoreAllMocks();
});

describe('a label refused after the lease lapsed', () => {
	it('is not announced as submitted, keeps the answers and comment in the notice, and the prefetched item is asked for again', async () => {
		const { session, calls, refuseWith } = start([item(1), item(2), item(3)]);
		await settle();
		expect(calls).toEqual(['next item1xxxxxxx']); // item 2 prefetched
		answerNoOutput(session, 'the output invents a date');
		idleBeyondTheLease();
		refuseWith(new ReviewApiError(FULL, 409, 'full'));
		session.submit();
		await settle();
		expect(session.announcement).not.toContain('Submitted');
		expect(session.announcement.startsWith(`Not counted: ${FULL} Your answers stay on screen until you dismiss them. Next item: Task 3`)).toBe(true);
		expect(session.kept).toEqual([
			{ why: `Not counted: ${FULL}`, instruction: 'Task 1: write a sentence.', summary: 'yes · yes · no — incorrect output', comment: 'the output invents a date' }
		]);
		// The prefetched item (its lease lapsed too) was not offered: the server was asked afresh.
		expect(session.work?.ref).toBe(item(3).ref);
		expect(session.history).toEqual([]);
	});

	it('once taken, is announced as submitted only after the server said so', async () => {
		const { session, calls } = start([item(1), item(2), item(3)]);
		await settle();
		answerNoOutput(session, '');
		idleBeyondTheLease();
		session.submit();
		expect(session.announcement).toBe('Loading the next item…');
		await settle();
		expect(session.announcement).toBe('Submitted: yes · yes · no — incorrect output. Next item: Task 3: write a sentence.');
		expect(calls).toEqual(['next item1xxxxxxx', 'next ', 'next item3xxxxxxx']);
	});

	it('refused unforeseen: the prefetched item now on screen, untouched, is asked for again', async () => {
		const { session, calls, refuseWith } = start([item(1), item(2), item(3)]);
		await settle();
		answerNoOutput(session, 'typed');
		refuseWith(new ReviewApiError(FULL, 409, 'full'));
		session.submit();
		await settle();
		expect(session.kept.at(-1)?.comment).toBe('typed');
		expect(calls[1]).toBe('next ');
		expect(session.work?.ref).toBe(item(3).ref);
	});
});

describe("a refused label's counts", () => {
	it('are the ones the server sent with the refusal, even while the reviewer works on the next item (no next is asked for then)', async () => {
		const { session, api } = start([item(1), item(2), item(3)]);
		await settle();
		let release: () => void = () => {};
		const held = new Promise<void>((resolve) => (release = resolve));
		api.submit = async () => {
			await held;
			throw new ReviewApiError(FULL, 409, 'full', progress(2));
		};
		answerNoOutput(session, '');
		session.submit();
		await settle();
		expect(session.work?.ref).toBe(item(2).ref);
		session.answer(true);
		release();
		await settle();
		expect(session.work?.ref).toBe(item(2).ref);
		expect(session.progress).toMatchObject({ mine: 2, remaining: 1 });
	});
});

describe('a reviewer removed from the audit', () => {
	it('is told so once, offered no more work, and keeps the refused answers and comment to copy', async () => {
		const { session, refuseWith } = start([item(1), item(2), item(3)]);
		await settle();
		const shown: (string | null)[] = [];
		session.setItemListener((i) => shown.push(i?.ref ?? null));
		answerNoOutput(session, 'half a thought');
		refuseWith(new ReviewApiError(REMOVED, 404, 'removed'));
		session.submit();
		await settle();
		expect(session.status).toBe('removed');
		expect(session.work).toBeNull();
		expect(session.editable).toBe(false);
		expect(shown.at(-1)).toBeNull();
		expect(session.progress.remaining).toBe(0);
		// Said once: the removed card says it, the kept answers say they were not saved.
		expect(session.notice).toBeNull();
		expect(session.kept).toMatchObject([{ why: 'Label not saved.', summary: 'yes · yes · no — incorrect output', comment: 'half a thought' }]);
		expect(session.announcement).toBe(`${REMOVED} Your answers stay on screen until you dismiss them.`);
	});

	it('while typing: the answers on screen go into the notice instead of being dropped', async () => {
		const { session, refuseWith } = start([item(1), item(2)]);
		await settle();
		refuseWith(new ReviewApiError(REMOVED, 404, 'removed'));
		session.answer(false);
		session.comment('not a task');
		await vi.advanceTimersByTimeAsync(1000);
		await settle();
		expect(session.status).toBe('removed');
		expect(session.kept).toMatchObject([{ why: 'Not saved.', summary: 'no · – · – — incomprehensible instruction', comment: 'not a task' }]);
	});
});

describe('skips and notices', () => {
	it('a skip sends the draft first, so it comes back with the item', async () => {
		const { session, calls, drafts } = start([item(1), item(2)]);
		await settle();
		answerNoOutput(session, 'ask a lawyer');
		await session.skip('later');
		expect(calls.slice(1, 3)).toEqual([`draft ${item(1).ref}`, `skip ${item(1).ref}`]);
		expect(drafts.at(-1)).toMatchObject({ comment: 'ask a lawyer' });
	});

	it('"This is your first label" goes once the reviewer moves on', async () => {
		const history: HistoryEntry[] = [{ ref: item(9).ref, submittedAt: 1, updatedAt: 1, revision: 1, instruction: 'Task 9', summary: 'yes · yes · yes' }];
		const { session } = start([item(1), item(2)], history);
		await settle();
		await session.back();
		await settle();
		await session.back();
		expect(session.notice?.text).toBe('This is your first label in this audit.');
		session.answer(false);
		session.submit();
		await settle();
		expect(session.notice).toBeNull();
	});
});

describe('an item others completed while the reviewer was away', () => {
	it('keeps what was typed on it when the draft save finds it gone, and asks the server afresh instead of offering the prefetched item', async () => {
		const { session, calls, refuseWith } = start([item(1), item(2), item(3)]);
		await settle();
		expect(calls).toEqual(['next item1xxxxxxx']); // item 2 prefetched: its lease lapsed too
		refuseWith(new ReviewApiError(AWAY, 409, 'full'));
		session.answer(true);
		session.comment('almost done');
		await vi.advanceTimersByTimeAsync(1000);
		refuseWith(null);
		await settle();
		expect(session.kept).toMatchObject([{ why: AWAY, summary: 'yes · – · –', comment: 'almost done' }]);
		expect(calls).toEqual(['next item1xxxxxxx', 'next ', 'next item3xxxxxxx']);
		expect(session.work?.ref).toBe(item(3).ref);
		expect(session.announcement).toBe(`${AWAY} Your answers stay on screen until you dismiss them. Next item: Task 3: write a sentence.`);
	});

	it('a second item found gone adds its answers to the first one\'s instead of replacing them; Esc and other notices leave them', async () => {
		const { session, refuseWith } = start([item(1), item(2), item(3)]);
		await settle();
		refuseWith(new ReviewApiError(AWAY, 409, 'full'));
		session.answer(true);
		session.comment('first');
		await vi.advanceTimersByTimeAsync(1000);
		await settle();
		session.answer(false);
		session.comment('second');
		await vi.advanceTimersByTimeAsync(1000);
		await settle();
		expect(session.kept.map((k) => [k.instruction, k.comment])).toEqual([
			['Task 1: write a sentence.', 'first'],
			['Task 3: write a sentence.', 'second']
		]);
		// Nothing left for this reviewer: the state is said, not "Loading" while the card says All done.
		expect(session.status).toBe('done');
		expect(session.announcement).toBe(`${AWAY} Your answers stay on screen until you dismiss them. All done: no more items for you in this audit.`);
		handleReviewKey(escape, session, noHooks);
		session.setNotice({ kind: 'ok', text: 'Something else.' });
		session.setNotice(null);
		expect(session.kept).toHaveLength(2);
		session.dismissKept();
		expect(session.kept).toEqual([]);
	});
});

describe('a label that waited for the connection while the audit closed', () => {
	it('is not saved, and says so with its answers and comment kept in the notice', async () => {
		const { session, refuseWith } = start([item(1), item(2)]);
		await settle();
		answerNoOutput(session, 'written on the train');
		refuseWith(new ReviewApiError('This audit is closed: labels can no longer be given or changed.', 409, 'closed'));
		session.submit();
		await settle();
		expect(session.status).toBe('closed');
		expect(session.kept).toMatchObject([{ why: 'Label not saved: This audit is closed: labels can no longer be given or changed.', comment: 'written on the train' }]);
	});
});
