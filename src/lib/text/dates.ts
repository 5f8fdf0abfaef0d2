/**
 * The app's one date format: "2 Dec 2026, 14:05" (en-GB, medium date, short time), the same on
 * every page. `empty` is what a missing date shows.
 */
export function formatDateTime(value: Date | number | string | null | undefined, empty = '—'): string {
	if (value === null || value === undefined || value === '' || value === 0) return empty;
	return new Date(value).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}
