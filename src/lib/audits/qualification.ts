/**
 * The optional qualification step of an audit: a reviewer's first N items are gold items (answers
 * the researcher knows), and their labels count only once their accuracy on those N reaches the
 * audit's level. Accuracy counts answers, as the report's gold accuracy does: each of the three
 * questions (quality audits) or each rated response (rating audits) that matches the gold answer;
 * a conversation's verdict as a whole (conversation audits) or a pair's verdict (pairwise audits).
 */

export interface QualificationRule {
	/** Gold items a reviewer labels first (0 = no qualification step). */
	items: number;
	/** Share of gold answers to get right, in (0, 1]. */
	accuracy: number;
}

export const DEFAULT_QUALIFICATION_ACCURACY = 0.8;

type Bool = boolean | null;
export interface AnswersLike {
	instructionValid: Bool;
	inputValid: Bool;
	outputValid: Bool;
	ratings: ReadonlyArray<{ responseId: number; rating: string }>;
	/** Pairwise audits: the verdict in the pair's own A/B order. */
	preference?: string | null;
}

/** Answers of one label that can be checked against the gold answer, and how many match. */
export function goldScore(kind: 'quality' | 'rating' | 'conversation' | 'pairwise', label: AnswersLike, gold: AnswersLike): { correct: number; total: number } {
	let correct = 0;
	let total = 0;
	if (kind === 'conversation') {
		// The verdict on the whole dialogue (every reply valid, or the whole judged valid).
		if (label.outputValid === null || gold.outputValid === null) return { correct, total };
		return { correct: +(label.outputValid === gold.outputValid), total: 1 };
	}
	if (kind === 'pairwise') {
		if (!label.preference || !gold.preference) return { correct, total };
		return { correct: +(label.preference === gold.preference), total: 1 };
	}
	if (kind === 'quality') {
		for (const [given, expected] of [
			[label.instructionValid, gold.instructionValid],
			[label.inputValid, gold.inputValid],
			[label.outputValid, gold.outputValid]
		] as const) {
			if (given === null || expected === null) continue;
			total++;
			if (given === expected) correct++;
		}
	} else {
		for (const g of gold.ratings) {
			const given = label.ratings.find((r) => r.responseId === g.responseId);
			if (!given) continue;
			total++;
			if (given.rating === g.rating) correct++;
		}
	}
	return { correct, total };
}

/** A reviewer of one audit (e.g. one whose labels do not count there: routing's reviewersNotCounted). */
export interface ReviewerInAudit {
	auditId: number;
	reviewerId: number;
}

export type QualificationState = 'qualified' | 'failed' | 'pending';

export interface QualificationStatus {
	state: QualificationState;
	/** Gold items the reviewer has labelled, of the N that count. */
	labelled: number;
	required: number;
	correct: number;
	total: number;
	/** correct / total over the first N gold labels; null before any. */
	accuracy: number | null;
}

/**
 * A reviewer's standing from the scores of their gold labels in the order they submitted them:
 * only the first N count, and the verdict waits until all N are in.
 */
export function qualificationOf(rule: QualificationRule, scoresInOrder: ReadonlyArray<{ correct: number; total: number }>): QualificationStatus {
	const counted = scoresInOrder.slice(0, rule.items);
	const correct = counted.reduce((s, x) => s + x.correct, 0);
	const total = counted.reduce((s, x) => s + x.total, 0);
	const accuracy = total === 0 ? null : correct / total;
	if (rule.items <= 0) return { state: 'qualified', labelled: 0, required: 0, correct: 0, total: 0, accuracy: null };
	const state: QualificationState =
		counted.length < rule.items ? 'pending' : accuracy !== null && accuracy >= rule.accuracy - 1e-12 ? 'qualified' : 'failed';
	return { state, labelled: counted.length, required: rule.items, correct, total, accuracy };
}

/**
 * The one scorer of the qualification step, used by routing (what the review screen says) and by
 * the report and audit page alike: each gold label is scored on the FIRST answer its reviewer
 * sent, so editing a gold label later (My labels) changes neither side's verdict. `labels` are the
 * reviewer's gold labels in the order they were first submitted.
 */
export function qualificationFromFirstAnswers(
	rule: QualificationRule,
	kind: 'quality' | 'rating' | 'conversation' | 'pairwise',
	labels: ReadonlyArray<{ firstAnswer: AnswersLike; gold: AnswersLike }>
): QualificationStatus {
	return qualificationOf(rule, labels.slice(0, Math.max(rule.items, 0)).map((l) => goldScore(kind, l.firstAnswer, l.gold)));
}

export function assertQualificationRule(rule: QualificationRule, goldItems: number): string | null {
	if (!Number.isInteger(rule.items) || rule.items < 0) return 'The qualification needs a whole number of gold items (0 for none).';
	if (!(rule.accuracy > 0 && rule.accuracy <= 1)) return 'The qualification accuracy must be above 0% and at most 100%.';
	if (rule.items > goldItems) return `The qualification asks for ${rule.items} gold item${rule.items === 1 ? '' : 's'} but the audit has ${goldItems}.`;
	return null;
}
