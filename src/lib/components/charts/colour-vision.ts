/**
 * Enough colour science to check a palette: WCAG relative luminance and contrast ratio, and
 * simulated dichromacy (Machado, Oliveira & Fernandes 2009, severity 1, applied to linear RGB),
 * so a test can show that colours stay apart for red–green and blue–yellow colour-blind readers.
 */

export type Vision = 'normal' | 'deuteranopia' | 'protanopia' | 'tritanopia';

const MACHADO: Record<Exclude<Vision, 'normal'>, number[][]> = {
	deuteranopia: [
		[0.367322, 0.860646, -0.227968],
		[0.280085, 0.672501, 0.047413],
		[-0.01182, 0.04294, 0.968881]
	],
	protanopia: [
		[0.152286, 1.052583, -0.204868],
		[0.114503, 0.786281, 0.099216],
		[-0.003882, -0.048116, 1.051998]
	],
	tritanopia: [
		[1.255528, -0.076749, -0.178779],
		[-0.078411, 0.930809, 0.147602],
		[0.004733, 0.691367, 0.3039]
	]
};

function linear(channel: number): number {
	const c = channel / 255;
	return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function parseHex(hex: string): [number, number, number] {
	const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
	if (!m) throw new Error(`Not a #rrggbb colour: ${hex}`);
	return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** WCAG 2 relative luminance of a #rrggbb colour, as seen with the given colour vision. */
export function luminance(hex: string, vision: Vision = 'normal'): number {
	let rgb = parseHex(hex).map(linear);
	if (vision !== 'normal') {
		const m = MACHADO[vision];
		rgb = m.map((row) => Math.min(1, Math.max(0, row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2])));
	}
	return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
}

/** WCAG contrast ratio of two luminances (≥ 1). */
export function contrastRatio(a: number, b: number): number {
	const [hi, lo] = a > b ? [a, b] : [b, a];
	return (hi + 0.05) / (lo + 0.05);
}
