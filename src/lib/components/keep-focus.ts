/**
 * Where focus goes after a form's action succeeded. SvelteKit's `applyAction` moves focus to
 * <body> after a successful enhanced submit, as if a new page had loaded; on a page that stays
 * where it was, a keyboard or screen-reader user would have to find their place again.
 */
import type { ActionResult, SubmitFunction } from '@sveltejs/kit';
import { tick } from 'svelte';

/** Where focus may go when the control used is gone or disabled: an element, or a function finding one. */
export type FocusFallback = HTMLElement | null | undefined | (() => HTMLElement | null | undefined);

export interface KeepFocusOptions {
	/** Reset the form after a success (SvelteKit's default: true). */
	reset?: boolean;
	/** Run after the page shows the action's result, before focus is given back (e.g. poll a run now). */
	after?: (result: ActionResult) => unknown;
	/** Where focus goes when the control used is no longer there or usable: its replacement, or the result message. */
	fallback?: FocusFallback;
}

const usable = (el: HTMLElement | null | undefined): el is HTMLElement => !!el && el.isConnected && !el.matches(':disabled') && !el.closest('[inert]');

/**
 * Focus the control used when it is still there and usable, else the fallback (given
 * tabindex="-1" when it is not focusable by itself, e.g. a message). Leaves alone a focus
 * something else took meanwhile (an invalid field, an error message).
 */
export function giveFocusBack(used: HTMLElement | null, fallback?: FocusFallback): void {
	const now = document.activeElement;
	if (now instanceof HTMLElement && now !== document.body && now !== used && now.isConnected) return;
	const target = usable(used) ? used : typeof fallback === 'function' ? fallback() : fallback;
	if (!target || !target.isConnected) return;
	if (target.tabIndex < 0 && !target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
	if (document.activeElement !== target) target.focus({ preventScroll: true });
}

/**
 * An enhance callback (`use:enhance={keepFocus()}`) that applies the result as SvelteKit does,
 * then gives focus back to the control used (or `fallback`).
 */
export function keepFocus(options: KeepFocusOptions = {}): SubmitFunction {
	return ({ submitter }) => {
		const active = document.activeElement;
		const used = submitter instanceof HTMLElement ? submitter : active instanceof HTMLElement && active !== document.body ? active : null;
		return async ({ result, update }) => {
			await update({ reset: options.reset ?? true });
			await options.after?.(result);
			await tick();
			// A redirect to a #fragment has SvelteKit move the focus start there in a timeout of its own: after it.
			if (result.type === 'redirect' && new URL(result.location, location.href).hash) await new Promise((resolve) => setTimeout(resolve));
			giveFocusBack(used, options.fallback);
		};
	};
}
