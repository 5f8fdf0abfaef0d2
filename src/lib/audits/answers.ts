import { QUALITY_QUESTIONS, RATING_LEVELS, RATINGS_FOR_NOT_VALID, pairChoiceLabel, reasonLabel, type ErrorReason, type PairChoice, type QuestionKey, type RatingLevel } from './rubric';

/**
 * A reviewer's answer while it is being given (a draft, saved as it changes) and once complete
 * (what is submitted). Shared by the review screen and the server; the server validates what
 * arrives with answer-schemas.ts (kept apart so the screen does not ship the schema library).
 */

export const MAX_COMMENT_LENGTH = 2000;

export interface QualityDraft {
	kind: 'quality';
	answers: Record<QuestionKey, boolean | null>;
	reason: ErrorReason | null;
	/** Once the reviewer picks a reason themselves, answers no longer change it. */
	reasonChosen: boolean;
	comment: string;
}

export interface RatingDraft {
	kind: 'rating';
	/** In the order the responses are shown to this reviewer. */
	ratings: (RatingLevel | null)[];
	comment: string;
}

/** Conversation audits: one judgement per assistant turn, in conversation order. */
export interface TurnDraft {
	valid: boolean | null;
	rating: RatingLevel | null;
}

export interface ConversationDraft {
	kind: 'conversation';
	turns: TurnDraft[];
	comment: string;
}

export interface PairwiseDraft {
	kind: 'pairwise';
	/** A and B as shown on this reviewer's screen. */
	choice: PairChoice | null;
	comment: string;
}

export type Draft = QualityDraft | RatingDraft | ConversationDraft | PairwiseDraft;

export interface QualityAnswer {
	kind: 'quality';
	instruction: boolean;
	input: boolean;
	output: boolean;
	/** Null exactly when all three answers are yes. */
	reason: ErrorReason | null;
	comment: string;
}

export interface RatingAnswer {
	kind: 'rating';
	ratings: RatingLevel[];
	comment: string;
}

export interface ConversationAnswer {
	kind: 'conversation';
	turns: { valid: boolean; rating: RatingLevel }[];
	comment: string;
}

export interface PairwiseAnswer {
	kind: 'pairwise';
	choice: PairChoice;
	comment: string;
}

export type Answer = QualityAnswer | RatingAnswer | ConversationAnswer | PairwiseAnswer;

/** An empty draft; `rows` is the number of responses (rating) or assistant turns (conversation). */
export function emptyDraft(kind: Draft['kind'], rows = 0): Draft {
	if (kind === 'quality') {
		return { kind, answers: { instruction: null, input: null, output: null }, reason: null, reasonChosen: false, comment: '' };
	}
	if (kind === 'conversation') return { kind, turns: Array.from({ length: rows }, () => ({ valid: null, rating: null })), comment: '' };
	if (kind === 'pairwise') return { kind, choice: null, comment: '' };
	return { kind, ratings: Array.from({ length: rows }, () => null), comment: '' };
}

export function judgeTurn(draft: ConversationDraft, index: number, change: Partial<TurnDraft>): ConversationDraft {
	if (index < 0 || index >= draft.turns.length) return draft;
	const turns = [...draft.turns];
	turns[index] = { ...turns[index], ...change };
	return { ...draft, turns };
}

/** The reason a set of answers points to: the taxonomy entry of the first "no", if any. */
export function suggestedReason(answers: Record<QuestionKey, boolean | null>): ErrorReason | null {
	for (const q of QUALITY_QUESTIONS) if (answers[q.key] === false) return q.reasonIfNo;
	return null;
}

/** The question a reason blames that was answered yes ("Incorrect output" for an output judged correct), if any. */
export function contradictedQuestion(answers: Record<QuestionKey, boolean | null>, reason: ErrorReason | null): (typeof QUALITY_QUESTIONS)[number] | null {
	return QUALITY_QUESTIONS.find((q) => q.reasonIfNo === reason && answers[q.key] === true) ?? null;
}

export function answerQuestion(draft: QualityDraft, question: QuestionKey, value: boolean): QualityDraft {
	const answers = { ...draft.answers, [question]: value };
	const anyNo = Object.values(answers).some((a) => a === false);
	let reason = draft.reason;
	let reasonChosen = draft.reasonChosen;
	if (!anyNo) {
		reason = null;
		reasonChosen = false;
	} else if (!reasonChosen || contradictedQuestion(answers, reason)) {
		// A chosen reason that blames a question now answered yes no longer fits: back to the suggestion.
		reason = suggestedReason(answers);
		reasonChosen = false;
	}
	return { ...draft, answers, reason, reasonChosen };
}

export function chooseReason(draft: QualityDraft, reason: ErrorReason): QualityDraft {
	return { ...draft, reason, reasonChosen: true };
}

export function rateResponse(draft: RatingDraft, index: number, level: RatingLevel): RatingDraft {
	if (index < 0 || index >= draft.ratings.length) return draft;
	const ratings = [...draft.ratings];
	ratings[index] = level;
	return { ...draft, ratings };
}

export function needsReason(draft: QualityDraft): boolean {
	return Object.values(draft.answers).some((a) => a === false);
}

/** The first reply judged "not valid" yet rated as an acceptable response (A or B), or -1. */
export function contradictoryTurn(turns: readonly { valid: boolean | null; rating: RatingLevel | null }[]): number {
	return turns.findIndex((t) => t.valid === false && t.rating !== null && !RATINGS_FOR_NOT_VALID.includes(t.rating));
}

/** What to say about a contradictory reply (`index` from contradictoryTurn), naming it. */
export function contradictionProblem(rating: RatingLevel, index: number, wholeConversation = false): string {
	const level = RATING_LEVELS.find((l) => l.key === rating)!;
	const what = wholeConversation ? 'The conversation' : `Reply ${index + 1}`;
	return `${what}: "not valid" does not go with ${rating} (${level.label.toLowerCase()}); a ${wholeConversation ? 'conversation' : 'reply'} that is not valid is rated ${RATINGS_FOR_NOT_VALID.join(' or ')}. Change one of them.`;
}

export type Completion = { ok: true; answer: Answer } | { ok: false; problem: string; row: number | 'reason' };

/**
 * The submittable answer, or what is still missing (and which row to bring the reviewer to).
 * `wholeConversation`: the conversation audit judges the dialogue as a whole (one row).
 */
/** Whether a conversation item is judged as a whole: its one judged row is the whole conversation, not a reply. */
export function judgedWhole(item: { turns: readonly { role: string }[] }): boolean {
	return item.turns.some((t) => t.role === 'conversation');
}

export function completeDraft(draft: Draft, options: { wholeConversation?: boolean } = {}): Completion {
	const comment = draft.comment.trim().slice(0, MAX_COMMENT_LENGTH);
	if (draft.kind === 'quality') {
		const missing = QUALITY_QUESTIONS.findIndex((q) => draft.answers[q.key] === null);
		if (missing >= 0) return { ok: false, problem: `Answer: ${QUALITY_QUESTIONS[missing].text}`, row: missing };
		const anyNo = needsReason(draft);
		if (anyNo && !draft.reason) return { ok: false, problem: 'Choose what is wrong.', row: 'reason' };
		const contradicted = anyNo ? contradictedQuestion(draft.answers, draft.reason) : null;
		if (contradicted)
			return { ok: false, problem: `"${reasonLabel(draft.reason)}" blames the ${contradicted.label.toLowerCase()}, which you answered yes: choose what is wrong.`, row: 'reason' };
		const { instruction, input, output } = draft.answers as Record<QuestionKey, boolean>;
		return { ok: true, answer: { kind: 'quality', instruction, input, output, reason: anyNo ? draft.reason : null, comment } };
	}
	if (draft.kind === 'conversation') {
		const missing = draft.turns.findIndex((t) => t.valid === null || t.rating === null);
		if (missing >= 0 && options.wholeConversation) {
			const problem = draft.turns[missing].valid === null ? 'Say whether the conversation as a whole is valid (Y / N).' : 'Rate the conversation as a whole (A–D).';
			return { ok: false, problem, row: missing };
		}
		if (missing >= 0) {
			const what = draft.turns[missing].valid === null ? 'Say whether reply' : 'Rate reply';
			return { ok: false, problem: `${what} ${missing + 1} ${draft.turns[missing].valid === null ? 'is valid (Y / N)' : '(A–D)'}.`, row: missing };
		}
		const contradicted = contradictoryTurn(draft.turns);
		if (contradicted >= 0) return { ok: false, problem: contradictionProblem(draft.turns[contradicted].rating!, contradicted, options.wholeConversation), row: contradicted };
		return { ok: true, answer: { kind: 'conversation', turns: draft.turns as ConversationAnswer['turns'], comment } };
	}
	if (draft.kind === 'pairwise') {
		if (!draft.choice) return { ok: false, problem: 'Choose: A better, B better, about the same, or both bad (1–4).', row: 0 };
		return { ok: true, answer: { kind: 'pairwise', choice: draft.choice, comment } };
	}
	const missing = draft.ratings.findIndex((r) => r === null);
	if (missing >= 0) return { ok: false, problem: `Rate response ${missing + 1}.`, row: missing };
	return { ok: true, answer: { kind: 'rating', ratings: draft.ratings as RatingLevel[], comment } };
}

/** The draft a submitted answer corresponds to (to edit an earlier label). */
export function draftFromAnswer(answer: Answer): Draft {
	if (answer.kind === 'quality') {
		return {
			kind: 'quality',
			answers: { instruction: answer.instruction, input: answer.input, output: answer.output },
			reason: answer.reason,
			reasonChosen: answer.reason !== null && answer.reason !== suggestedReason({ instruction: answer.instruction, input: answer.input, output: answer.output }),
			comment: answer.comment
		};
	}
	if (answer.kind === 'conversation') return { kind: 'conversation', turns: answer.turns.map((t) => ({ ...t })), comment: answer.comment };
	if (answer.kind === 'pairwise') return { kind: 'pairwise', choice: answer.choice, comment: answer.comment };
	return { kind: 'rating', ratings: [...answer.ratings], comment: answer.comment };
}

/** One line describing an answer, e.g. "yes · yes · no — incorrect output" or "A · C · B". */
export function summarizeAnswer(answer: Answer): string {
	if (answer.kind === 'rating') return answer.ratings.join(' · ');
	if (answer.kind === 'conversation') return answer.turns.map((t) => `${t.valid ? 'yes' : 'no'} ${t.rating}`).join(' · ');
	if (answer.kind === 'pairwise') return pairChoiceLabel(answer.choice);
	const yn = (v: boolean) => (v ? 'yes' : 'no');
	const base = `${yn(answer.instruction)} · ${yn(answer.input)} · ${yn(answer.output)}`;
	return answer.reason ? `${base} — ${answer.reason.replace(/_/g, ' ')}` : base;
}

/** A draft in the words of summarizeAnswer, '–' for what is not answered yet (answers kept on screen to copy). */
export function summarizeDraft(draft: Draft): string {
	const mark = (v: boolean | null) => (v === null ? '–' : v ? 'yes' : 'no');
	if (draft.kind === 'rating') return draft.ratings.map((r) => r ?? '–').join(' · ');
	if (draft.kind === 'conversation') return draft.turns.map((t) => `${mark(t.valid)} ${t.rating ?? '–'}`).join(' · ');
	if (draft.kind === 'pairwise') return draft.choice ? pairChoiceLabel(draft.choice) : '–';
	const base = `${mark(draft.answers.instruction)} · ${mark(draft.answers.input)} · ${mark(draft.answers.output)}`;
	return draft.reason ? `${base} — ${draft.reason.replace(/_/g, ' ')}` : base;
}
