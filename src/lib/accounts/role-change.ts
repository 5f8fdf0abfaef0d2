/** What a role change did, in one sentence shared by Admin → Users and `users set-role`. */

/** "an admin", "a researcher", "a reviewer". */
export function withArticle(role: string): string {
	return `${/^[aeiou]/i.test(role) ? 'an' : 'a'} ${role}`;
}

/**
 * `self`: the administrator changed their own role away from admin, so the pages they are on
 * close to them at once; the sentence says so rather than leaving them at a bare 403.
 */
export function roleChangedMessage(email: string, role: string, self = false): string {
	if (self) return `You (${email}) are now ${withArticle(role)}: the Admin pages are closed to you from now on.`;
	return `${email} is now ${withArticle(role)}.`;
}
