import { describe, expect, it } from 'vitest';
import { commandForKey, isTypingTarget } from './keyboard';

describe('commandForKey', () => {
	it('maps the quality keys', () => {
		expect(commandForKey({ key: 'y' }, 'quality', false)).toEqual({ type: 'yes' });
		expect(commandForKey({ key: 'N' }, 'quality', false)).toEqual({ type: 'no' });
		expect(commandForKey({ key: '3' }, 'quality', false)).toEqual({ type: 'reason', reason: 'incorrect_output' });
		expect(commandForKey({ key: '4' }, 'quality', false)).toEqual({ type: 'reason', reason: 'other' });
		expect(commandForKey({ key: '5' }, 'quality', false)).toBeNull();
		expect(commandForKey({ key: 'a' }, 'quality', false)).toBeNull();
	});

	it('maps the rating keys', () => {
		expect(commandForKey({ key: 'a' }, 'rating', false)).toEqual({ type: 'rate', level: 'A' });
		expect(commandForKey({ key: 'D' }, 'rating', false)).toEqual({ type: 'rate', level: 'D' });
		// Every level's letter rates, none is taken by another command.
		for (const level of ['a', 'b', 'c', 'd']) expect(commandForKey({ key: level }, 'rating', false)).toMatchObject({ type: 'rate' });
		expect(commandForKey({ key: '2' }, 'rating', false)).toEqual({ type: 'jump', row: 1 });
		expect(commandForKey({ key: 'y' }, 'rating', false)).toBeNull();
	});

	it('maps navigation keys for both kinds', () => {
		for (const kind of ['quality', 'rating'] as const) {
			expect(commandForKey({ key: 'Enter' }, kind, false)).toEqual({ type: 'submit' });
			expect(commandForKey({ key: 's' }, kind, false)).toEqual({ type: 'skip' });
			expect(commandForKey({ key: 'ArrowLeft' }, kind, false)).toEqual({ type: 'back' });
			expect(commandForKey({ key: 'ArrowRight' }, kind, false)).toEqual({ type: 'forward' });
			expect(commandForKey({ key: 'ArrowDown' }, kind, false)).toEqual({ type: 'row', delta: 1 });
			expect(commandForKey({ key: 'k' }, kind, false)).toEqual({ type: 'row', delta: -1 });
			expect(commandForKey({ key: '?', shiftKey: true }, kind, false)).toEqual({ type: 'help' });
			expect(commandForKey({ key: '/' }, kind, false)).toEqual({ type: 'comment' });
		}
		expect(commandForKey({ key: 'Enter', shiftKey: true }, 'quality', false)).toBeNull();
	});

	it('leaves typing alone except Escape and Ctrl+Enter, and ignores browser shortcuts', () => {
		expect(commandForKey({ key: 'y' }, 'quality', true)).toBeNull();
		expect(commandForKey({ key: 'Enter' }, 'quality', true)).toBeNull();
		expect(commandForKey({ key: 'Enter', ctrlKey: true }, 'quality', true)).toEqual({ type: 'submit' });
		expect(commandForKey({ key: 'Enter', metaKey: true }, 'rating', true)).toEqual({ type: 'submit' });
		expect(commandForKey({ key: 'Escape' }, 'quality', true)).toEqual({ type: 'escape' });
		expect(commandForKey({ key: 'c', ctrlKey: true }, 'quality', false)).toBeNull();
		expect(commandForKey({ key: 'ArrowLeft', altKey: true }, 'quality', false)).toBeNull();
	});
});

describe('isTypingTarget', () => {
	it('knows text fields from buttons', () => {
		expect(isTypingTarget({ tagName: 'TEXTAREA' })).toBe(true);
		expect(isTypingTarget({ tagName: 'input', type: 'text' })).toBe(true);
		expect(isTypingTarget({ tagName: 'INPUT', type: 'radio' })).toBe(false);
		expect(isTypingTarget({ tagName: 'BUTTON' })).toBe(false);
		expect(isTypingTarget({ tagName: 'DIV', isContentEditable: true })).toBe(true);
		expect(isTypingTarget(null)).toBe(false);
	});
});
