import { describe, expect, it } from 'vitest';
import { completeUtf8Length, hexBytes, invalidUtf8Offset } from './utf8';

const enc = new TextEncoder();
const fatal = new TextDecoder('utf-8', { fatal: true });

describe('completeUtf8Length', () => {
	it('cuts before a multi-byte sequence that is not complete yet', () => {
		const euro = enc.encode('a€'); // 61 E2 82 AC
		expect(completeUtf8Length(euro)).toBe(4);
		expect(completeUtf8Length(euro.subarray(0, 3))).toBe(1);
		expect(completeUtf8Length(euro.subarray(0, 2))).toBe(1);
		const emoji = enc.encode('😀'); // 4 bytes
		for (let k = 1; k < 4; k++) expect(completeUtf8Length(emoji.subarray(0, k))).toBe(0);
		expect(completeUtf8Length(emoji)).toBe(4);
	});
	it('leaves invalid bytes in the prefix for the decoder to reject', () => {
		expect(completeUtf8Length(Uint8Array.of(0x61, 0xff))).toBe(2);
		expect(completeUtf8Length(Uint8Array.of(0x80, 0x80, 0x80, 0x80))).toBe(4);
	});
});

describe('invalidUtf8Offset', () => {
	it('finds the first bad byte', () => {
		expect(invalidUtf8Offset(enc.encode('héllo 😀'))).toBe(-1);
		expect(invalidUtf8Offset(Uint8Array.of(0x61, 0x62, 0xff, 0x63))).toBe(2);
		expect(invalidUtf8Offset(Uint8Array.of(0xc0, 0xaf))).toBe(0); // overlong "/"
		expect(invalidUtf8Offset(Uint8Array.of(0x61, 0xed, 0xa0, 0x80))).toBe(1); // surrogate
		expect(invalidUtf8Offset(Uint8Array.of(0xf4, 0x90, 0x80, 0x80))).toBe(0); // above U+10FFFF
		expect(invalidUtf8Offset(Uint8Array.of(0x61, 0xe2, 0x82))).toBe(1); // cut short
	});
	it('agrees with the fatal TextDecoder on random byte strings', () => {
		let seed = 12345;
		const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
		const pool = [0x41, 0x7f, 0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff, 0xc0];
		for (let t = 0; t < 5000; t++) {
			const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pool[Math.floor(rand() * pool.length)]);
			let valid = true;
			try {
				fatal.decode(bytes);
			} catch {
				valid = false;
			}
			expect(invalidUtf8Offset(bytes) === -1, `bytes ${hexBytes(bytes, 0, 8)}`).toBe(valid);
		}
	});
});
