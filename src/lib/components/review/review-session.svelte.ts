import {
	answerQuestion,
	chooseReason,
	judgeTurn,
	completeDraft,
	draftFromAnswer,
	emptyDraft,
	rateResponse,
	summarizeAnswer,
	summarizeDraft,
	judgedWhole,
	type Draft
} from '$lib/audits/answers';
import { QUALITY_QUESTIONS, pairChoiceLabel, reasonLabel, type ErrorReason, type PairChoice, type RatingLevel } from '$lib/audits/rubric';
import { draftFromSuggestion } from '$lib/audits/suggestions';
import { clipLine } from '$lib/text/clip';
import { answerRows, AUDIT_ARCHIVED, auditTakesNoLabels, LABELLED_ELSEWHERE, REVIEWER_REMOVED, type HistoryEntry, type NextResult, type ReviewAuditInfo, type ReviewItemView, type ReviewProgress, type ReviewScreenData } from '$lib/audits/views';
import { ActivityClock } from './activity-clock.svelte';
import { reviewApi, ReviewApiError, type ReviewApi } from './api';
import { LabelOutbox, type PendingSubmission } from './outbox.svelte';

/**
 * The review screen's state and behaviour, one instance per open screen.
 *
 * - Work: the item the reviewer holds. Its draft is saved to the server as it changes.
 * - Prefetch: a second item is leased in the background, so after a submit the next one is on
 *   screen at once; the submit itself goes to the outbox (outbox.svelte.ts), which delivers it.
 * - Clock: time on the item and active time (activity-clock.svelte.ts); an earlier label opened
 *   with Back has its own clock, and the work item's stands still meanwhile.
 * - History: Back/Forward walk the reviewer's own earlier labels, which can be changed while
 *   the audit is open.
 * - Announcements: what a screen reader should hear (the answer given, the next item).
 * Keys are mapped to these methods in review-keyboard.ts.
 */

export type Status = 'ready' | 'loading' | 'waiting' | 'done' | 'closed' | 'removed' | 'error';
export type SaveState = 'idle' | 'pending' | 'saving' | 'saved' | 'retrying' | 'error';
/** Said when the researcher saved new guidelines while this screen was open. */
export const GUIDELINES_UPDATED = 'The guidelines were updated — show the new version from the notice at the top.';

export type Notice = { kind: 'ok' | 'warn' | 'error'; text: string };
/** Answers the server did not count or take, with why: kept on screen for the reviewer to copy. */
export interface KeptAnswers {
	why: string;
	instruction: string;
	summary: string;
	comment: string;
}
export interface LabelConflict {
	/** The refused submission, kept to replace the other label with. */
	submission: PendingSubmission;
	/** The label stored from elsewhere: its summary, when this version of it was given, its revision. */
	stored: { summary: string; at: number | null; revision: number };
}

const DRAFT_DEBOUNCE_MS = 400;
const WAITING_POLL_MS = 30_000;
/** A confirmation ("Skipped …") stays this long, or until the reviewer does something else. */
const OK_NOTICE_MS = 8_000;
const MAX_DRAFT_RETRY_MS = 8_000;
/** A submit this soon after a new item arrived, before any answer on it, is the second click of a double click. */
const DOUBLE_SUBMIT_MS = 600;
/** Said with answers the server did not take or count: they stay in the notice (see ReviewScreen) until dismissed. */
export const KEPT_ON_SCREEN = 'Your answers stay on screen until you dismiss them.';
export const WAITING_FOR_LABEL = 'Waiting for your label to be sent before showing it… Press Esc to stay here.';

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function newSubmissionId(): string {
	return crypto.randomUUID();
}

function browserStorage(): Storage | null {
	try {
		return typeof localStorage === 'undefined' ? null : localStorage;
	} catch {
		return null;
	}
}

/** The start of a text for an announcement: enough to recognise the item, not all of it. */
function gist(text: string, max = 140): string {
	return clipLine(text, max);
}

export class ReviewSession {
	readonly audit: ReviewAuditInfo;
	private readonly api: ReviewApi;
	readonly outbox: LabelOutbox;
	/** The work item's times. */
	readonly clock: ActivityClock;
	/** The times of the earlier label on screen (Back): an edit is credited its own, not the work item's. */
	readonly historyClock: ActivityClock;

	status = $state<Status>('loading');
	/** The audit's own status: as loaded, then closed when the server says so while the screen is open. */
	auditStatus = $state<ReviewAuditInfo['status']>('open');
	/** The audit was archived while the screen was open: it takes no labels, as a closed one (status 'closed'), and the card says which. */
	archived = $state(false);
	/** The item being worked on (held by this reviewer). */
	work = $state<ReviewItemView | null>(null);
	workDraft = $state<Draft | null>(null);
	/** An earlier label being looked at or changed (Back), or null. */
	viewing = $state<ReviewItemView | null>(null);
	viewDraft = $state<Draft | null>(null);
	/** Position in `history` of the viewed label; -1 while on the work item. */
	historyIndex = $state(-1);
	history = $state<HistoryEntry[]>([]);
	progress = $state<ReviewProgress>({ mine: 0, auditLabels: 0, auditNeeded: 0, remaining: 0, skipped: 0, stuck: 0 });
	/** The highlighted row: a question (quality) or a response (rating). */
	row = $state(0);
	/** Something the reviewer must do before submitting. */
	problem = $state<string | null>(null);
	notice = $state<Notice | null>(null);
	/**
	 * Answers refused or left on items that went away, oldest first. They stay until the reviewer
	 * dismisses them (never with a notice, nor with Esc): a second refusal adds to the first.
	 */
	kept = $state<KeptAnswers[]>([]);
	draftState = $state<SaveState>('idle');
	/** The last label the server confirmed. */
	lastSaved = $state<{ at: number; summary: string } | null>(null);
	/** Labels are waiting for the connection (shown, and announced once). */
	offline = $state(false);
	/**
	 * The server answered 401: the sign-in ended (signed out in another tab, expired, a password
	 * reset). Labels wait in the outbox, and in this browser's storage, until the reviewer signs in again.
	 */
	signInNeeded = $state(false);
	/** For the polite live region: the answer just given, the next item. */
	announcement = $state('');
	waitingPending = $state(0);
	skipOpen = $state(false);
	helpOpen = $state(false);
	guidelinesOpen = $state(false);
	/** The guidelines on screen, and which version they are: a researcher may save new ones meanwhile. */
	guidelinesHtml = $state('');
	shownGuidelinesVersion = $state(0);
	/** The server's answers carry a newer version of the guidelines than the one on screen. */
	guidelinesUpdated = $derived((this.progress.guidelinesVersion ?? this.shownGuidelinesVersion) !== this.shownGuidelinesVersion);
	loadingHistory = $state(false);
	/**
	 * A submit the server refused because this reviewer's label for the item was given or changed
	 * elsewhere meanwhile (another tab): the reviewer keeps that label or replaces it with this one.
	 */
	conflict = $state<LabelConflict | null>(null);

	private queued: ReviewItemView | null = null;
	/**
	 * When this screen's leases were last all renewed (client time: a heartbeat, or a fetched item).
	 * Past the audit's lease time they may have lapsed, and others may have completed their items.
	 */
	private leasesRenewedAt = Date.now();
	/** A submit made after the leases may have lapsed: said only once the server has answered it. */
	private awaitingVerdict: { submissionId: string; summary: string } | null = null;
	/** When the work item came on screen by a submit or skip (0: on load), and whether it was answered since. */
	private arrivedAt = 0;
	private touched = false;
	/** Counts Back requests: a cancelled or outdated one does not navigate when its wait ends. */
	private backRequest = 0;
	private prefetching = false;
	private fetching = false;
	private draftTimer: ReturnType<typeof setTimeout> | null = null;
	private noticeTimer: ReturnType<typeof setTimeout> | null = null;
	private waitingTimer: ReturnType<typeof setTimeout> | null = null;
	/** Labels had to wait (no connection, no sign-in): their landing is announced. */
	private labelsWaited = false;
	/** Said before the next item is announced ("Submitted: yes · yes · no."). */
	private pendingAnnouncement = '';
	private onItemChange: (item: ReviewItemView | null) => void = () => {};
	/** Where the work item's draft waits until the server has it (a sign-in that ended, no connection). */
	private readonly draftStorage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
	private readonly draftKey: string;

	constructor(
		data: ReviewScreenData,
		api: ReviewApi = reviewApi(data.audit.id),
		storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null = browserStorage(),
		now: () => number = Date.now
	) {
		this.audit = data.audit;
		this.guidelinesHtml = data.audit.guidelinesHtml;
		this.shownGuidelinesVersion = data.audit.guidelinesVersion;
		this.api = api;
		this.clock = new ActivityClock(now);
		// Not kept across a reload: only the work item's times are.
		this.historyClock = new ActivityClock(now, null);
		this.draftStorage = storage;
		this.draftKey = `ia-review-draft:${data.audit.id}:${data.userId}`;
		this.outbox = new LabelOutbox({
			send: (s) => this.api.submit(s.ref, s.submissionId, s.answer, s.activeMs, s.baseRevision),
			storage,
			storageKey: `ia-review-outbox:${data.audit.id}:${data.userId}`,
			onDelivered: (s, { result, progress }) => {
				if (progress) this.progress = progress;
				if (this.awaitingVerdict?.submissionId === s.submissionId) {
					this.pendingAnnouncement = `Submitted: ${this.awaitingVerdict.summary}. ${this.pendingAnnouncement}`.trim();
					this.awaitingVerdict = null;
				}
				// Waiting labels have all landed: say so, as losing the connection was said.
				if (this.labelsWaited && this.outbox.size === 0) {
					this.labelsWaited = false;
					const text = 'Connection back: your waiting labels are saved.';
					// With the next item on its way, said together with it.
					if (!this.work && this.status === 'loading') this.pendingAnnouncement = `${text} ${this.pendingAnnouncement}`.trim();
					else this.announce(text);
				}
				this.offline = false;
				this.signInNeeded = false;
				this.lastSaved = { at: Date.now(), summary: summarizeAnswer(s.answer) };
				const entry = this.history.findIndex((h) => h.ref === s.ref);
				if (entry >= 0) this.history[entry] = { ...this.history[entry], revision: result.revision };
				if (this.notice?.kind === 'warn' && this.notice.text.startsWith('Sending')) this.notice = null;
			},
			onRefused: (s, err) => {
				this.offline = false;
				if (err instanceof ReviewApiError && err.code === LABELLED_ELSEWHERE) {
					void this.labelledElsewhere(s);
					return;
				}
				this.history = this.history.filter((h) => h.ref !== s.ref || s.edit);
				this.labelRefused(s, err);
			},
			onRetrying: () => {
				this.labelsWaited = true;
				if (!this.offline) this.announce('No connection: your labels are kept and will be sent when it returns.');
				this.offline = true;
			},
			onSignInNeeded: () => this.needSignIn()
		});
		this.progress = data.progress;
		this.leasesRenewedAt = Date.now();
		this.history = data.history;
		this.auditStatus = data.audit.status;
		if (data.audit.status === 'closed') this.status = 'closed';
		if (data.item?.state === 'submitted') {
			// Opened on an earlier label (its URL): show it for changes, find the work item behind it.
			this.historyIndex = Math.max(0, data.history.findIndex((h) => h.ref === data.item!.ref));
			this.viewing = data.item;
			this.viewDraft = data.item.answer ? draftFromAnswer(data.item.answer) : null;
			if (this.status !== 'closed') this.status = 'ready';
		} else if (this.status === 'closed') {
			// Nothing to work on in a closed audit: its card says so (Back still shows earlier labels).
		} else if (data.item) {
			this.show(data.item);
		} else if (data.next) {
			this.applyNext(data.next);
		}
		this.arrivedAt = 0;
	}

	get current(): ReviewItemView | null {
		return this.viewing ?? this.work;
	}

	get draft(): Draft | null {
		return this.viewing ? this.viewDraft : this.workDraft;
	}

	get inHistory(): boolean {
		return this.viewing !== null;
	}

	get editable(): boolean {
		return this.auditStatus === 'open' && this.status !== 'closed' && this.status !== 'removed';
	}

	get rowCount(): number {
		const item = this.current;
		if (!item) return 0;
		return answerRows(item);
	}

	/** Told whenever a different item comes on screen (the page mirrors it in the URL, moves focus). */
	setItemListener(listener: (item: ReviewItemView | null) => void): void {
		this.onItemChange = listener;
	}

	/** Starts the background work once the screen is in the browser. */
	start(): void {
		this.restoreOutbox();
		if (this.work) this.heartbeat(this.work.ref);
		void this.flush();
		if (this.status === 'waiting') this.pollWhileWaiting();
	}

	stop(): void {
		if (this.waitingTimer) clearTimeout(this.waitingTimer);
		if (this.noticeTimer) clearTimeout(this.noticeTimer);
		this.saveDraftNow(true);
	}

	/** Whether leaving the page now would drop something not yet on the server. */
	get unsaved(): boolean {
		return this.outbox.size > 0 || this.draftUnsaved;
	}

	/** The work item's answers are not on the server yet (kept in this browser meanwhile). */
	get draftUnsaved(): boolean {
		return this.work !== null && (this.draftState === 'pending' || this.draftState === 'saving' || this.draftState === 'retrying' || this.draftState === 'error');
	}

	/**
	 * Leaving now would leave work the server does not have and cannot get yet: a label waiting to
	 * be sent, or a draft whose save failed (a pending draft goes with the page, keepalive).
	 */
	get atRisk(): boolean {
		return this.outbox.size > 0 || (this.work !== null && (this.draftState === 'retrying' || this.draftState === 'error'));
	}

	get sending(): boolean {
		return this.outbox.size > 0;
	}

	// ---- the clock -------------------------------------------------------------------------

	/** The clock of the item on screen: the earlier label being looked at, or the work item. */
	get itemClock(): ActivityClock {
		return this.viewing ? this.historyClock : this.clock;
	}

	interacted(): void {
		this.clock.interacted();
		this.historyClock.interacted();
	}

	/** Called every second: advances the clock of the item on screen and keeps the leases alive while active. */
	tick(visible: boolean): void {
		if (this.itemClock.tick(visible) && this.work) this.heartbeat();
	}

	/** Renews every lease this reviewer holds (and marks `showing` as on screen). */
	private heartbeat(showing?: string): void {
		const sentAt = Date.now();
		void this.api.heartbeat(showing).then(
			({ guidelinesVersion }) => {
				this.leasesRenewedAt = Math.max(this.leasesRenewedAt, sentAt);
				// Guidelines saved while this item is read: the notice comes now, not after the answer.
				if (guidelinesVersion !== undefined && guidelinesVersion !== this.progress.guidelinesVersion) this.progress = { ...this.progress, guidelinesVersion };
			},
			(err) => this.handleRemoved(err)
		);
	}

	/** Whether the leases may have lapsed: others may have completed the items on screen and prefetched. */
	private leasesMayHaveLapsed(): boolean {
		return Date.now() - this.leasesRenewedAt >= this.audit.leaseSeconds * 1000;
	}

	// ---- what the reviewer hears and reads -------------------------------------------------

	announce(text: string): void {
		// The same words twice in a row are still a new message: vary them invisibly.
		this.announcement = text === this.announcement ? `${text}\u00a0` : text;
	}

	/** Said once per update through the live region (with what it already says, so neither is lost). */
	private guidelinesUpdateSaid = 0;
	sayGuidelinesUpdated(): void {
		const version = this.progress.guidelinesVersion ?? 0;
		if (!this.guidelinesUpdated || this.guidelinesUpdateSaid === version) return;
		this.guidelinesUpdateSaid = version;
		this.announce(`${this.announcement.trim()} ${GUIDELINES_UPDATED}`.trim());
	}

	/** Fetches the guidelines as they are now and opens them; false if they could not be fetched. */
	async showNewGuidelines(): Promise<boolean> {
		try {
			const { guidelinesHtml, guidelinesVersion } = await this.api.guidelines();
			this.guidelinesHtml = guidelinesHtml;
			this.shownGuidelinesVersion = guidelinesVersion;
			this.guidelinesOpen = guidelinesHtml !== '';
			this.announce(guidelinesHtml ? 'The new guidelines are shown.' : 'The guidelines were removed.');
			return true;
		} catch (err) {
			this.setNotice({ kind: 'error', text: `The new guidelines could not be loaded: ${err instanceof Error ? err.message : String(err)}` });
			return false;
		}
	}

	setNotice(notice: Notice | null): void {
		if (this.noticeTimer) clearTimeout(this.noticeTimer);
		this.noticeTimer = null;
		this.notice = notice;
		if (notice?.kind === 'ok') this.noticeTimer = setTimeout(() => this.notice === notice && (this.notice = null), OK_NOTICE_MS);
	}

	private keep(answers: KeptAnswers): void {
		this.kept = [...this.kept, answers];
	}

	/** The reviewer has copied the kept answers (the Dismiss button by them). */
	dismissKept(): void {
		this.kept = [];
	}

	/** The reviewer moved on: a confirmation of what they did before has served its purpose. */
	private settle(): void {
		this.problem = null;
		if (this.notice?.kind === 'ok') this.setNotice(null);
	}

	// ---- answering -------------------------------------------------------------------------

	private setDraft(draft: Draft): void {
		this.settle();
		this.touched = true;
		if (this.viewing) {
			this.viewDraft = draft;
			return;
		}
		this.workDraft = draft;
		if (this.work && this.editable) this.keepDraftLocally(this.work.ref, draft);
		this.scheduleDraftSave();
	}

	// A draft is kept in this browser from its change until the server has it, so answers given
	// while the sign-in had ended (or offline) come back after signing in again or a reload.
	private keepDraftLocally(ref: string, draft: Draft): void {
		try {
			this.draftStorage?.setItem(this.draftKey, JSON.stringify({ ref, draft }));
		} catch {
			// Storage full or disabled: the draft still goes to the server.
		}
	}

	private localDraft(ref: string): Draft | null {
		try {
			const stored = JSON.parse(this.draftStorage?.getItem(this.draftKey) ?? 'null') as { ref?: unknown; draft?: Draft } | null;
			return stored && stored.ref === ref && stored.draft && typeof stored.draft === 'object' ? stored.draft : null;
		} catch {
			return null;
		}
	}

	private forgetLocalDraft(ref: string): void {
		try {
			if (this.localDraft(ref)) this.draftStorage?.removeItem(this.draftKey);
		} catch {
			// nothing kept
		}
	}

	/**
	 * Answers a question. `advance` moves the highlight to the next question (letter keys do; an
	 * answer chosen in its own group keeps the highlight where the focus is).
	 */
	answer(value: boolean, question = this.row, advance = true): void {
		const draft = this.draft;
		if (draft?.kind === 'conversation' && this.editable) {
			if (question < 0 || question >= draft.turns.length) return;
			const next = judgeTurn(draft, question, { valid: value });
			this.setDraft(next);
			this.announce(`${this.judgedTurnName(question)}: ${value ? 'valid' : 'not valid'}`);
			// Both answers given for this reply: on to the next one.
			if (advance && next.turns[question].rating !== null) this.row = Math.min(question + 1, draft.turns.length - 1);
			else this.row = question;
			return;
		}
		if (!draft || draft.kind !== 'quality' || !this.editable) return;
		const q = QUALITY_QUESTIONS[question];
		if (!q) return;
		const next = answerQuestion(draft, q.key, value);
		this.setDraft(next);
		// A reason set or changed by this answer (one that blamed a question now "yes") is said, never silently swapped.
		const reason = next.reason && next.reason !== draft.reason ? ` — reason: ${reasonLabel(next.reason).toLowerCase()}` : '';
		this.announce(`${q.label}: ${value ? 'yes' : 'no'}${reason}`);
		this.row = advance ? Math.min(question + 1, QUALITY_QUESTIONS.length - 1) : question;
	}

	reason(reason: ErrorReason): void {
		const draft = this.draft;
		if (!draft || draft.kind !== 'quality' || !this.editable) return;
		if (!Object.values(draft.answers).some((a) => a === false)) {
			this.showProblem('A reason is only needed when an answer is "no".');
			return;
		}
		this.setDraft(chooseReason(draft, reason));
		this.announce(`Reason: ${reasonLabel(reason)}`);
	}

	/** Pairwise: the reviewer's choice, A and B as on their screen. */
	prefer(choice: PairChoice): void {
		const draft = this.draft;
		if (!draft || draft.kind !== 'pairwise' || !this.editable) return;
		this.setDraft({ ...draft, choice });
		this.announce(pairChoiceLabel(choice));
	}

	rate(level: RatingLevel, response = this.row, advance = true): void {
		const draft = this.draft;
		if (draft?.kind === 'conversation' && this.editable) {
			if (response < 0 || response >= draft.turns.length) return;
			const next = judgeTurn(draft, response, { rating: level });
			this.setDraft(next);
			this.announce(`${this.judgedTurnName(response)}: ${level}`);
			if (advance && next.turns[response].valid !== null) this.row = Math.min(response + 1, draft.turns.length - 1);
			else this.row = response;
			return;
		}
		if (!draft || draft.kind !== 'rating' || !this.editable) return;
		if (response < 0 || response >= draft.ratings.length) return;
		this.setDraft(rateResponse(draft, response, level));
		this.announce(`Response ${response + 1}: ${level}`);
		this.row = advance ? Math.min(response + 1, draft.ratings.length - 1) : response;
	}

	comment(text: string): void {
		const draft = this.draft;
		if (!draft || !this.editable) return;
		this.setDraft({ ...draft, comment: text });
	}

	moveRow(delta: number): void {
		const n = this.rowCount;
		if (!n) return;
		this.row = Math.min(Math.max(this.row + delta, 0), n - 1);
		this.announceRow();
	}

	jumpRow(row: number): void {
		if (row < 0 || row >= this.rowCount) return;
		this.row = row;
		this.announceRow();
	}

	/**
	 * Shows what stops the reviewer and says it once, through the announcer only (the shown text is
	 * no live region of its own: both spoke it twice); the announcer repeats a repeated problem.
	 */
	private showProblem(text: string): void {
		this.problem = text;
		this.announce(text);
	}

	/** What a judged row of a conversation item is called aloud: "The conversation" when it is judged whole (as the problems say). */
	private judgedTurnName(index: number): string {
		const item = this.current;
		return item?.kind === 'conversation' && judgedWhole(item) ? 'The conversation' : `Reply ${index + 1}`;
	}

	/** The highlight moved (J / K, arrows, 1–9): a screen reader hears which row it is on now, and its answer. */
	private announceRow(): void {
		const item = this.current;
		const n = this.rowCount;
		if (!item || n < 2) return;
		const draft = this.draft;
		const where = `${this.row + 1} of ${n}`;
		if (item.kind === 'quality') {
			const q = QUALITY_QUESTIONS[this.row];
			const given = draft?.kind === 'quality' ? draft.answers[q.key] : null;
			this.announce(`Question ${where}: ${q.text}${given === null ? '' : ` Answered ${given ? 'yes' : 'no'}.`}`);
		} else if (item.kind === 'conversation') {
			this.announce(`Reply ${where}`);
		} else {
			const given = draft?.kind === 'rating' ? draft.ratings[this.row] : null;
			this.announce(`Response ${where}${given ? `, rated ${given}` : ''}`);
		}
	}

	// ---- drafts ----------------------------------------------------------------------------

	private scheduleDraftSave(): void {
		if (!this.work || !this.editable) return;
		this.draftState = 'pending';
		if (this.draftTimer) clearTimeout(this.draftTimer);
		this.draftTimer = setTimeout(() => this.saveDraftNow(), DRAFT_DEBOUNCE_MS);
	}

	/** Saves the work item's draft now (on leaving the page, with keepalive so it outlives it). */
	saveDraftNow(leaving = false): void {
		if (this.draftTimer) clearTimeout(this.draftTimer);
		this.draftTimer = null;
		const work = this.work;
		const draft = this.workDraft;
		if (!work || !draft || this.draftState !== 'pending') return;
		this.draftState = 'saving';
		void this.sendDraft(work.ref, draft, leaving, 0);
	}

	private async sendDraft(ref: string, draft: Draft, keepalive: boolean, attempt: number): Promise<void> {
		try {
			await this.api.draft(ref, draft, keepalive);
			// A newer change may be waiting already; only the latest state counts as saved.
			if (this.work?.ref === ref && this.workDraft === draft) {
				this.draftState = 'saved';
				this.forgetLocalDraft(ref);
			}
		} catch (err) {
			if (this.work?.ref !== ref || this.workDraft !== draft) return;
			if (err instanceof ReviewApiError && err.retryable && attempt < 8) {
				this.draftState = 'retrying';
				await sleep(Math.min(1000 * 2 ** attempt, MAX_DRAFT_RETRY_MS));
				if (this.work?.ref === ref && this.workDraft === draft) await this.sendDraft(ref, draft, false, attempt + 1);
				return;
			}
			this.draftState = 'error';
			this.handleItemError(err, ref);
		}
	}

	// ---- moving on -------------------------------------------------------------------------

	private show(item: ReviewItemView): void {
		this.work = item;
		// A judge's suggestion (an audit option) seeds the answers only when the reviewer has none of
		// their own; it is never submitted for them.
		const suggestion = item.draft || item.kind !== 'quality' ? null : (item.suggestion ?? null);
		const suggested = suggestion !== null;
		this.workDraft = item.draft ?? (suggestion ? draftFromSuggestion(suggestion) : emptyDraft(item.kind, answerRows(item)));
		this.draftState = item.draft ? 'saved' : 'idle';
		// Answers given here that never reached the server (the sign-in ended, the tab closed offline).
		const kept = this.localDraft(item.ref);
		const restored = kept !== null && kept.kind === item.kind && JSON.stringify(kept) !== JSON.stringify(item.draft);
		if (restored) {
			this.workDraft = kept;
			this.draftState = 'pending';
		}
		this.viewing = null;
		this.viewDraft = null;
		this.historyIndex = -1;
		this.row = this.firstOpenRow(this.workDraft);
		this.problem = null;
		this.status = 'ready';
		this.arrivedAt = Date.now();
		this.touched = false;
		this.clock.restart(item.ref);
		this.announceArrival(`Next item: ${gist(item.instruction)}${suggested ? ' Answers pre-filled with a model judge\'s suggestion: check them before submitting.' : ''}`);
		this.onItemChange(item);
		if (restored) this.scheduleDraftSave();
	}

	/** Says what just happened (if anything) and what is on screen now. */
	private announceArrival(text: string, always = true): void {
		if (!always && !this.pendingAnnouncement) return;
		const words = `${this.pendingAnnouncement} ${text}`.trim();
		this.pendingAnnouncement = '';
		if (words) this.announce(words);
	}

	/** What the card shown instead of an item says, in a sentence. */
	private stateAnnouncement(): string {
		switch (this.status) {
			case 'done':
				if (this.progress.notQualified) return 'You did not qualify for this audit: it has no items for you.';
				return 'All done: no more items for you in this audit.';
			case 'removed':
				return 'You were removed from this audit: it gives you no more items.';
			case 'waiting':
				return 'Nothing free right now; the page checks again every 30 seconds.';
			case 'closed':
				return `This audit is ${this.archived ? 'archived' : 'closed'}: labels can no longer be given or changed.`;
			default:
				return '';
		}
	}

	/** The audit was closed (or archived) while the screen was open: no item to work on, its card instead. */
	private closeAudit(code: string | undefined): void {
		const wasClosed = this.status === 'closed';
		if (code === AUDIT_ARCHIVED) this.archived = true;
		this.status = 'closed';
		this.auditStatus = 'closed';
		this.queued = null;
		if (this.draftTimer) clearTimeout(this.draftTimer);
		this.draftState = 'idle';
		this.work = null;
		this.workDraft = null;
		// An earlier label being looked at stays on screen (read-only now); Forward leads to the card.
		if (this.viewing || wasClosed) return;
		this.announceArrival(this.stateAnnouncement());
		this.onItemChange(null);
	}

	/** The sign-in ended: keep everything, say so once, and wait for the reviewer to sign in again. */
	private needSignIn(): void {
		if (this.outbox.size) this.labelsWaited = true;
		if (!this.signInNeeded) this.announce('Your sign-in has ended. Your labels are kept in this browser: sign in again to send them.');
		this.signInNeeded = true;
		this.offline = false;
	}

	private firstOpenRow(draft: Draft): number {
		if (draft.kind === 'quality') {
			const i = QUALITY_QUESTIONS.findIndex((q) => draft.answers[q.key] === null);
			return i < 0 ? 0 : i;
		}
		if (draft.kind === 'conversation') {
			const i = draft.turns.findIndex((t) => t.valid === null || t.rating === null);
			return i < 0 ? 0 : i;
		}
		if (draft.kind === 'pairwise') return 0;
		const i = draft.ratings.findIndex((r) => r === null);
		return i < 0 ? 0 : i;
	}

	/** `changed`: the screen was not already showing this state, so it is said even with nothing pending. */
	private applyNext(next: NextResult, item?: ReviewItemView | null, changed = false): void {
		if (next.status !== 'assigned') this.draftState = 'idle';
		if (next.status === 'assigned' && item) this.show(item);
		else if (next.status === 'waiting') {
			this.work = null;
			this.waitingPending = next.pending;
			this.status = 'waiting';
			this.announceArrival(this.stateAnnouncement(), changed);
			this.onItemChange(null);
		} else if (next.status === 'done') {
			this.work = null;
			this.status = 'done';
			this.announceArrival(this.stateAnnouncement(), changed);
			this.onItemChange(null);
		} else {
			// 'limit': submissions still in flight hold the leases; try again once they land.
			this.work = null;
			this.status = 'loading';
		}
	}

	/** Refs the server counts as held by this screen (the work item, the prefetched one, unsent submits). */
	private heldRefs(): string[] {
		const refs = this.outbox.heldRefs();
		if (this.work) refs.push(this.work.ref);
		if (this.queued) refs.push(this.queued.ref);
		return refs;
	}

	private async fetchNext(): Promise<void> {
		if (this.fetching || this.status === 'closed') return;
		// A prefetched item may have arrived after the screen started waiting: that is the next one.
		if (this.queued) {
			this.advance();
			return;
		}
		this.fetching = true;
		// After "Loading the next item…", "All done" must be said; a repeated poll says nothing new.
		const was = this.status;
		this.status = 'loading';
		try {
			const { next, item, progress } = await this.api.next(this.heldRefs());
			this.progress = progress;
			this.applyNext(next, item, was !== next.status);
			if (next.status === 'waiting') this.pollWhileWaiting();
			if (next.status === 'assigned' && item) {
				this.heartbeat(item.ref);
				void this.prefetch();
			}
		} catch (err) {
			this.handleError(err);
		} finally {
			this.fetching = false;
		}
	}

	private async prefetch(): Promise<void> {
		if (this.prefetching || this.queued || !this.work || this.outbox.heldRefs().length || this.status === 'closed') return;
		this.prefetching = true;
		try {
			const { next, item } = await this.api.next(this.heldRefs());
			if (next.status === 'assigned' && item && item.ref !== this.work?.ref) {
				// The reviewer may have submitted meanwhile and be waiting for exactly this.
				if (!this.work && this.status === 'loading') {
					this.show(item);
					this.heartbeat(item.ref);
				} else this.queued = item;
			}
		} catch {
			// Prefetching is an optimisation; the next submit fetches directly.
		} finally {
			this.prefetching = false;
		}
	}

	private pollWhileWaiting(): void {
		if (this.waitingTimer) clearTimeout(this.waitingTimer);
		this.waitingTimer = setTimeout(() => {
			if (this.status === 'waiting') void this.fetchNext();
		}, WAITING_POLL_MS);
	}

	retryNow(): void {
		void this.fetchNext();
	}

	private advance(): void {
		const next = this.queued;
		this.queued = null;
		if (next) {
			this.show(next);
			this.heartbeat(next.ref);
		} else {
			this.work = null;
			this.workDraft = null;
			this.draftState = 'idle';
			this.status = 'loading';
			// Replaces what was said about the item just left ("Reply 3: A"); the next item is said when it comes.
			this.announce('Loading the next item…');
			this.onItemChange(null);
		}
		void this.flush();
	}

	/**
	 * Submits the answer on screen (or says what is missing). What is stored is built from the
	 * same draft the screen shows selected, at the moment of the submit.
	 */
	submit(): void {
		const item = this.current;
		const draft = this.draft;
		if (!item || !draft) return;
		// The second click of a double click on Submit lands on the next item: not a submit of it.
		if (!this.viewing && !this.touched && Date.now() - this.arrivedAt < DOUBLE_SUBMIT_MS) return;
		// Submit is for the item on screen: a Back still waiting for a label to be sent gives way.
		this.cancelBack(false);
		if (!this.editable) {
			this.showProblem('This audit is closed: labels can no longer change.');
			return;
		}
		const complete = completeDraft(draft, { wholeConversation: judgedWhole(item) });
		if (!complete.ok) {
			this.showProblem(complete.problem);
			if (complete.row !== 'reason') this.row = complete.row;
			return;
		}
		this.settle();
		const summary = summarizeAnswer(complete.answer);
		if (this.viewing) {
			const unchanged = item.answer && JSON.stringify(item.answer) === JSON.stringify(complete.answer);
			if (!unchanged) this.enqueue({ submissionId: newSubmissionId(), ref: item.ref, answer: complete.answer, activeMs: this.historyClock.takeActiveMs(), instruction: item.instruction, edit: true, baseRevision: item.revision });
			this.pendingAnnouncement = unchanged ? 'Label unchanged.' : `Label changed to ${summary}.`;
			this.forward();
			return;
		}
		if (this.draftTimer) clearTimeout(this.draftTimer);
		this.draftState = 'idle';
		this.forgetLocalDraft(item.ref);
		const submissionId = newSubmissionId();
		// Leases that may have lapsed: the label may not count, and the prefetched item may be gone
		// to others. Say nothing until the server answers, and ask it for the next item afresh.
		const careful = this.leasesMayHaveLapsed();
		if (careful) this.queued = null;
		this.awaitingVerdict = careful ? { submissionId, summary } : null;
		this.pendingAnnouncement = careful ? '' : `Submitted: ${summary}.`;
		this.enqueue({ submissionId, ref: item.ref, answer: complete.answer, activeMs: this.clock.takeActiveMs(), instruction: item.instruction, edit: false, baseRevision: 0 });
		this.advance();
	}

	/** S, then Enter: give up this item; it goes to someone else (and can be taken back under My labels). */
	async skip(reason: string): Promise<void> {
		const work = this.work;
		if (!work || this.viewing) {
			this.skipOpen = false;
			return;
		}
		try {
			// The draft stays with the skipped item on the server: send what is not there yet.
			const draft = this.workDraft;
			if (draft && this.draftState !== 'idle' && this.draftState !== 'saved') await this.api.draft(work.ref, draft);
			await this.api.skip(work.ref, reason);
			this.skipOpen = false;
			if (this.draftTimer) clearTimeout(this.draftTimer);
			this.draftState = 'idle';
			this.forgetLocalDraft(work.ref);
			this.progress = { ...this.progress, skipped: this.progress.skipped + 1, remaining: Math.max(0, this.progress.remaining - 1) };
			this.setNotice({ kind: 'ok', text: 'Skipped: the item goes back to the pool for someone else. You can take it back under My labels.' });
			this.pendingAnnouncement = 'Skipped.';
			this.advance();
		} catch (err) {
			// Not skipped yet: a failure that may pass keeps the box open with the reason typed, to try again.
			if (err instanceof ReviewApiError && (err.retryable || err.signInNeeded)) {
				if (err.retryable) this.setNotice({ kind: 'error', text: `Not skipped yet: ${err.message} Press Enter to try again.` });
				this.handleSignIn(err);
				return;
			}
			this.skipOpen = false;
			this.handleItemError(err, work.ref);
		}
	}

	// ---- the outbox ------------------------------------------------------------------------

	private enqueue(submission: PendingSubmission): void {
		this.outbox.add(submission);
		const summary = summarizeAnswer(submission.answer);
		const existing = this.history.findIndex((h) => h.ref === submission.ref);
		if (existing >= 0) {
			this.history[existing] = { ...this.history[existing], summary, updatedAt: Date.now() };
		} else {
			const now = Date.now();
			this.history = [{ ref: submission.ref, submittedAt: now, updatedAt: now, revision: 1, instruction: submission.instruction.slice(0, 200), summary }, ...this.history];
		}
		void this.flush();
	}

	/** The server kept the label given elsewhere: show it, and let the reviewer choose. */
	private async labelledElsewhere(submission: PendingSubmission): Promise<void> {
		let stored: LabelConflict['stored'];
		try {
			const { item, progress } = await this.api.item(submission.ref);
			stored = { summary: item.answer ? summarizeAnswer(item.answer) : '', at: item.updatedAt, revision: item.revision };
			// The other tab's labels moved the counts (and the item number, "your Nth label") this tab showed.
			if (progress) this.progress = progress;
		} catch (err) {
			this.setNotice({ kind: 'error', text: `Label not saved: ${err instanceof Error ? err.message : String(err)}` });
			return;
		}
		const entry = this.history.findIndex((h) => h.ref === submission.ref);
		if (entry >= 0) this.history[entry] = { ...this.history[entry], summary: stored.summary, revision: stored.revision };
		this.conflict = { submission, stored };
		this.announce(`Not saved: you labelled "${gist(submission.instruction, 60)}" in another tab (${stored.summary}). Keep that, or replace it?`);
	}

	/** Keep the label given elsewhere; the refused answer is dropped. */
	keepStoredLabel(): void {
		if (!this.conflict) return;
		this.conflict = null;
		this.announce('Kept your other label.');
	}

	/** Replace the label given elsewhere with the refused answer (a knowing change of that label). */
	replaceStoredLabel(): void {
		const conflict = this.conflict;
		if (!conflict) return;
		this.conflict = null;
		const { submission, stored } = conflict;
		this.enqueue({ ...submission, submissionId: newSubmissionId(), edit: true, baseRevision: stored.revision });
		this.announce(`Label changed to ${summarizeAnswer(submission.answer)}.`);
	}

	private restoreOutbox(): void {
		const missing = this.outbox.restore();
		if (!missing.length) return;
		this.setNotice({ kind: 'warn', text: `Sending ${missing.length} label${missing.length === 1 ? '' : 's'} saved in this browser earlier…` });
		// The server still counts an unsent label's item as held, so a reload can show it
		// again: once the label lands, move on instead of asking for it twice.
		if (this.work && missing.some((s) => s.ref === this.work!.ref && !s.edit)) {
			this.work = null;
			this.workDraft = null;
			this.draftState = 'idle';
			this.status = 'loading';
			this.onItemChange(null);
		}
	}

	/** Sends queued submissions, then fetches the next item if the screen is waiting for one. */
	async flush(): Promise<void> {
		await this.outbox.flush();
		if (this.outbox.size) return; // another flush is running and will carry on
		if (!this.work && this.status === 'loading') {
			if (this.queued) this.advance();
			else await this.fetchNext();
		} else void this.prefetch();
	}

	/**
	 * The browser is online again, or the tab visible again (perhaps after signing in in another
	 * tab): try the waiting labels now.
	 */
	connectionBack(): void {
		if (this.signInNeeded) {
			this.signInNeeded = false;
			if (this.status === 'error') this.status = 'loading';
			void this.flush();
			return;
		}
		this.outbox.wake();
	}

	// ---- history ---------------------------------------------------------------------------

	async back(): Promise<void> {
		if (this.historyIndex + 1 >= this.history.length) {
			// Information, not a warning: it goes as soon as the reviewer does something else.
			this.setNotice({ kind: 'ok', text: this.history.length ? 'This is your first label in this audit.' : 'No earlier labels yet.' });
			return;
		}
		this.settle();
		await this.openHistory(this.historyIndex + 1);
	}

	forward(): void {
		this.settle();
		if (this.historyIndex <= 0) {
			this.viewing = null;
			this.viewDraft = null;
			this.historyIndex = -1;
			if (this.work) {
				// The time spent on earlier labels was theirs, not this item's.
				this.clock.resume();
				this.row = this.firstOpenRow(this.workDraft!);
				this.announceArrival(`Back to your current item: ${gist(this.work.instruction)}`);
				this.onItemChange(this.work);
			} else if (this.status === 'ready') void this.fetchNext();
			else {
				// Back from an earlier label to the card that stands for the work (all done, closed, …).
				this.announceArrival(this.stateAnnouncement());
				this.onItemChange(null);
			}
			return;
		}
		void this.openHistory(this.historyIndex - 1);
	}

	/** Stops a Back that waits for its label to be sent; the reviewer stays on the item on screen. */
	cancelBack(say = true): void {
		if (!this.loadingHistory) return;
		this.backRequest++;
		this.loadingHistory = false;
		if (this.notice?.text === WAITING_FOR_LABEL) this.setNotice(null);
		if (say) this.announce('Stayed on this item.');
	}

	private async openHistory(index: number): Promise<void> {
		const entry = this.history[index];
		if (!entry || this.loadingHistory) return;
		const unsent = `That label has not reached the server yet (${this.signInNeeded ? 'sign in again' : 'no connection'}): it can be opened once it is sent.`;
		if (this.outbox.has(entry.ref) && (this.offline || this.signInNeeded)) {
			this.setNotice({ kind: 'warn', text: unsent });
			return;
		}
		const request = ++this.backRequest;
		this.loadingHistory = true;
		this.saveDraftNow();
		try {
			// A label still in the outbox is not on the server yet: wait until it lands (said at once,
			// and cancellable), and give up as soon as the connection or the sign-in is gone.
			if (this.outbox.has(entry.ref)) {
				this.setNotice({ kind: 'warn', text: WAITING_FOR_LABEL });
				this.announce(WAITING_FOR_LABEL);
				void this.flush();
				for (let waited = 0; this.outbox.has(entry.ref) && waited < 30_000; waited += 50) {
					await sleep(50);
					if (request !== this.backRequest) return;
					if (this.offline || this.signInNeeded) break;
				}
				if (this.notice?.text === WAITING_FOR_LABEL) this.setNotice(null);
				if (this.outbox.has(entry.ref)) {
					this.setNotice({ kind: 'warn', text: unsent });
					return;
				}
			}
			const { item } = await this.api.item(entry.ref);
			if (request !== this.backRequest) return;
			if (!this.viewing) this.clock.tick(true);
			this.historyClock.restart();
			this.viewing = item;
			this.viewDraft = item.answer ? draftFromAnswer(item.answer) : emptyDraft(item.kind, answerRows(item));
			this.historyIndex = index;
			this.row = 0;
			this.problem = null;
			this.announceArrival(`Your earlier label, ${entry.summary}: ${gist(item.instruction)}`);
			this.onItemChange(item);
		} catch (err) {
			if (request === this.backRequest) this.handleError(err);
		} finally {
			if (request === this.backRequest) this.loadingHistory = false;
		}
	}

	// ---- errors ----------------------------------------------------------------------------

	/**
	 * The server took a label but will not count it, or did not take it: say exactly which, keep the
	 * answers and comment in the notice (to copy), and stop offering work that went the same way.
	 */
	private labelRefused(s: PendingSubmission, err: unknown): void {
		const code = err instanceof ReviewApiError ? err.code : undefined;
		const message = err instanceof Error ? err.message : String(err);
		const careful = this.awaitingVerdict?.submissionId === s.submissionId;
		if (careful) this.awaitingVerdict = null;
		const answers = { instruction: s.instruction, summary: summarizeAnswer(s.answer), comment: s.answer.comment };
		// The refusal's own counts: this tab's may be stale (labels given in another tab).
		if (err instanceof ReviewApiError && err.progress) this.progress = err.progress;
		if (code === REVIEWER_REMOVED) {
			this.removedFromAudit(message, { why: 'Label not saved.', ...answers });
			return;
		}
		const text = code === 'full' ? `Not counted: ${message}` : `Label not saved: ${message}`;
		this.keep({ why: text, ...answers });
		const said = `${text} ${KEPT_ON_SCREEN}`;
		if (careful && !this.work && this.status === 'loading') this.pendingAnnouncement = `${said} ${this.pendingAnnouncement}`.trim();
		else this.announce(said);
		if (auditTakesNoLabels(code)) {
			this.closeAudit(code);
			return;
		}
		if (code === 'full') {
			// The leases lapsed unnoticed: the prefetched item (and the one just shown from it, if not
			// yet touched) may have gone to others too. Ask the server again before offering them.
			this.queued = null;
			if (this.work && !this.touched && !this.viewing && !this.fetching) {
				this.work = null;
				this.workDraft = null;
				this.draftState = 'idle';
				this.status = 'loading';
			}
		}
	}

	/** Whether the error says the reviewer was removed from the audit (then handled). */
	private handleRemoved(err: unknown): boolean {
		if (!(err instanceof ReviewApiError && err.code === REVIEWER_REMOVED)) return false;
		this.removedFromAudit(err.message);
		return true;
	}

	/**
	 * A researcher removed the reviewer: no more work is offered. Answers typed on the item on screen
	 * (or a label the server refused for it) stay in the notice to copy.
	 */
	private removedFromAudit(message: string, kept?: KeptAnswers): void {
		const work = this.work;
		const draft = this.workDraft;
		if (!kept && work && draft && this.draftState !== 'idle') {
			kept = { why: 'Not saved.', instruction: work.instruction, summary: summarizeDraft(draft), comment: draft.comment };
		}
		const first = this.status !== 'removed';
		this.status = 'removed';
		this.queued = null;
		if (this.draftTimer) clearTimeout(this.draftTimer);
		this.draftState = 'idle';
		this.work = null;
		this.workDraft = null;
		this.viewing = null;
		this.viewDraft = null;
		this.historyIndex = -1;
		this.progress = { ...this.progress, remaining: 0 };
		if (kept) this.keep(kept);
		if (!first) return;
		this.pendingAnnouncement = '';
		this.announce(`${message}${kept ? ` ${KEPT_ON_SCREEN}` : ''}`);
		this.onItemChange(null);
	}

	private handleItemError(err: unknown, ref: string): void {
		if (this.handleRemoved(err)) return;
		if (err instanceof ReviewApiError && (err.code === 'full' || err.code === 'skipped' || err.status === 404)) {
			// The item is gone: what was typed on it stays in the notice to copy.
			const work = this.work?.ref === ref ? this.work : null;
			const draft = this.workDraft;
			if (work && draft && this.touched) {
				this.keep({ why: err.message, instruction: work.instruction, summary: summarizeDraft(draft), comment: draft.comment });
				this.pendingAnnouncement = `${err.message} ${KEPT_ON_SCREEN}`;
			} else this.setNotice({ kind: 'warn', text: err.message });
			if (!work) return;
			// The leases lapsed unnoticed: the prefetched item may have gone to others too. Ask the
			// server afresh rather than offer it and have the next answer refused the same way.
			this.queued = null;
			this.advance();
			return;
		}
		this.handleError(err);
	}

	/** Whether the error was the sign-in having ended (then handled: nothing else to say). */
	private handleSignIn(err: unknown): boolean {
		if (!(err instanceof ReviewApiError && err.signInNeeded)) return false;
		this.needSignIn();
		return true;
	}

	private handleError(err: unknown): void {
		if (this.handleRemoved(err)) return;
		if (err instanceof ReviewApiError && auditTakesNoLabels(err.code)) {
			this.closeAudit(err.code);
			return;
		}
		if (this.handleSignIn(err)) {
			if (!this.work && !this.viewing) this.status = 'error';
			return;
		}
		const message = err instanceof Error ? err.message : String(err);
		this.setNotice({ kind: 'error', text: message });
		if (!this.work && !this.viewing) this.status = 'error';
	}
}
