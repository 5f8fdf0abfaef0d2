/** Helpers shared by the benchmark scripts: wall time and peak resident memory. */
export function peakRssMb(): number {
	// resourceUsage().maxRSS is in kilobytes and covers the whole life of the process.
	return process.resourceUsage().maxRSS / 1024;
}

export async function timed<T>(fn: () => T | Promise<T>): Promise<{ result: T; ms: number }> {
	const start = performance.now();
	const result = await fn();
	return { result, ms: performance.now() - start };
}

export function fmt(n: number, digits = 0): string {
	return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
