import { formatNumber } from '$lib/text/words';

/** "45 s", "3 min 20 s", "2 h 5 min": durations for the run pages. */
export function formatDuration(seconds: number): string {
	if (seconds < 60) return `${seconds} s`;
	const m = Math.floor(seconds / 60);
	if (m < 60) return `${m} min ${seconds % 60} s`;
	const h = Math.floor(m / 60);
	return `${h} h ${m % 60} min`;
}

/** Prompt + completion tokens, both in the unit the larger needs: "13.5 k + 0.9 k", never "13.5 k + 938". */
export function formatTokenPair(prompt: number, completion: number): string {
	const larger = Math.max(prompt, completion);
	const as = (n: number) => (larger >= 1e6 ? `${formatNumber(n / 1e6, 2)} M` : larger >= 1e4 ? `${formatNumber(n / 1e3, 1)} k` : formatNumber(n));
	return `${as(prompt)} + ${as(completion)}`;
}
