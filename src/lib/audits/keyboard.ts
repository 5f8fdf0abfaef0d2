import { ERROR_REASONS, RATING_LEVELS, type ErrorReason, type RatingLevel } from './rubric';

/**
 * The review screen's keyboard map. Reviewers work for hours, so every answer has a key and the
 * hands never need the mouse: answers apply to the highlighted row (a question or a response)
 * and move the highlight on; Enter submits. Keys are ignored while typing a comment, except
 * Escape (leave the field) and Ctrl/⌘+Enter (submit).
 */

export type ReviewCommand =
	| { type: 'yes' }
	| { type: 'no' }
	| { type: 'rate'; level: RatingLevel }
	| { type: 'reason'; reason: ErrorReason }
	| { type: 'row'; delta: 1 | -1 }
	| { type: 'jump'; row: number }
	| { type: 'submit' }
	| { type: 'skip' }
	| { type: 'back' }
	| { type: 'forward' }
	| { type: 'comment' }
	| { type: 'help' }
	| { type: 'guidelines' }
	| { type: 'escape' };

export interface KeyInput {
	key: string;
	ctrlKey?: boolean;
	metaKey?: boolean;
	altKey?: boolean;
	shiftKey?: boolean;
}

/** Labels for the keys, shown next to what they do. */
export const KEYS = {
	yes: 'Y',
	no: 'N',
	submit: 'Enter',
	skip: 'S',
	back: '←',
	forward: '→',
	up: '↑',
	down: '↓',
	comment: '/',
	help: '?',
	guidelines: 'G',
	escape: 'Esc'
} as const;

/** Reasons are chosen with the digits 1–4, in taxonomy order. */
export const REASON_KEYS: Record<ErrorReason, string> = Object.fromEntries(
	ERROR_REASONS.map((r, i) => [r.key, String(i + 1)])
) as Record<ErrorReason, string>;

/** A–D rate the highlighted response. */
export const RATING_KEYS: Record<RatingLevel, string> = Object.fromEntries(RATING_LEVELS.map((l) => [l.key, l.key])) as Record<
	RatingLevel,
	string
>;

export function commandForKey(event: KeyInput, kind: 'quality' | 'rating', typing: boolean): ReviewCommand | null {
	const { key } = event;
	if (key === 'Enter' && (event.ctrlKey || event.metaKey)) return { type: 'submit' };
	if (key === 'Escape') return { type: 'escape' };
	if (typing || event.altKey || event.metaKey || event.ctrlKey) return null;

	switch (key) {
		case 'Enter':
			return event.shiftKey ? null : { type: 'submit' };
		case 'ArrowUp':
			return { type: 'row', delta: -1 };
		case 'ArrowDown':
			return { type: 'row', delta: 1 };
		case 'ArrowLeft':
			return { type: 'back' };
		case 'ArrowRight':
			return { type: 'forward' };
		case '?':
			return { type: 'help' };
		// "/" jumps to the text field, as in many tools; letters stay free for answers (C is a rating).
		case '/':
			return { type: 'comment' };
	}
	const lower = key.length === 1 ? key.toLowerCase() : '';
	switch (lower) {
		case 'j':
			return { type: 'row', delta: 1 };
		case 'k':
			return { type: 'row', delta: -1 };
		case 's':
			return { type: 'skip' };
		case 'g':
			return { type: 'guidelines' };
	}
	if (kind === 'quality') {
		if (lower === 'y') return { type: 'yes' };
		if (lower === 'n') return { type: 'no' };
		const digit = Number(lower);
		if (lower >= '1' && lower <= '9' && digit <= ERROR_REASONS.length) return { type: 'reason', reason: ERROR_REASONS[digit - 1].key };
		return null;
	}
	const level = RATING_LEVELS.find((l) => l.key.toLowerCase() === lower);
	if (level) return { type: 'rate', level: level.key };
	if (lower >= '1' && lower <= '9') return { type: 'jump', row: Number(lower) - 1 };
	return null;
}

/** Whether keystrokes go to a text field (then they are the reviewer's text, not commands). */
export function isTypingTarget(target: { tagName?: string; isContentEditable?: boolean; type?: string } | null): boolean {
	if (!target?.tagName) return false;
	const tag = target.tagName.toUpperCase();
	if (tag === 'TEXTAREA' || target.isContentEditable) return true;
	if (tag === 'INPUT') return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes((target.type ?? 'text').toLowerCase());
	return tag === 'SELECT';
}
