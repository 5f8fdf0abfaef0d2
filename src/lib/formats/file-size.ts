/**
 * A file size that is an estimate, as the export page shows it: "about" and two significant
 * figures (about 350 KB, about 1.2 MB). The estimate comes from a sample of rows; more digits would
 * claim a precision it does not have. KB and MB are of 1,024, as the page's exact sizes are.
 */
const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'] as const;

export function aboutByteSize(bytes: number): string {
	let value = Math.max(0, bytes);
	let unit = 0;
	while (value >= 1024 && unit < UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	// Two significant figures; 1,000 KB and up reads as a size of the next unit.
	let rounded = Number(value.toPrecision(2));
	if (rounded >= 1000 && unit < UNITS.length - 1) {
		rounded = 1;
		unit++;
	}
	if (unit === 0) rounded = Math.round(value);
	return `about ${rounded.toLocaleString('en-US')} ${UNITS[unit]}`;
}
