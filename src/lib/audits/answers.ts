import { QUALITY_QUESTIONS, type ErrorReason, type QuestionKey, type RatingLevel } from './rubric';

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

export type Draft = QualityDraft | RatingDraft;

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

export type Answer = QualityAnswer | RatingAnswer;

export function emptyDraft(kind: 'quality' | 'rating', responseCount = 0): Draft {
	if (kind === 'quality') {
		return { kind, answers: { instruction: null, input: null, output: null }, reason: null, reasonChosen: false, comment: '' };
	}
	return { kind, ratings: Array.from({ length: responseCount }, () => null), comment: '' };
}

/** The reason a set of answers points to: the taxonomy entry of the first "no", if any. */
export function suggestedReason(answers: Record<QuestionKey, boolean | null>): ErrorReason | null {
	for (const q of QUALITY_QUESTIONS) if (answers[q.key] === false) return q.reasonIfNo;
	return null;
}

export function answerQuestion(draft: QualityDraft, question: QuestionKey, value: boolean): QualityDraft {
	const answers = { ...draft.answers, [question]: value };
	const anyNo = Object.values(answers).some((a) => a === false);
	let reason = draft.reason;
	let reasonChosen = draft.reasonChosen;
	if (!anyNo) {
		reason = null;
		reasonChosen = false;
	} else if (!reasonChosen) reason = suggestedReason(answers);
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

export type Completion = { ok: true; answer: Answer } | { ok: false; problem: string; row: number | 'reason' };

/** The submittable answer, or what is still missing (and which row to bring the reviewer to). */
export function completeDraft(draft: Draft): Completion {
	const comment = draft.comment.trim().slice(0, MAX_COMMENT_LENGTH);
	if (draft.kind === 'quality') {
		const missing = QUALITY_QUESTIONS.findIndex((q) => draft.answers[q.key] === null);
		if (missing >= 0) return { ok: false, problem: `Answer: ${QUALITY_QUESTIONS[missing].text}`, row: missing };
		const anyNo = needsReason(draft);
		if (anyNo && !draft.reason) return { ok: false, problem: 'Choose what is wrong.', row: 'reason' };
		const { instruction, input, output } = draft.answers as Record<QuestionKey, boolean>;
		return { ok: true, answer: { kind: 'quality', instruction, input, output, reason: anyNo ? draft.reason : null, comment } };
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
	return { kind: 'rating', ratings: [...answer.ratings], comment: answer.comment };
}

/** One line describing an answer, e.g. "yes · yes · no — incorrect output" or "A · C · B". */
export function summarizeAnswer(answer: Answer): string {
	if (answer.kind === 'rating') return answer.ratings.join(' · ');
	const yn = (v: boolean) => (v ? 'yes' : 'no');
	const base = `${yn(answer.instruction)} · ${yn(answer.input)} · ${yn(answer.output)}`;
	return answer.reason ? `${base} — ${answer.reason.replace(/_/g, ' ')}` : base;
}
