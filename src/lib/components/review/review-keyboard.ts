import { commandForKey, focusContext, type FocusTarget } from '$lib/audits/keyboard';
import type { ReviewSession } from './review-session.svelte';

/**
 * The review screen's key handler: which command a key means where focus is (keyboard.ts), then
 * what it does to the session. The screen supplies the parts that touch the page (focus).
 */

export interface ReviewScreenHooks {
	/** The comment box, to focus it or to leave it. */
	comment(): HTMLTextAreaElement | undefined;
	/** The skip reason field while the skip panel is open. */
	skipInput(): HTMLInputElement | undefined;
	skipReason(): string;
	openSkip(): void;
	/** Closes the skip panel and gives focus back to the Skip button. */
	closeSkip(): void;
	/** Focus was in an answer group and the highlight moved: bring focus to the new row's group. */
	followRow(): void;
	/** A submit from the comment box was refused for a missing answer: focus the first question still unanswered. */
	focusOpenQuestion(): void;
	/** Esc in the comment box: focus on Submit (or the item's heading), where Enter submits; never an answer, never the page body. */
	leaveComment(): void;
}

export interface KeyEventLike {
	key: string;
	ctrlKey: boolean;
	metaKey: boolean;
	altKey: boolean;
	shiftKey: boolean;
	defaultPrevented: boolean;
	target: EventTarget | null;
	preventDefault(): void;
}

export function handleReviewKey(event: KeyEventLike, session: ReviewSession, hooks: ReviewScreenHooks): void {
	session.interacted();
	if (session.helpOpen || event.defaultPrevented) return;
	const target = event.target as (FocusTarget & { blur?: () => void }) | null;
	if (session.skipOpen) {
		if (event.key === 'Escape') {
			event.preventDefault();
			hooks.closeSkip();
		} else if (event.key === 'Enter' && target && target === (hooks.skipInput() as unknown)) {
			event.preventDefault();
			void session.skip(hooks.skipReason());
		}
		return;
	}
	const context = focusContext(target);
	const command = commandForKey(event, session.current?.kind ?? session.audit.kind, context);
	if (!command) return;
	event.preventDefault();
	const inGroup = context === 'answer';
	const comment = hooks.comment();
	switch (command.type) {
		case 'yes':
		case 'no':
			session.answer(command.type === 'yes');
			if (inGroup) hooks.followRow();
			break;
		case 'reason':
			session.reason(command.reason);
			break;
		case 'prefer':
			session.prefer(command.choice);
			break;
		case 'rate':
			session.rate(command.level);
			if (inGroup) hooks.followRow();
			break;
		case 'row':
			session.moveRow(command.delta);
			break;
		case 'jump':
			session.jumpRow(command.row);
			if (inGroup) hooks.followRow();
			break;
		case 'submit':
			session.submit();
			// From the comment box, a blur alone left focus on the page body (the next Tab started over
			// at "Skip to content"): a missing answer takes the focus instead. Elsewhere focus stays put,
			// so letters and a plain Enter go on working as before.
			if (comment && target === (comment as unknown)) {
				if (session.problem) hooks.focusOpenQuestion();
				else comment.blur();
			}
			break;
		case 'skip':
			hooks.openSkip();
			break;
		case 'back':
			void session.back();
			break;
		case 'forward':
			session.forward();
			break;
		case 'comment':
			comment?.focus();
			break;
		case 'help':
			session.helpOpen = true;
			break;
		case 'guidelines':
			session.guidelinesOpen = !session.guidelinesOpen;
			break;
		case 'escape':
			if (comment && target === (comment as unknown)) hooks.leaveComment();
			else if (session.guidelinesOpen) session.guidelinesOpen = false;
			session.cancelBack();
			session.problem = null;
			session.setNotice(null);
			break;
	}
}
