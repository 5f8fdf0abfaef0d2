import type { Answer } from '$lib/audits/answers';
import type { ReviewProgress, SubmitResult } from '$lib/audits/views';
import { ReviewApiError } from './api';

/**
 * Labels on their way to the server. Each submission carries an id made in the browser, so the
 * server stores it once however often it arrives; submissions are sent in order, retried on
 * network and server failures with a capped backoff, and kept in localStorage until the server
 * has them, so neither a flaky connection nor a closed tab loses a label. A sign-in that ended
 * stops the sending with everything kept: the next flush (after signing in again) carries on.
 */

export interface PendingSubmission {
	submissionId: string;
	ref: string;
	answer: Answer;
	activeMs: number;
	instruction: string;
	/** A change to an earlier label (the item is not held any more). */
	edit: boolean;
	/**
	 * The revision of the reviewer's label the answer was made from (0: a new label); the server
	 * refuses a mismatch instead of overwriting a label given in another tab. Absent in labels
	 * stored by an older page.
	 */
	baseRevision?: number;
}

export interface Delivery {
	result: SubmitResult;
	/** Null for a retry answered after the reviewer was removed from the audit: the label stands, no counts. */
	progress: ReviewProgress | null;
}

export interface OutboxOptions {
	send: (submission: PendingSubmission) => Promise<Delivery>;
	/** Where submissions wait across reloads; null when the browser offers none. */
	storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
	storageKey: string;
	/** The server has it. */
	onDelivered: (submission: PendingSubmission, delivery: Delivery) => void;
	/** The server refused it for good (closed audit, item completed by others, …). */
	onRefused: (submission: PendingSubmission, error: unknown) => void;
	/** A retryable failure: the connection or the server is down for now. */
	onRetrying?: (submission: PendingSubmission, error: unknown) => void;
	/** The server wants a sign-in first: sending stopped, the submissions are kept. */
	onSignInNeeded?: (submission: PendingSubmission, error: unknown) => void;
	/** Waits between attempts; replaceable in tests. */
	wait?: (ms: number, wake: (resume: () => void) => void) => Promise<void>;
}

/** Longest pause between two attempts to send a label: short, labels are what matters most. */
export const MAX_RETRY_MS = 8_000;

export function retryDelay(attempt: number): number {
	return Math.min(500 * 2 ** attempt, MAX_RETRY_MS);
}

function defaultWait(ms: number, wake: (resume: () => void) => void): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			resolve();
		}
		wake(done);
	});
}

export class LabelOutbox {
	items = $state<PendingSubmission[]>([]);
	private flushing = false;
	private wakeRetry: (() => void) | null = null;

	constructor(private readonly options: OutboxOptions) {}

	get size(): number {
		return this.items.length;
	}

	has(ref: string): boolean {
		return this.items.some((s) => s.ref === ref);
	}

	/** Refs of first submissions still in flight: the server counts their items as held. */
	heldRefs(): string[] {
		return this.items.filter((s) => !s.edit).map((s) => s.ref);
	}

	add(submission: PendingSubmission): void {
		this.items = [...this.items, submission];
		this.persist();
	}

	/** Submissions a previous page left in storage and not known here; they go first. */
	restore(): PendingSubmission[] {
		const { storage, storageKey } = this.options;
		if (!storage) return [];
		let stored: PendingSubmission[];
		try {
			stored = JSON.parse(storage.getItem(storageKey) ?? '[]') as PendingSubmission[];
		} catch {
			return [];
		}
		if (!Array.isArray(stored)) return [];
		const known = new Set(this.items.map((s) => s.submissionId));
		const missing = stored.filter((s) => s && typeof s.submissionId === 'string' && !known.has(s.submissionId));
		if (missing.length) this.items = [...missing, ...this.items];
		return missing;
	}

	/**
	 * Sends the queued submissions in order until none is left. Concurrent calls share one loop;
	 * resolves when the outbox is empty (or the loop already running will empty it), or when the
	 * server asks for a sign-in first (then nothing is dropped).
	 */
	async flush(): Promise<void> {
		if (this.flushing) return;
		this.flushing = true;
		const wait = this.options.wait ?? defaultWait;
		let attempt = 0;
		try {
			while (this.items.length) {
				const submission = this.items[0];
				try {
					const delivery = await this.options.send(submission);
					attempt = 0;
					this.drop(submission);
					this.options.onDelivered(submission, delivery);
				} catch (err) {
					if (err instanceof ReviewApiError && err.retryable) {
						this.options.onRetrying?.(submission, err);
						attempt++;
						await wait(retryDelay(attempt), (resume) => (this.wakeRetry = resume));
						this.wakeRetry = null;
						continue;
					}
					if (err instanceof ReviewApiError && err.signInNeeded) {
						this.options.onSignInNeeded?.(submission, err);
						return;
					}
					this.drop(submission);
					this.options.onRefused(submission, err);
				}
			}
		} finally {
			this.flushing = false;
		}
	}

	/** The connection is back (or the tab visible again): try the waiting labels now. */
	wake(): void {
		this.wakeRetry?.();
	}

	private drop(submission: PendingSubmission): void {
		this.items = this.items.filter((s) => s.submissionId !== submission.submissionId);
		this.persist();
	}

	private persist(): void {
		const { storage, storageKey } = this.options;
		try {
			if (!storage) return;
			if (this.items.length) storage.setItem(storageKey, JSON.stringify(this.items));
			else storage.removeItem(storageKey);
		} catch {
			// Storage full or disabled: the in-memory outbox still retries while the page is open.
		}
	}
}
