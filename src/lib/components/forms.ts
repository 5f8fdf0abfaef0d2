/**
 * The ids a control's aria-describedby names — its hint, its error — left out when absent, so a
 * screen reader reads a field's error (and hint) with the field itself. Undefined when none.
 */
export function describedBy(...ids: Array<string | false | null | undefined>): string | undefined {
	const present = ids.filter((id): id is string => !!id);
	return present.length ? present.join(' ') : undefined;
}
