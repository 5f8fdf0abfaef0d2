/**
 * Where focus goes when a form comes back with an error: to the first field marked invalid, or
 * else to the error message itself — never left on <body> with the message out of sight (a
 * keyboard or screen-reader user would not know the form was refused, nor where).
 */

/**
 * On a form: when it renders with errors — a full-page POST answer, or `errors` (the action's
 * field errors) changing after an enhanced submit — focus its first invalid field.
 */
export function focusFirstInvalid(node: HTMLElement, errors?: unknown) {
	const focus = () => {
		// data-invalid marks a group (a fieldset of checkboxes), where aria-invalid does not belong.
		const invalid = node.querySelector<HTMLElement>('[aria-invalid="true"], [data-invalid]');
		if (!invalid) return;
		// A group marked invalid: its first control.
		const control = invalid.matches('input, select, textarea, button') ? invalid : (invalid.querySelector<HTMLElement>('input, select, textarea, button') ?? invalid);
		control.focus();
		control.scrollIntoView({ block: 'center' });
	};
	focus();
	return {
		update(next: unknown) {
			// After the DOM shows the new errors.
			if (next && next !== errors) requestAnimationFrame(focus);
			errors = next;
		}
	};
}

/** On an error message that appears after an action: take focus (it needs tabindex="-1") and come into view. */
export function takeFocus(node: HTMLElement) {
	node.focus();
	node.scrollIntoView({ block: 'nearest' });
}
