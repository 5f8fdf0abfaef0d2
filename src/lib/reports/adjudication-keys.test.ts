import { describe, expect, it } from 'vitest';
import { adjudicationCommand } from './adjudication-keys';

describe('adjudication keys', () => {
	it('moves between disagreements with ← / → and between rows with ↑ / ↓ or K / J, on the page only', () => {
		expect(adjudicationCommand({ key: 'ArrowRight' }, 'quality', 'page')).toEqual({ type: 'item', delta: 1 });
		expect(adjudicationCommand({ key: 'ArrowLeft' }, 'rating', 'page')).toEqual({ type: 'item', delta: -1 });
		expect(adjudicationCommand({ key: 'ArrowDown' }, 'quality', 'page')).toEqual({ type: 'row', delta: 1 });
		expect(adjudicationCommand({ key: 'k' }, 'quality', 'page')).toEqual({ type: 'row', delta: -1 });
		// In a radio group the arrows choose an answer; in a scrolling text they scroll.
		expect(adjudicationCommand({ key: 'ArrowRight' }, 'quality', 'answer')).toBeNull();
		expect(adjudicationCommand({ key: 'ArrowDown' }, 'quality', 'region')).toBeNull();
	});

	it('answers with the review screen keys: Y / N and 1–4 for quality, A–D and 1–9 for ratings', () => {
		expect(adjudicationCommand({ key: 'Y' }, 'quality', 'page')).toEqual({ type: 'yes' });
		expect(adjudicationCommand({ key: 'n' }, 'quality', 'answer')).toEqual({ type: 'no' });
		expect(adjudicationCommand({ key: '3' }, 'quality', 'page')).toEqual({ type: 'reason', reason: 'incorrect_output' });
		expect(adjudicationCommand({ key: '5' }, 'quality', 'page')).toBeNull();
		expect(adjudicationCommand({ key: 'c' }, 'rating', 'page')).toEqual({ type: 'rate', level: 'C' });
		expect(adjudicationCommand({ key: '2' }, 'rating', 'page')).toEqual({ type: 'jump', row: 1 });
		expect(adjudicationCommand({ key: 'y' }, 'rating', 'page')).toBeNull();
	});

	it('saves with Enter on the page, Ctrl+Enter anywhere but a control; never takes a typed letter', () => {
		expect(adjudicationCommand({ key: 'Enter' }, 'quality', 'page')).toEqual({ type: 'save' });
		expect(adjudicationCommand({ key: 'Enter' }, 'quality', 'control')).toBeNull();
		expect(adjudicationCommand({ key: 'Enter', ctrlKey: true }, 'quality', 'typing')).toEqual({ type: 'save' });
		expect(adjudicationCommand({ key: 'y' }, 'quality', 'typing')).toBeNull();
		expect(adjudicationCommand({ key: 'y', ctrlKey: true }, 'quality', 'page')).toBeNull();
		expect(adjudicationCommand({ key: '?' }, 'quality', 'page')).toEqual({ type: 'help' });
	});
});
