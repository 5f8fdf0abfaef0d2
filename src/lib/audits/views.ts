import type { Answer, Draft } from './answers';
import type { ReviewSuggestion } from './suggestions';

export type { ReviewSuggestion } from './suggestions';

/**
 * What the review screen receives from the server: shared by the server (which builds them) and
 * the browser (which shows them). Nothing here names a task id, item id, model (in blind audits)
 * or gold status: an item is known by an opaque `ref`.
 */

export type AuditKindName = 'quality' | 'rating' | 'conversation' | 'pairwise';

/** How pages name each kind of audit. */
export const AUDIT_KIND_LABELS: Record<AuditKindName, string> = {
	quality: 'Data quality',
	rating: 'Response rating',
	conversation: 'Conversation',
	pairwise: 'Pairwise preference'
};

/**
 * A turn of the conversation under review; `row` marks the turns the reviewer answers for (in
 * order). An audit judging whole conversations has one answered entry after the dialogue, with
 * role 'conversation' and position WHOLE_CONVERSATION_POSITION; its turns are context only.
 */
export interface ReviewTurn {
	position: number;
	role: string;
	text: string;
	/** Index among the assistant turns (the answer's row), or null for other speakers. */
	row: number | null;
	/** An assistant turn that is a tool call (a ShareGPT function_call turn, or an OpenAI tool_calls reply without text, its `text` then the calls as name(arguments)), not text written for the user. */
	toolCall?: true;
}

/** SuperNI's examples, shown to reviewers beside the definition. */
export interface ReviewExample {
	kind: 'positive' | 'negative';
	input: string;
	output: string;
	explanation: string;
}

export interface ReviewResponse {
	/** Position on this reviewer's screen (1-based); the model is hidden in blind audits. */
	slot: number;
	model: string | null;
	text: string;
}

export interface ReviewItemView {
	ref: string;
	kind: AuditKindName;
	instruction: string;
	/** null when a rating item's responses are not tied to an instance. */
	input: string | null;
	/** Quality audits: the output under review. */
	output: string | null;
	responses: ReviewResponse[];
	/** Conversation audits: every turn. */
	turns: ReviewTurn[];
	/** Tasks with SuperNI examples. */
	examples: ReviewExample[];
	/** assigned: the reviewer holds it; submitted: their earlier label, open for changes. */
	state: 'assigned' | 'submitted';
	draft: Draft | null;
	answer: Answer | null;
	revision: number;
	submittedAt: number | null;
	/** When the label was last given or changed (its current version); null without a label. */
	updatedAt: number | null;
	shownAt: number | null;
	/** Shown only in non-blind audits. */
	context: { classification: boolean | null; origin: string; sourceId: string | null } | null;
	/**
	 * Quality audits with judge suggestions on (an audit option, off by default): the judge's
	 * verdicts on this item's instance, which pre-fill the answers when the reviewer has none of
	 * their own; null otherwise.
	 */
	suggestion: ReviewSuggestion | null;
}

export interface ReviewProgress {
	/** Labels this reviewer has submitted. */
	mine: number;
	/**
	 * Labels submitted on sampled items by everyone, and the total the audit needs (items × k); null
	 * on an audit with gold items. They leave gold out while the reviewer's own counts include it, so
	 * a submit that moved one and not the other would tell which item was gold (and the gap before any
	 * label that gold exists). Researchers see the audit's progress on its page.
	 */
	auditLabels: number | null;
	auditNeeded: number | null;
	/**
	 * Items this reviewer can still get or holds now (others may take some first), the gold items they
	 * will still be given included, so a gold item moves it as a sampled one does; 0 once they failed qualification.
	 */
	remaining: number;
	/** The reviewer failed the audit's qualification step: they get no sampled items (absent: not failed). */
	notQualified?: boolean;
	/**
	 * Which guidelines the audit has now (when they were last changed, 0: never): a screen that shows
	 * other ones tells the reviewer they were updated. Absent from older answers.
	 */
	guidelinesVersion?: number;
	/** Items this reviewer skipped that still need labels: they can take them back. */
	skipped: number;
	/**
	 * Items that can no longer reach k labels: every current reviewer labelled or skipped them.
	 * Counted once this reviewer has no item left (the done screen explains it); null before.
	 */
	stuck: number | null;
}

export interface ReviewAuditInfo {
	id: number;
	name: string;
	kind: AuditKindName;
	status: 'open' | 'closed';
	blind: boolean;
	overlap: number;
	/** Sampled items; null on an audit with gold items (beside what is left for the reviewer it would tell gold exists). */
	itemCount: number | null;
	leaseSeconds: number;
	guidelinesHtml: string;
	/** Which guidelines these are (see ReviewProgress.guidelinesVersion). */
	guidelinesVersion: number;
}

export interface HistoryEntry {
	ref: string;
	submittedAt: number;
	updatedAt: number;
	revision: number;
	instruction: string;
	/** e.g. "yes · yes · no — incorrect output" or "A · C · B". */
	summary: string;
}

/** An item the reviewer skipped, listed under My labels so they can take it back. */
export interface SkippedEntry {
	ref: string;
	instruction: string;
	skippedAt: number;
	reason: string | null;
	/** Whether the item still has room for this reviewer's label ("review now"). */
	open: boolean;
}

export type NextResult =
	| { status: 'assigned'; ref: string }
	/** The reviewer already holds the most items allowed besides the excluded ones. */
	| { status: 'limit' }
	/** Nothing free now, but `pending` items are held by others and may come back. */
	| { status: 'waiting'; pending: number }
	| { status: 'done' };

/** Everything the review screen starts with (the server's reviewScreenData). */
export interface ReviewScreenData {
	audit: ReviewAuditInfo;
	progress: ReviewProgress;
	/** The item on screen: the one asked for, or the reviewer's current one; null when none is left. */
	item: ReviewItemView | null;
	/** What routing said when no item was asked for. */
	next: NextResult | null;
	history: HistoryEntry[];
	userId: number;
}

export type SubmitOutcome = 'created' | 'edited' | 'refused';

/** The error code of any review request from a reviewer removed from the audit. */
export const REVIEWER_REMOVED = 'removed';
/** The error code of any review call on an audit archived meanwhile (it takes no labels, as a closed one). */
export const AUDIT_ARCHIVED = 'archived';

/** Whether an error code says the audit no longer takes labels (closed or archived): the review screen stops offering work. */
export function auditTakesNoLabels(code: string | undefined): boolean {
	return code === 'closed' || code === AUDIT_ARCHIVED;
}

/** The error code of a submit refused because the reviewer's label changed elsewhere (another tab). */
export const LABELLED_ELSEWHERE = 'labelled-elsewhere';

export interface SubmitResult {
	outcome: SubmitOutcome;
	/** True when this submission id had been received before (a retry): nothing changed. */
	duplicate: boolean;
	revision: number;
}

/** How many answer rows an item has: questions, responses, or assistant turns. */
export function answerRows(item: Pick<ReviewItemView, 'kind' | 'responses' | 'turns'>): number {
	if (item.kind === 'quality') return 3;
	if (item.kind === 'conversation') return item.turns.filter((t) => t.row !== null).length;
	if (item.kind === 'pairwise') return 1;
	return item.responses.length;
}
