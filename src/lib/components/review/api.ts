import type { Answer, Draft } from '$lib/audits/answers';
import type { HistoryEntry, NextResult, ReviewItemView, ReviewProgress, SubmitResult } from '$lib/audits/views';

/** The review screen's calls to /api/review, typed; failures become ReviewApiError. */

export class ReviewApiError extends Error {
	constructor(
		message: string,
		readonly status: number,
		readonly code?: string,
		/** The reviewer's progress as the server counts it, when the refusal says (a label that did not count). */
		readonly progress?: ReviewProgress
	) {
		super(message);
		this.name = 'ReviewApiError';
	}
	/** Network failures and server errors may succeed later; 4xx answers will not. */
	get retryable(): boolean {
		return this.status === 0 || this.status >= 500 || this.status === 429;
	}
	/** The sign-in has ended (signed out in another tab, expired, password reset): it works again after signing in. */
	get signInNeeded(): boolean {
		return this.status === 401;
	}
}

async function call<T>(method: string, url: string, body?: unknown, init: RequestInit = {}): Promise<T> {
	let response: Response;
	try {
		response = await fetch(url, {
			method,
			headers: body === undefined ? undefined : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
			...init
		});
	} catch {
		throw new ReviewApiError('No connection to the server.', 0);
	}
	let data: { message?: string; code?: string } & Record<string, unknown> = {};
	try {
		data = await response.json();
	} catch {
		// not JSON (e.g. a proxy's error page)
	}
	if (!response.ok) throw new ReviewApiError(data.message ?? `The server answered ${response.status}.`, response.status, data.code, data.progress as ReviewProgress | undefined);
	return data as T;
}

export function reviewApi(auditId: number) {
	const base = `/api/review/${auditId}`;
	const item = (ref: string) => `${base}/items/${encodeURIComponent(ref)}`;
	return {
		next: (exclude: string[]) =>
			call<{ next: NextResult; item: ReviewItemView | null; progress: ReviewProgress }>('POST', `${base}/next`, { exclude }),
		item: (ref: string) => call<{ item: ReviewItemView; progress?: ReviewProgress }>('GET', item(ref)),
		submit: (ref: string, submissionId: string, answer: Answer, activeMs: number, baseRevision?: number) =>
			call<{ result: SubmitResult; progress: ReviewProgress | null }>('POST', `${item(ref)}/submit`, { submissionId, answer, activeMs, baseRevision }),
		skip: (ref: string, reason: string) => call<{ skipped: true }>('POST', `${item(ref)}/skip`, { reason }),
		draft: (ref: string, draft: Draft, keepalive = false) =>
			call<{ saved: boolean }>('PUT', `${item(ref)}/draft`, { draft }, keepalive ? { keepalive: true } : {}),
		heartbeat: (showing?: string) => call<{ leaseExpiresAt: number; guidelinesVersion?: number }>('POST', `${base}/heartbeat`, { showing }),
		history: () => call<{ entries: HistoryEntry[] }>('GET', `${base}/history`),
		guidelines: () => call<{ guidelinesHtml: string; guidelinesVersion: number }>('GET', `${base}/guidelines`)
	};
}

export type ReviewApi = ReturnType<typeof reviewApi>;
