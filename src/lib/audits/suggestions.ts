import type { QuestionKey } from './rubric';
import { answerQuestion, emptyDraft, type QualityDraft } from './answers';

/**
 * A judge's answers shown to a reviewer as a suggestion (issue #13, "Suggestions for reviewers";
 * an audit option, off by default because suggestions anchor people). Built from a judge label's
 * stored verdicts ({instruction: {valid, reason}, input: …, output: …}); anything else is no
 * suggestion — nothing is guessed.
 */
export interface ReviewSuggestion {
	/** The judge run the answers come from and its model. */
	runId: number;
	model: string;
	answers: Record<QuestionKey, boolean>;
	/** The judge's one-sentence reason per question ('' when it gave none). */
	reasons: Record<QuestionKey, string>;
}

const KEYS: readonly QuestionKey[] = ['instruction', 'input', 'output'];
const MAX_REASON = 500;

/** The suggestion in a parsed quality label's verdicts, or null when they are not that shape. */
export function suggestionFromVerdicts(runId: number, model: string, verdicts: unknown): ReviewSuggestion | null {
	if (!verdicts || typeof verdicts !== 'object') return null;
	const v = verdicts as Record<string, unknown>;
	const answers = {} as Record<QuestionKey, boolean>;
	const reasons = {} as Record<QuestionKey, string>;
	for (const key of KEYS) {
		const q = v[key];
		if (!q || typeof q !== 'object') return null;
		const { valid, reason } = q as { valid?: unknown; reason?: unknown };
		if (typeof valid !== 'boolean') return null;
		answers[key] = valid;
		reasons[key] = typeof reason === 'string' ? reason.trim().slice(0, MAX_REASON) : '';
	}
	return { runId, model, answers, reasons };
}

/**
 * The draft a reviewer starts from when the item has a suggestion and no draft or label of their
 * own: the judge's three answers (the reason for a "no" chosen as any answer would choose it),
 * no comment. Nothing is submitted: the reviewer still checks and submits.
 */
export function draftFromSuggestion(suggestion: ReviewSuggestion): QualityDraft {
	let draft = emptyDraft('quality') as QualityDraft;
	for (const key of KEYS) draft = answerQuestion(draft, key, suggestion.answers[key]);
	return draft;
}
