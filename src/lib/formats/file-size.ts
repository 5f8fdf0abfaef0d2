/**
 * Sizes in bytes as the app writes them, in units of 1,024 (KiB, MiB), as limits, imports and
 * downloads are measured.
 */
const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** An exact size: "250 MiB", "1.5 KiB", "512 bytes" (one decimal at most). */
export function formatByteSize(bytes: number): string {
	const mib = bytes / (1024 * 1024);
	if (mib >= 1) return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
	const kib = bytes / 1024;
	if (kib >= 1) return `${Number.isInteger(kib) ? kib : kib.toFixed(1)} KiB`;
	return `${bytes} bytes`;
}

/**
 * A size that is an estimate, as the export page shows it: "about" and two significant figures
 * (about 350 KiB, about 1.2 MiB). The estimate comes from a sample of rows; more digits would
 * claim a precision it does not have.
 */
export function aboutByteSize(bytes: number): string {
	let value = Math.max(0, bytes);
	let unit = 0;
	while (value >= 1024 && unit < UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	// Two significant figures; 1,000 KiB and up reads as a size of the next unit.
	let rounded = Number(value.toPrecision(2));
	if (rounded >= 1000 && unit < UNITS.length - 1) {
		rounded = 1;
		unit++;
	}
	if (unit === 0) rounded = Math.round(value);
	return `about ${rounded.toLocaleString('en-US')} ${UNITS[unit]}`;
}
