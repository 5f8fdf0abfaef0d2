/**
 * A yes/no question's column as raw SQL reads it: 1 yes, 0 no, NULL not answered (what Drizzle's
 * `integer(…, { mode: 'boolean' })` stores).
 */
export function storedFlag(value: unknown): boolean | null {
	return value === null ? null : value === 1;
}
