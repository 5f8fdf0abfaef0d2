/**
 * The disagreements page's keyboard map, the review screen's keys where they mean the same:
 * ← / → move to the previous / next disagreement (as they move between items when reviewing),
 * ↑ / ↓ (or K / J) highlight a row of the current item, Y / N answer the highlighted question,
 * 1–4 choose the reason, A–D rate the highlighted response (1–9 then highlight response n),
 * Enter sets the final label. Keys never take over a text field or a focused control's own keys
 * (focus contexts as in $lib/audits/keyboard).
 */
import { isMainActionEnter, type FocusContext, type KeyInput } from '$lib/audits/keyboard';
import { ERROR_REASONS, RATING_LEVELS, type ErrorReason, type RatingLevel } from '$lib/audits/rubric';

export type AdjudicationCommand =
	| { type: 'item'; delta: 1 | -1 }
	| { type: 'row'; delta: 1 | -1 }
	| { type: 'jump'; row: number }
	| { type: 'yes' }
	| { type: 'no' }
	| { type: 'reason'; reason: ErrorReason }
	| { type: 'rate'; level: RatingLevel }
	| { type: 'save' }
	| { type: 'help' };

export function adjudicationCommand(event: KeyInput, kind: 'quality' | 'rating', context: FocusContext): AdjudicationCommand | null {
	const { key } = event;
	const modified = event.ctrlKey || event.metaKey;
	if (key === 'Enter') return isMainActionEnter(event, context) ? { type: 'save' } : null;
	if (context === 'typing' || event.altKey || modified) return null;
	switch (key) {
		case 'ArrowLeft':
		case 'ArrowRight':
		case 'ArrowUp':
		case 'ArrowDown':
			// In an answer group the arrows choose, in a text they scroll: theirs to keep.
			if (context !== 'page') return null;
			if (key === 'ArrowLeft') return { type: 'item', delta: -1 };
			if (key === 'ArrowRight') return { type: 'item', delta: 1 };
			return { type: 'row', delta: key === 'ArrowUp' ? -1 : 1 };
		case '?':
			return { type: 'help' };
	}
	const lower = key.length === 1 ? key.toLowerCase() : '';
	if (lower === 'j') return { type: 'row', delta: 1 };
	if (lower === 'k') return { type: 'row', delta: -1 };
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
