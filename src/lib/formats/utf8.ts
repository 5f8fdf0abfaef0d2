/** Byte-level UTF-8 helpers for decoding a file chunk by chunk with a fatal decoder. */

/**
 * Length of the longest prefix of `bytes` that does not end inside a multi-byte sequence, so
 * the rest (at most 3 bytes) can be carried to the next chunk. Invalid bytes are left in the
 * prefix for the decoder to reject.
 */
export function completeUtf8Length(bytes: Uint8Array): number {
	const n = bytes.length;
	let i = n - 1;
	// Walk back over at most 3 continuation bytes (10xxxxxx) to the sequence's lead byte.
	while (i >= 0 && n - i <= 3 && (bytes[i] & 0xc0) === 0x80) i--;
	if (i < 0) return n;
	const lead = bytes[i];
	const need = lead >= 0xf8 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	return n - i < need ? i : n;
}

/**
 * Offset of the first byte that makes `bytes` invalid UTF-8 (the WHATWG rules: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or -1 when it is all valid. An incomplete
 * sequence at the very end counts as invalid at its lead byte. Only used to place an error,
 * so clarity beats speed here.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
	let i = 0;
	const n = bytes.length;
	while (i < n) {
		const b = bytes[i];
		if (b < 0x80) {
			i++;
			continue;
		}
		let need: number;
		let lower = 0x80;
		let upper = 0xbf;
		if (b >= 0xc2 && b <= 0xdf) need = 1;
		else if (b >= 0xe0 && b <= 0xef) {
			need = 2;
			if (b === 0xe0) lower = 0xa0; // overlong
			if (b === 0xed) upper = 0x9f; // surrogates
		} else if (b >= 0xf0 && b <= 0xf4) {
			need = 3;
			if (b === 0xf0) lower = 0x90; // overlong
			if (b === 0xf4) upper = 0x8f; // above U+10FFFF
		} else return i;
		for (let k = 1; k <= need; k++) {
			const c = bytes[i + k];
			if (c === undefined) return i;
			const lo = k === 1 ? lower : 0x80;
			const hi = k === 1 ? upper : 0xbf;
			if (c < lo || c > hi) return i;
		}
		i += need + 1;
	}
	return -1;
}

/** `0xFF 0xFE`-style rendering of a few bytes for error messages. */
export function hexBytes(bytes: Uint8Array, from: number, count: number): string {
	return Array.from(bytes.subarray(from, Math.min(bytes.length, from + count)), (b) =>
		'0x' + b.toString(16).toUpperCase().padStart(2, '0')
	).join(' ');
}
