import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Answer, Draft } from '$lib/audits/answers';
import type { NextResult, ReviewAuditInfo, ReviewItemView, ReviewProgress } from '$lib/audits/views';
import { ReviewApiError, type ReviewApi } from './api';
import { handleReviewKey, type KeyEventLike } from './review-keyboard';
import { GUIDELINES_UPDATED, ReviewSession, WAITING_FOR_LABEL } from './review-session.svelte';
import type { ReviewScreenData } from '$lib/audits/views';

const audit: ReviewAuditInfo = { id: 7, name: 'Test audit', kind: 'quality', status: 'open', blind: false, overlap: 1, itemCount: 3, leaseSeconds: 1800, guidelinesHtml: '', guidelinesVersion: 0 };

function qualityItem(n: number): ReviewItemView {
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

/** A scripted server: hands out the items in order, records what arrives. */
function fakeApi(items: ReviewItemView[]) {
	const queue = [...items];
	const submitted: { ref: string; answer: Answer; submissionId: string }[] = [];
	const skipped: string[] = [];
	const drafts: Draft[] = [];
	const api: ReviewApi = {
		next: async (exclude) => {
			const item = queue.find((i) => !exclude.includes(i.ref)) ?? null;
			if (item) queue.splice(queue.indexOf(item), 1);
			const next: NextResult = item ? { status: 'assigned', ref: item.ref } : { status: 'done' };
			return { next, item, progress: progress(submitted.length) };
		},
		item: async (ref) => ({ item: items.find((i) => i.ref === ref)! }),
		submit: async (ref, submissionId, answer) => {
			submitted.push({ ref, answer, submissionId });
			return { result: { outcome: 'created', duplicate: false, revision: 1 }, progress: progress(submitted.length) };
		},
		skip: async (ref) => {
			skipped.push(ref);
			return { skipped: true };
		},
		draft: async (_ref, draft) => {
			drafts.push(draft);
			return { saved: true };
		},
		heartbeat: async () => ({ leaseExpiresAt: Date.now() + 60_000 }),
		history: async () => ({ entries: [] }),
		guidelines: async () => ({ guidelinesHtml: '<p>New rule.</p>', guidelinesVersion: 5 })
	};
	return { api, submitted, skipped, drafts };
}

async function settle() {
	for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Yes to the three questions, then submit, and let the outbox and the next item settle. */
async function submitAllYes(session: ReviewSession) {
	session.answer(true);
	session.answer(true);
	session.answer(true);
	session.submit();
	await settle();
}

function startSession(items: ReviewItemView[]) {
	const server = fakeApi(items.slice(1));
	const data: ReviewScreenData = { audit, progress: progress(), item: items[0], next: { status: 'assigned', ref: items[0].ref }, history: [], userId: 3 };
	const session = new ReviewSession(data, server.api, null);
	session.start();
	return { session, ...server };
}

function key(key: string, target: object | null = null, extra: Partial<KeyEventLike> = {}): KeyEventLike & { prevented: boolean } {
	const event = {
		key,
		ctrlKey: false,
		metaKey: false,
		altKey: false,
		shiftKey: false,
		defaultPrevented: false,
		target: target as EventTarget | null,
		prevented: false,
		preventDefault() {
			event.prevented = true;
		},
		...extra
	};
	return event;
}

const element = (tagName: string, attributes: Record<string, string> = {}) => ({
	tagName,
	getAttribute: (name: string) => attributes[name] ?? null,
	hasAttribute: (name: string) => name in attributes
});

const hooks = { comment: () => undefined, skipInput: () => undefined, skipReason: () => '', openSkip: () => {}, closeSkip: () => {}, followRow: () => {}, focusOpenQuestion: () => {}, leaveComment: () => {} };

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] }));
afterEach(() => vi.useRealTimers());

describe('ReviewSession', () => {
	it('tells the reviewer once when a newer version of the guidelines comes with an answer, and shows it on request', async () => {
		const { session, api } = startSession([qualityItem(1), qualityItem(2), qualityItem(3)]);
		await settle();
		expect(session.guidelinesUpdated).toBe(false);
		// The researcher saved new guidelines: the server's next answers carry their version.
		const submit = api.submit;
		api.submit = async (...args) => ({ ...(await submit(...args)), progress: { ...progress(1), guidelinesVersion: 5 } });
		await submitAllYes(session);
		expect(session.guidelinesUpdated).toBe(true);
		session.sayGuidelinesUpdated();
		expect(session.announcement).toContain(GUIDELINES_UPDATED);
		// Said once, not again with every answer.
		session.announce('Next item.');
		session.sayGuidelinesUpdated();
		expect(session.announcement).toBe('Next item.');
		expect(await session.showNewGuidelines()).toBe(true);
		expect(session).toMatchObject({ guidelinesHtml: '<p>New rule.</p>', shownGuidelinesVersion: 5, guidelinesOpen: true, guidelinesUpdated: false });
	});

	it('hears of guidelines saved while one item is read from the heartbeat, before the answer', async () => {
		let now = 1_000_000;
		const server = fakeApi([qualityItem(2)]);
		let guidelinesVersion = 0;
		server.api.heartbeat = async () => ({ leaseExpiresAt: now + 60_000, guidelinesVersion });
		const data: ReviewScreenData = { audit, progress: progress(), item: qualityItem(1), next: { status: 'assigned', ref: qualityItem(1).ref }, history: [], userId: 3 };
		const session = new ReviewSession(data, server.api, null, () => now);
		session.start();
		await settle();
		expect(session.guidelinesUpdated).toBe(false);
		// A researcher saves new guidelines; the reviewer reads, scrolls, presses a key now and then:
		// a heartbeat goes out after a minute of it.
		guidelinesVersion = 9;
		for (let i = 0; i < 70; i++) {
			now += 1000;
			session.interacted();
			session.tick(true);
		}
		await settle();
		expect(server.submitted).toHaveLength(0);
		expect(session.guidelinesUpdated).toBe(true);
	});

	it('starts from a judge suggestion when the item has no draft of the reviewer\'s own, says so once, and submits nothing by itself', async () => {
		const suggestion = {
			runId: 5,
			model: 'judge-m',
			answers: { instruction: true, input: true, output: false },
			reasons: { instruction: 'Clear.', input: 'Fits.', output: 'Wrong sum.' }
		};
		const first = { ...qualityItem(1), suggestion };
		const own = { ...qualityItem(2), suggestion, draft: { kind: 'quality' as const, answers: { instruction: false, input: null, output: null }, reason: 'incomprehensible_instruction' as const, reasonChosen: false, comment: '' } };
		const { session, submitted, drafts } = startSession([first, own]);
		await settle();
		expect(session.draft).toMatchObject({ answers: { instruction: true, input: true, output: false }, reason: 'incorrect_output' });
		expect(session.announcement).toContain("model judge's suggestion");
		vi.advanceTimersByTime(10_000);
		await settle();
		expect(submitted).toHaveLength(0);
		expect(drafts).toHaveLength(0);
		session.submit();
		await settle();
		expect(submitted[0].answer).toEqual({ kind: 'quality', instruction: true, input: true, output: false, reason: 'incorrect_output', comment: '' });
		// The next item has the reviewer's own draft: that wins over the suggestion.
		expect(session.work?.ref).toBe(own.ref);
		expect(session.draft).toMatchObject({ answers: { instruction: false, input: null, output: null } });
		expect(session.announcement).not.toContain('suggestion');
	});

	it('stores exactly the answers shown selected: "no" chosen in the Output group, then submit', async () => {
		const { session, submitted } = startSession([qualityItem(1), qualityItem(2)]);
		await settle();
		session.answer(true, 0, false);
		session.answer(true, 1, false);
		session.answer(false, 2, false);
		expect(session.draft).toMatchObject({ answers: { instruction: true, input: true, output: false }, reason: 'incorrect_output' });
		session.submit();
		await settle();
		expect(submitted).toHaveLength(1);
		expect(submitted[0].answer).toEqual({ kind: 'quality', instruction: true, input: true, output: false, reason: 'incorrect_output', comment: '' });
		expect(session.work?.ref).toBe(qualityItem(2).ref);
	});

	it('says what is missing instead of submitting, and brings the highlight there', async () => {
		const { session, submitted } = startSession([qualityItem(1), qualityItem(2)]);
		session.answer(true, 0);
		session.submit();
		await settle();
		expect(submitted).toHaveLength(0);
		expect(session.problem).toContain('Is the input appropriate');
		expect(session.row).toBe(1);
		expect(session.announcement).toContain('Is the input appropriate');
	});

	it('announces the row the highlight moves to (J / K, arrows, 1–9), with its answer', async () => {
		const { session } = startSession([qualityItem(1)]);
		await settle();
		session.moveRow(1);
		expect(session.row).toBe(1);
		expect(session.announcement).toBe('Question 2 of 3: Is the input appropriate for the instruction?');
		session.jumpRow(0);
		expect(session.announcement).toBe('Question 1 of 3: Does the instruction describe a valid task?');
		session.answer(false, 0, false);
		session.moveRow(-1);
		expect(session.row).toBe(0);
		expect(session.announcement.trim()).toBe('Question 1 of 3: Does the instruction describe a valid task? Answered no.');
		// A row that does not exist moves nothing and says nothing.
		session.jumpRow(5);
		expect(session.row).toBe(0);
		expect(session.announcement.trim()).toBe('Question 1 of 3: Does the instruction describe a valid task? Answered no.');
	});

	it('announces a rating audit\'s rows as responses, with the rating given', async () => {
		const item: ReviewItemView = {
			...qualityItem(1),
			kind: 'rating',
			output: null,
			responses: [1, 2, 3].map((slot) => ({ slot, model: `m${slot}`, text: `Response text ${slot}` }))
		};
		const server = fakeApi([]);
		const data: ReviewScreenData = { audit: { ...audit, kind: 'rating' }, progress: progress(), item, next: { status: 'assigned', ref: item.ref }, history: [], userId: 3 };
		const session = new ReviewSession(data, server.api, null);
		session.start();
		await settle();
		session.rate('B');
		expect(session.row).toBe(1);
		session.moveRow(1);
		expect(session.announcement).toBe('Response 3 of 3');
		session.jumpRow(0);
		expect(session.announcement).toBe('Response 1 of 3, rated B');
	});

	it('says a problem once, through the announcer, even when it repeats', async () => {
		const { session } = startSession([qualityItem(1)]);
		await settle();
		session.reason('other');
		expect(session.problem).toBe('A reason is only needed when an answer is "no".');
		expect(session.announcement).toBe(session.problem);
		session.submit();
		const first = session.announcement;
		expect(first).toContain('Does the instruction describe a valid task');
		session.submit();
		// The same words again: changed invisibly, so a screen reader says them again.
		expect(session.announcement).not.toBe(first);
		expect(session.announcement.trim()).toBe(first.trim());
	});

	it('moves the highlight on for letter keys, not for an answer chosen in its own group', () => {
		const { session } = startSession([qualityItem(1)]);
		session.answer(true);
		expect(session.row).toBe(1);
		session.answer(false, 1, false);
		expect(session.row).toBe(1);
	});

	it('announces the answer given, then what was submitted and the next item', async () => {
		const { session } = startSession([qualityItem(1), qualityItem(2)]);
		await settle();
		session.answer(true);
		expect(session.announcement).toBe('Instruction: yes');
		session.answer(true);
		session.answer(false);
		expect(session.announcement).toBe('Output: no — reason: incorrect output');
		session.submit();
		await settle();
		expect(session.announcement).toBe('Submitted: yes · yes · no — incorrect output. Next item: Task 2: write a sentence.');
		// The last item: the announcement says so.
		await submitAllYes(session);
		expect(session.status).toBe('done');
		expect(session.announcement).toBe('Submitted: yes · yes · yes. All done: no more items for you in this audit.');
	});

	it('clears the "Skipped" confirmation once the reviewer works on the next item, and counts the skip', async () => {
		const { session, skipped } = startSession([qualityItem(1), qualityItem(2)]);
		await settle();
		await session.skip('not my field');
		await settle();
		expect(skipped).toEqual([qualityItem(1).ref]);
		expect(session.notice?.kind).toBe('ok');
		expect(session.progress.skipped).toBe(1);
		expect(session.work?.ref).toBe(qualityItem(2).ref);
		session.answer(true);
		expect(session.notice).toBeNull();
		// Or after a few seconds by itself.
		await session.skip('');
		expect(session.notice?.kind).toBe('ok');
		vi.advanceTimersByTime(10_000);
		expect(session.notice).toBeNull();
	});

	it('keeps the labels when the sign-in has ended, says so, and sends them once signed in again', async () => {
		const { session, api, submitted } = startSession([qualityItem(1), qualityItem(2), qualityItem(3)]);
		await settle();
		const accept = api.submit;
		let signedIn = false;
		api.submit = async (...args) => {
			if (!signedIn) throw new ReviewApiError('Sign in first.', 401);
			return accept(...args);
		};
		for (const ref of [qualityItem(1).ref, qualityItem(2).ref]) {
			expect(session.work?.ref).toBe(ref);
			await submitAllYes(session);
			// Said once, when it happens.
			if (ref === qualityItem(1).ref) expect(session.announcement).toContain('Your sign-in has ended');
		}
		expect(session.signInNeeded).toBe(true);
		expect(session.outbox.items.map((s) => s.ref)).toEqual([qualityItem(1).ref, qualityItem(2).ref]);
		expect(session.notice).toBeNull();
		expect(submitted).toEqual([]);
		// Back in this tab after signing in (in another one).
		signedIn = true;
		session.connectionBack();
		await settle();
		expect(submitted.map((s) => s.ref)).toEqual([qualityItem(1).ref, qualityItem(2).ref]);
		expect(session.signInNeeded).toBe(false);
		expect(session.outbox.size).toBe(0);
		expect(session.announcement).toBe('Connection back: your waiting labels are saved. Submitted: yes · yes · yes. Next item: Task 3: write a sentence.');
	});

	it('shows the closed card, not a greyed item, when the audit closes under the reviewer, and on a reload of a closed audit', async () => {
		const { session, api } = startSession([qualityItem(1), qualityItem(2), qualityItem(3)]);
		await settle();
		const shown: (string | null)[] = [];
		session.setItemListener((item) => shown.push(item?.ref ?? null));
		api.submit = async () => {
			throw new ReviewApiError('This audit is closed.', 409, 'closed');
		};
		expect(session.auditStatus).toBe('open');
		await submitAllYes(session);
		expect(session.status).toBe('closed');
		// The header reads the audit's status from the session: no "left for you" beside the closed card.
		expect(session.auditStatus).toBe('closed');
		expect(session.work).toBeNull();
		expect(session.current).toBeNull();
		expect(shown.at(-1)).toBeNull();
		expect(session.kept).toMatchObject([{ why: 'Label not saved: This audit is closed.' }]);
		expect(session.announcement).toContain('This audit is closed');

		const data: ReviewScreenData = {
			audit: { ...audit, status: 'closed' },
			progress: progress(),
			item: qualityItem(1),
			next: { status: 'assigned', ref: qualityItem(1).ref },
			history: [],
			userId: 3
		};
		const reloaded = new ReviewSession(data, fakeApi([]).api, null);
		expect(reloaded.status).toBe('closed');
		expect(reloaded.current).toBeNull();
	});

	it('handles an audit archived under the reviewer as a closed one: answers kept to copy, no more items, the card says archived', async () => {
		const { session, api } = startSession([qualityItem(1), qualityItem(2), qualityItem(3)]);
		await settle();
		api.submit = async () => {
			throw new ReviewApiError('This audit is archived: labels can no longer be given or changed.', 409, 'archived');
		};
		await submitAllYes(session);
		expect(session.status).toBe('closed');
		expect(session.archived).toBe(true);
		expect(session.auditStatus).toBe('closed');
		// The prefetched item is not offered: no Submit that could only fail the same way.
		expect(session.work).toBeNull();
		expect(session.current).toBeNull();
		expect(session.editable).toBe(false);
		expect(session.kept).toMatchObject([{ why: 'Label not saved: This audit is archived: labels can no longer be given or changed.', summary: 'yes · yes · yes' }]);
		expect(session.announcement).toContain('This audit is archived');
	});

	it('keeps the skip box open with its reason when the skip could not reach the server, and skips on the next try', async () => {
		const { session, api, skipped } = startSession([qualityItem(1), qualityItem(2)]);
		await settle();
		const accept = api.skip;
		let online = false;
		api.skip = async (ref, reason) => {
			if (!online) throw new ReviewApiError('No connection to the server.', 0);
			return accept(ref, reason);
		};
		session.skipOpen = true;
		await session.skip('needs a lawyer');
		expect(session.skipOpen).toBe(true);
		expect(session.work?.ref).toBe(qualityItem(1).ref);
		expect(session.notice?.kind).toBe('error');
		online = true;
		await session.skip('needs a lawyer');
		await settle();
		expect(session.skipOpen).toBe(false);
		expect(skipped).toEqual([qualityItem(1).ref]);
		expect(session.work?.ref).toBe(qualityItem(2).ref);
	});

	it('says which card is on screen when Forward leads back to it from an earlier label', async () => {
		const { session } = startSession([qualityItem(1), qualityItem(2)]);
		await settle();
		for (let n = 0; n < 2; n++) {
			await submitAllYes(session);
		}
		expect(session.status).toBe('done');
		await session.back();
		await settle();
		expect(session.inHistory).toBe(true);
		session.forward();
		expect(session.inHistory).toBe(false);
		expect(session.announcement).toBe('All done: no more items for you in this audit.');
	});

	it('says the reason when an answer changes it, never swapping a chosen reason silently', async () => {
		const { session } = startSession([qualityItem(1), qualityItem(2)]);
		await settle();
		session.answer(true);
		session.answer(true);
		session.answer(false);
		session.reason('incomprehensible_instruction');
		// "No" on Output chosen again (Enter on the selected answer): the reason blaming the instruction no longer fits.
		session.answer(false, 2, false);
		expect(session.draft).toMatchObject({ reason: 'incorrect_output' });
		expect(session.announcement).toBe('Output: no — reason: incorrect output');
	});

	it('credits time spent changing an earlier label to that label, and the item being worked on keeps its own', async () => {
		let now = 1_000_000;
		const server = fakeApi([qualityItem(2), qualityItem(3)]);
		const activeMs: Record<string, number[]> = {};
		const submit = server.api.submit;
		server.api.submit = (ref, id, answer, ms, base) => ((activeMs[ref] ??= []).push(ms ?? 0), submit(ref, id, answer, ms, base));
		server.api.item = async (ref) => ({ item: { ...qualityItem(1), ref, state: 'submitted', answer: { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' }, revision: 1 } });
		const data: ReviewScreenData = { audit, progress: progress(), item: qualityItem(1), next: { status: 'assigned', ref: qualityItem(1).ref }, history: [], userId: 3 };
		const session = new ReviewSession(data, server.api, null, () => now);
		session.start();
		const work = (seconds: number) => {
			for (let i = 0; i < seconds; i++) {
				now += 1000;
				session.interacted();
				session.tick(true);
			}
		};
		await settle();
		work(5);
		await submitAllYes(session);
		expect(session.work?.ref).toBe(qualityItem(2).ref);
		work(45);
		await session.back();
		await settle();
		expect(session.inHistory).toBe(true);
		work(2);
		expect(session.itemClock.elapsedMs).toBe(2000);
		session.answer(false, 2);
		session.submit();
		await settle();
		expect(session.inHistory).toBe(false);
		work(3);
		await submitAllYes(session);
		expect(activeMs[qualityItem(1).ref]).toEqual([5000, 2000]);
		expect(activeMs[qualityItem(2).ref]).toEqual([48_000]);
	});
});

describe('handleReviewKey', () => {
	it('leaves Enter to a focused button or link, and submits from the item itself', async () => {
		const { session, submitted } = startSession([qualityItem(1), qualityItem(2)]);
		await settle();
		for (const k of ['y', 'y', 'n']) handleReviewKey(key(k), session, hooks);
		const onButton = key('Enter', element('BUTTON'));
		handleReviewKey(onButton, session, hooks);
		const onLink = key('Enter', element('A', { href: '/review' }));
		handleReviewKey(onLink, session, hooks);
		await settle();
		expect(onButton.prevented || onLink.prevented).toBe(false);
		expect(submitted).toHaveLength(0);
		// Enter on an answer chooses it (the button's own click), it does not submit.
		const onAnswer = key('Enter', element('BUTTON', { role: 'radio' }));
		handleReviewKey(onAnswer, session, hooks);
		expect(onAnswer.prevented).toBe(false);
		handleReviewKey(key('Enter', element('H2', { tabindex: '-1' })), session, hooks);
		await settle();
		expect(submitted.map((s) => s.answer)).toEqual([{ kind: 'quality', instruction: true, input: true, output: false, reason: 'incorrect_output', comment: '' }]);
	});

	it('keeps the arrows inside an answer group and out of history', async () => {
		const { session } = startSession([qualityItem(1)]);
		const back = vi.spyOn(session, 'back');
		const event = key('ArrowLeft', element('BUTTON', { role: 'radio' }));
		handleReviewKey(event, session, hooks);
		expect(event.prevented).toBe(false);
		expect(back).not.toHaveBeenCalled();
		handleReviewKey(key('ArrowLeft', element('BODY')), session, hooks);
		expect(back).toHaveBeenCalledOnce();
	});

	it('Ctrl+Enter from the comment box with a question unanswered sends focus to that question, not the page body; Esc leaves the box for the question', async () => {
		const { session, submitted } = startSession([qualityItem(1), qualityItem(2)]);
		await settle();
		const calls: string[] = [];
		const box = { ...element('TEXTAREA'), blur: () => calls.push('blur'), focus: () => calls.push('focus') };
		const screenHooks = {
			...hooks,
			comment: () => box as unknown as HTMLTextAreaElement,
			focusOpenQuestion: () => calls.push('open question'),
			leaveComment: () => calls.push('leave comment')
		};
		session.answer(true);
		handleReviewKey(key('Enter', box, { ctrlKey: true }), session, screenHooks);
		expect(session.problem).not.toBeNull();
		expect(calls).toEqual(['open question']);
		expect(submitted).toHaveLength(0);
		calls.length = 0;
		handleReviewKey(key('Escape', box), session, screenHooks);
		expect(calls).toEqual(['leave comment']);
		// A complete answer submitted from the box leaves it (focus then goes to the next item's heading).
		calls.length = 0;
		session.answer(true);
		session.answer(true);
		handleReviewKey(key('Enter', box, { ctrlKey: true }), session, screenHooks);
		expect(calls).toEqual(['blur']);
		await settle();
		expect(submitted).toHaveLength(1);
		// Enter refused elsewhere (focus on the item's heading) leaves focus there: letters and Enter go on working.
		calls.length = 0;
		session.answer(true);
		handleReviewKey(key('Enter', element('H2')), session, screenHooks);
		expect(session.problem).not.toBeNull();
		expect(calls).toEqual([]);
	});

	it('moves focus along with the highlight when a letter answers from inside a group', () => {
		const { session } = startSession([qualityItem(1)]);
		let followed = 0;
		handleReviewKey(key('y', element('BUTTON', { role: 'radio' })), session, { ...hooks, followRow: () => followed++ });
		handleReviewKey(key('y', element('BODY')), session, { ...hooks, followRow: () => followed++ });
		expect(followed).toBe(1);
		expect(session.row).toBe(2);
	});

	it('a label refused because the item was labelled in another tab is not lost: the reviewer keeps that one or replaces it knowingly', async () => {
		const first = qualityItem(1);
		const { session, api } = startSession([first, qualityItem(2), qualityItem(3)]);
		await settle();
		const sent: { ref: string; answer: Answer; baseRevision?: number }[] = [];
		const otherTab: Answer = { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' };
		let stored: { answer: Answer; revision: number } = { answer: otherTab, revision: 1 };
		// The server's counts after the other tab's labels (this tab saw none of them).
		api.item = async (ref) => ({
			item: { ...first, ref, state: 'submitted', answer: stored.answer, revision: stored.revision, submittedAt: Date.UTC(2026, 0, 5, 10, 42), updatedAt: Date.UTC(2026, 0, 5, 11, 7) },
			progress: progress(2)
		});
		api.submit = async (ref, _id, answer, _ms, baseRevision) => {
			sent.push({ ref, answer, baseRevision });
			if (baseRevision !== stored.revision && !(baseRevision === 0 && stored.revision === 0)) throw new ReviewApiError('You labelled this item elsewhere.', 409, 'labelled-elsewhere');
			stored = { answer, revision: stored.revision + 1 };
			return { result: { outcome: 'edited', duplicate: false, revision: stored.revision }, progress: progress(1) };
		};
		// This tab still shows item 1, labelled yes · yes · yes in another tab: no, no, no here.
		session.answer(false);
		session.answer(false);
		session.answer(false);
		session.submit();
		await settle();
		expect(sent[0]).toMatchObject({ ref: first.ref, baseRevision: 0 });
		// When the version that conflicts was given (changed at 11:07), not when the item was first labelled.
		expect(session.conflict).toMatchObject({ stored: { summary: 'yes · yes · yes', revision: 1, at: Date.UTC(2026, 0, 5, 11, 7) } });
		expect(session.announcement).toContain('in another tab (yes · yes · yes). Keep that, or replace it?');
		expect(session.notice).toBeNull();
		// The history lists the label the server keeps.
		expect(session.history.find((h) => h.ref === first.ref)).toMatchObject({ summary: 'yes · yes · yes', revision: 1 });
		// And its counters are the server's, not this tab's stale ones.
		expect(session.progress).toMatchObject({ mine: 2, remaining: 1 });
		session.replaceStoredLabel();
		await settle();
		expect(session.conflict).toBeNull();
		expect(sent[1]).toMatchObject({ ref: first.ref, baseRevision: 1, answer: { instruction: false, input: false, output: false } });
		expect(stored.revision).toBe(2);
		expect(session.outbox.size).toBe(0);
	});

	it('Back while the label waits to be sent says so at once and can be cancelled; Submit on the item on screen still works; no jump later', async () => {
		const { session, api, submitted } = startSession([qualityItem(1), qualityItem(2), qualityItem(3)]);
		await settle();
		const accept = api.submit;
		let release: () => void = () => {};
		const held = new Promise<void>((resolve) => (release = resolve));
		api.submit = async (...args) => {
			if (args[0] === qualityItem(1).ref) await held;
			return accept(...args);
		};
		await submitAllYes(session);
		expect(session.work?.ref).toBe(qualityItem(2).ref);
		void session.back();
		await settle();
		expect(session.notice?.text).toBe(WAITING_FOR_LABEL);
		expect(session.announcement).toBe(WAITING_FOR_LABEL);
		// Submit on the current item is not swallowed: it goes, and the Back gives way.
		session.answer(true);
		session.answer(true);
		session.answer(true);
		session.submit();
		expect(session.problem).toBeNull();
		expect(session.loadingHistory).toBe(false);
		expect(session.outbox.items.map((s) => s.ref)).toEqual([qualityItem(1).ref, qualityItem(2).ref]);
		release();
		await vi.advanceTimersByTimeAsync(200);
		await settle();
		expect(submitted.map((s) => s.ref)).toEqual([qualityItem(1).ref, qualityItem(2).ref]);
		// The label landed: the screen did not switch to it on its own.
		expect(session.inHistory).toBe(false);
		expect(session.notice).toBeNull();
	});

	it('Back to a label that cannot be sent (no connection) says why at once instead of waiting', async () => {
		const { session, api } = startSession([qualityItem(1), qualityItem(2), qualityItem(3)]);
		await settle();
		api.submit = async () => {
			throw new ReviewApiError('No connection to the server.', 0);
		};
		await submitAllYes(session);
		expect(session.offline).toBe(true);
		await session.back();
		expect(session.loadingHistory).toBe(false);
		expect(session.inHistory).toBe(false);
		expect(session.notice?.text).toContain('has not reached the server yet (no connection)');
	});

	it('keeps a draft the server could not take (sign-in ended) in the browser and brings it back after signing in again', async () => {
		const store = new Map<string, string>();
		const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) };
		const item = qualityItem(1);
		const data: ReviewScreenData = { audit, progress: progress(), item, next: { status: 'assigned', ref: item.ref }, history: [], userId: 3 };
		const first = fakeApi([qualityItem(2)]);
		first.api.draft = async () => {
			throw new ReviewApiError('Sign in first.', 401);
		};
		const session = new ReviewSession(data, first.api, storage);
		session.start();
		session.answer(true);
		session.answer(false);
		await vi.advanceTimersByTimeAsync(1000);
		expect(session.signInNeeded).toBe(true);
		expect(session.draftUnsaved).toBe(true);
		expect(session.atRisk).toBe(true);
		// Signed in again: the page loads afresh, the server still has no draft for the item.
		const second = fakeApi([qualityItem(2)]);
		const again = new ReviewSession(data, second.api, storage);
		again.start();
		expect(again.draft).toMatchObject({ answers: { instruction: true, input: false, output: null } });
		await vi.advanceTimersByTimeAsync(1000);
		expect(second.drafts.at(-1)).toMatchObject({ answers: { instruction: true, input: false, output: null } });
		// The server has it now: nothing more kept in the browser.
		expect([...store.keys()].filter((k) => k.startsWith('ia-review-draft'))).toEqual([]);
	});

	it('ignores the second click of a double click on Submit: the next item shows no problem before the reviewer did anything', async () => {
		const { session, submitted } = startSession([qualityItem(1), qualityItem(2), qualityItem(3)]);
		await submitAllYes(session);
		expect(session.work?.ref).toBe(qualityItem(2).ref);
		session.submit();
		expect(session.problem).toBeNull();
		expect(submitted).toHaveLength(1);
		// Later, an untouched item's Submit says what is missing, as before.
		const now = Date.now();
		const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 1000);
		session.submit();
		expect(session.problem).toContain('Does the instruction describe a valid task');
		clock.mockRestore();
		// Answered at once: submitted at once.
		await submitAllYes(session);
		expect(submitted.map((s) => s.ref)).toEqual([qualityItem(1).ref, qualityItem(2).ref]);
	});

	it('while the next item loads, the live region says so instead of keeping what was said about the last one', async () => {
		const { session, api } = startSession([qualityItem(1), qualityItem(2)]);
		api.next = () => new Promise(() => {});
		await submitAllYes(session);
		expect(session.status).toBe('loading');
		expect(session.announcement).toBe('Loading the next item…');
	});
});
