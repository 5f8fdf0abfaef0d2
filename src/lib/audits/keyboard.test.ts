import { describe, expect, it } from 'vitest';
import { commandForKey, focusContext, isTypingTarget, type FocusContext, type FocusTarget } from './keyboard';

describe('commandForKey', () => {
	it('maps the quality keys', () => {
		expect(commandForKey({ key: 'y' }, 'quality', 'page')).toEqual({ type: 'yes' });
		expect(commandForKey({ key: 'N' }, 'quality', 'page')).toEqual({ type: 'no' });
		expect(commandForKey({ key: '3' }, 'quality', 'page')).toEqual({ type: 'reason', reason: 'incorrect_output' });
		expect(commandForKey({ key: '4' }, 'quality', 'page')).toEqual({ type: 'reason', reason: 'other' });
		expect(commandForKey({ key: '5' }, 'quality', 'page')).toBeNull();
		expect(commandForKey({ key: 'a' }, 'quality', 'page')).toBeNull();
	});

	it('maps the rating keys', () => {
		expect(commandForKey({ key: 'a' }, 'rating', 'page')).toEqual({ type: 'rate', level: 'A' });
		expect(commandForKey({ key: 'D' }, 'rating', 'page')).toEqual({ type: 'rate', level: 'D' });
		// Every level's letter rates, none is taken by another command.
		for (const level of ['a', 'b', 'c', 'd']) expect(commandForKey({ key: level }, 'rating', 'page')).toMatchObject({ type: 'rate' });
		expect(commandForKey({ key: '2' }, 'rating', 'page')).toEqual({ type: 'jump', row: 1 });
		expect(commandForKey({ key: 'y' }, 'rating', 'page')).toBeNull();
	});

	it('maps navigation keys for both kinds on the page', () => {
		for (const kind of ['quality', 'rating'] as const) {
			expect(commandForKey({ key: 'Enter' }, kind, 'page')).toEqual({ type: 'submit' });
			expect(commandForKey({ key: 's' }, kind, 'page')).toEqual({ type: 'skip' });
			expect(commandForKey({ key: 'ArrowLeft' }, kind, 'page')).toEqual({ type: 'back' });
			expect(commandForKey({ key: 'ArrowRight' }, kind, 'page')).toEqual({ type: 'forward' });
			expect(commandForKey({ key: 'ArrowDown' }, kind, 'page')).toEqual({ type: 'row', delta: 1 });
			expect(commandForKey({ key: 'k' }, kind, 'page')).toEqual({ type: 'row', delta: -1 });
			expect(commandForKey({ key: '?', shiftKey: true }, kind, 'page')).toEqual({ type: 'help' });
			expect(commandForKey({ key: '/' }, kind, 'page')).toEqual({ type: 'comment' });
		}
		expect(commandForKey({ key: 'Enter', shiftKey: true }, 'quality', 'page')).toBeNull();
	});

	it('never takes Enter, Space or the arrows from a focused control or answer', () => {
		for (const context of ['control', 'answer'] as FocusContext[]) {
			for (const key of ['Enter', ' ', 'ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End']) {
				expect(commandForKey({ key }, 'quality', context), `${key} on ${context}`).toBeNull();
				expect(commandForKey({ key }, 'rating', context), `${key} on ${context}`).toBeNull();
			}
		}
		// Ctrl+Enter on a link opens it in a new tab: not a submit. On an answer it submits.
		expect(commandForKey({ key: 'Enter', ctrlKey: true }, 'quality', 'control')).toBeNull();
		expect(commandForKey({ key: 'Enter', ctrlKey: true }, 'quality', 'answer')).toEqual({ type: 'submit' });
		// Letters are not keys a button or an answer uses: they still answer.
		expect(commandForKey({ key: 'n' }, 'quality', 'answer')).toEqual({ type: 'no' });
		expect(commandForKey({ key: 'b' }, 'rating', 'control')).toEqual({ type: 'rate', level: 'B' });
	});

	it('lets a focused text scroll with the arrows and Space, while Enter still submits', () => {
		for (const key of [' ', 'ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'PageDown', 'End']) {
			expect(commandForKey({ key }, 'rating', 'region')).toBeNull();
		}
		expect(commandForKey({ key: 'Enter' }, 'rating', 'region')).toEqual({ type: 'submit' });
		expect(commandForKey({ key: 'c' }, 'rating', 'region')).toEqual({ type: 'rate', level: 'C' });
	});

	it('leaves typing alone except Escape and Ctrl+Enter, and ignores browser shortcuts', () => {
		expect(commandForKey({ key: 'y' }, 'quality', 'typing')).toBeNull();
		expect(commandForKey({ key: 'Enter' }, 'quality', 'typing')).toBeNull();
		expect(commandForKey({ key: 'Enter', ctrlKey: true }, 'quality', 'typing')).toEqual({ type: 'submit' });
		expect(commandForKey({ key: 'Enter', metaKey: true }, 'rating', 'typing')).toEqual({ type: 'submit' });
		expect(commandForKey({ key: 'Escape' }, 'quality', 'typing')).toEqual({ type: 'escape' });
		expect(commandForKey({ key: 'c', ctrlKey: true }, 'quality', 'page')).toBeNull();
		expect(commandForKey({ key: 'ArrowLeft', altKey: true }, 'quality', 'page')).toBeNull();
		expect(commandForKey({ key: ' ' }, 'quality', 'page')).toBeNull();
	});
});

function el(tagName: string, attributes: Record<string, string> = {}, extra: Partial<FocusTarget> = {}): FocusTarget {
	return {
		tagName,
		getAttribute: (name) => attributes[name] ?? null,
		hasAttribute: (name) => name in attributes,
		...extra
	};
}

describe('focusContext', () => {
	it('knows text fields from buttons', () => {
		expect(isTypingTarget({ tagName: 'TEXTAREA' })).toBe(true);
		expect(isTypingTarget({ tagName: 'input', type: 'text' })).toBe(true);
		expect(isTypingTarget({ tagName: 'INPUT', type: 'radio' })).toBe(false);
		expect(isTypingTarget({ tagName: 'BUTTON' })).toBe(false);
		expect(isTypingTarget({ tagName: 'DIV', isContentEditable: true })).toBe(true);
		expect(isTypingTarget(null)).toBe(false);
	});

	it('tells answers, controls, scroll regions and the page apart', () => {
		expect(focusContext(null)).toBe('page');
		expect(focusContext(el('BODY'))).toBe('page');
		expect(focusContext(el('H2', { tabindex: '-1' }))).toBe('page');
		expect(focusContext(el('TEXTAREA'))).toBe('typing');
		expect(focusContext(el('INPUT', {}, { type: 'search' }))).toBe('typing');
		expect(focusContext(el('BUTTON', { role: 'radio' }))).toBe('answer');
		expect(focusContext(el('INPUT', {}, { type: 'radio' }))).toBe('answer');
		expect(focusContext(el('BUTTON'))).toBe('control');
		expect(focusContext(el('A', { href: '/review' }))).toBe('control');
		expect(focusContext(el('A'))).toBe('page');
		expect(focusContext(el('SUMMARY'))).toBe('control');
		expect(focusContext(el('DIV', { role: 'button', tabindex: '0' }))).toBe('control');
		expect(focusContext(el('DIV', { 'data-scroll-region': '', tabindex: '0' }))).toBe('region');
	});
});
