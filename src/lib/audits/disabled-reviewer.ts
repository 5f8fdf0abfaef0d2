/** An audit named for a person: "Pilot" (#3). */
function named(audit: { id: number; name: string }): string {
	return `"${audit.name}" (#${audit.id})`;
}

/**
 * What disabling or enabling an account did to the open audits it reviews, for the admin page and
 * `users disable|enable`: a disabled account is no active reviewer (its held items went back to the
 * pool), an enabled one is again. Empty when it reviews none.
 */
export function reviewingNote(disabled: boolean, audits: { id: number; name: string }[]): string {
	if (!audits.length) return '';
	const list = audits.map(named).join(', ');
	const these = audits.length === 1 ? `open audit ${list}` : `${audits.length} open audits: ${list}`;
	return disabled
		? `They were reviewing ${these}; the items they held went back to the other reviewers, and they count as a reviewer there again once enabled.`
		: `They are a reviewer again of ${these}.`;
}
