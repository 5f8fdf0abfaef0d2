/** "45 s", "3 min 20 s", "2 h 5 min": durations for the run pages. */
export function formatDuration(seconds: number): string {
	if (seconds < 60) return `${seconds} s`;
	const m = Math.floor(seconds / 60);
	if (m < 60) return `${m} min ${seconds % 60} s`;
	const h = Math.floor(m / 60);
	return `${h} h ${m % 60} min`;
}
