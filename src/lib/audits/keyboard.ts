import { ERROR_REASONS, PAIR_CHOICES, RATING_LEVELS, type ErrorReason, type PairChoice } from './rubric';
import type { RatingLevel } from './rubric';

/**
 * The review screen's keyboard map. Reviewers work for hours, so every answer has a key and the
 * hands never need the mouse: answers apply to the highlighted row (a question or a response)
 * and move the highlight on; Enter submits.
 *
 * A shortcut never takes a key from the control that has focus: Enter and Space on a button,
 * link or answer activate that control, arrow keys move within an answer group or scroll a
 * focused text, and typing in a field is text (except Escape, and Ctrl/⌘+Enter to submit).
 * Enter submits only when focus is on the item itself (its heading, its text, the page).
 */

export type ReviewCommand =
	| { type: 'yes' }
	| { type: 'no' }
	| { type: 'rate'; level: RatingLevel }
	| { type: 'reason'; reason: ErrorReason }
	| { type: 'prefer'; choice: PairChoice }
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

/**
 * Where a keystroke lands:
 * - `page`: nothing in particular (the body, the item's heading, plain text): every shortcut;
 * - `region`: a focused scrollable text: arrows, Space and Page keys scroll it, Enter submits;
 * - `answer`: an answer in a radio group (Yes/No, a reason, A–D): Enter/Space choose it, the
 *   arrows move within the group; letters still answer, Ctrl/⌘+Enter submits;
 * - `control`: a button, link, summary…: its own keys (Enter, Space, arrows) are left alone;
 * - `typing`: a text field: only Escape and Ctrl/⌘+Enter.
 */
export type FocusContext = 'page' | 'region' | 'answer' | 'control' | 'typing';

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

/** The same keys as `aria-keyshortcuts` values (UI Events key names). */
export const ARIA_KEYS = {
	yes: 'Y',
	no: 'N',
	submit: 'Enter Control+Enter',
	skip: 'S',
	back: 'ArrowLeft',
	forward: 'ArrowRight',
	comment: '/',
	help: 'Shift+?',
	guidelines: 'G'
} as const;

/** Reasons are chosen with the digits 1–4, in taxonomy order. */
export const REASON_SHORTCUTS: Record<ErrorReason, string> = Object.fromEntries(ERROR_REASONS.map((r, i) => [r.key, String(i + 1)])) as Record<
	ErrorReason,
	string
>;

/** Pairwise choices are the digits 1–4: A better, B better, about the same, both bad. */
/** The A–D answers as a radio group shows them: the letter is the label and the key, the rubric's words the title. */
export const RATING_OPTIONS = RATING_LEVELS.map((l) => ({ value: l.key, label: l.key, shortcut: l.key, title: `${l.label}: ${l.definition}`, spoken: l.label.toLowerCase() }));

export const PAIR_SHORTCUTS: Record<PairChoice, string> = Object.fromEntries(PAIR_CHOICES.map((c, i) => [c.key, String(i + 1)])) as Record<PairChoice, string>;

/**
 * Whether an Enter is the screen's main action (submit, save). A link's Ctrl+Enter opens it in
 * a new tab and a button's Enter presses it: those stay theirs. Elsewhere Ctrl+Enter always is.
 */
export function isMainActionEnter(event: KeyInput, context: FocusContext): boolean {
	if (event.ctrlKey || event.metaKey) return context !== 'control';
	if (event.shiftKey || event.altKey) return false;
	return context === 'page' || context === 'region';
}

export function commandForKey(event: KeyInput, kind: 'quality' | 'rating' | 'conversation' | 'pairwise', context: FocusContext): ReviewCommand | null {
	const { key } = event;
	const modified = event.ctrlKey || event.metaKey;
	if (key === 'Escape') return { type: 'escape' };
	if (key === 'Enter') return isMainActionEnter(event, context) ? { type: 'submit' } : null;
	if (context === 'typing' || event.altKey || modified) return null;

	switch (key) {
		case 'ArrowUp':
		case 'ArrowDown':
		case 'ArrowLeft':
		case 'ArrowRight':
			// Only on the page itself: in a group the arrows move between answers, in a text they scroll.
			if (context !== 'page') return null;
			if (key === 'ArrowUp') return { type: 'row', delta: -1 };
			if (key === 'ArrowDown') return { type: 'row', delta: 1 };
			return key === 'ArrowLeft' ? { type: 'back' } : { type: 'forward' };
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
	if (kind === 'pairwise') {
		const digit = Number(lower);
		if (lower >= '1' && lower <= '9' && digit <= PAIR_CHOICES.length) return { type: 'prefer', choice: PAIR_CHOICES[digit - 1].key };
		return null;
	}
	if (kind === 'conversation') {
		// Each assistant turn: Y / N (valid?) and A–D; the digits jump to a turn.
		if (lower === 'y') return { type: 'yes' };
		if (lower === 'n') return { type: 'no' };
		const level = RATING_LEVELS.find((l) => l.key.toLowerCase() === lower);
		if (level) return { type: 'rate', level: level.key };
		if (lower >= '1' && lower <= '9') return { type: 'jump', row: Number(lower) - 1 };
		return null;
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

/** The part of a DOM element the focus rules look at (a plain object in tests). */
export interface FocusTarget {
	tagName?: string;
	isContentEditable?: boolean;
	type?: string;
	getAttribute?: (name: string) => string | null;
	hasAttribute?: (name: string) => boolean;
}

/** Whether keystrokes go to a text field (then they are the reviewer's text, not commands). */
export function isTypingTarget(target: FocusTarget | null): boolean {
	if (!target?.tagName) return false;
	const tag = target.tagName.toUpperCase();
	if (tag === 'TEXTAREA' || target.isContentEditable) return true;
	if (tag === 'INPUT') return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes((target.type ?? 'text').toLowerCase());
	return tag === 'SELECT';
}

const CONTROL_TAGS = new Set(['BUTTON', 'A', 'SUMMARY', 'INPUT', 'SELECT', 'OPTION', 'DETAILS', 'AUDIO', 'VIDEO', 'IFRAME']);
const CONTROL_ROLES = new Set(['button', 'link', 'checkbox', 'switch', 'tab', 'menuitem', 'option', 'combobox', 'slider', 'spinbutton', 'textbox', 'listbox']);

/** What kind of thing has focus, for commandForKey. Scroll regions carry `data-scroll-region`. */
export function focusContext(target: FocusTarget | null): FocusContext {
	if (!target?.tagName) return 'page';
	if (isTypingTarget(target)) return 'typing';
	const tag = target.tagName.toUpperCase();
	const role = target.getAttribute?.('role') ?? null;
	if (role === 'radio' || (tag === 'INPUT' && (target.type ?? '').toLowerCase() === 'radio')) return 'answer';
	if (tag === 'A' && !target.hasAttribute?.('href')) return 'page';
	if (CONTROL_TAGS.has(tag) || (role !== null && CONTROL_ROLES.has(role))) return 'control';
	if (target.hasAttribute?.('data-scroll-region')) return 'region';
	return 'page';
}
