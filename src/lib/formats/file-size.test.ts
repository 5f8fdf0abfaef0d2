import { describe, expect, it } from 'vitest';
import { aboutByteSize } from './file-size';

describe('aboutByteSize', () => {
	it.each([
		[0, 'about 0 bytes'],
		[900, 'about 900 bytes'],
		[1023, 'about 1 KiB'],
		[1024, 'about 1 KiB'],
		[1300, 'about 1.3 KiB'],
		[358_400, 'about 350 KiB'],
		[1_022_976, 'about 1 MiB'],
		[1_258_291, 'about 1.2 MiB'],
		[47_500_000, 'about 45 MiB'],
		[5 * 1024 ** 3, 'about 5 GiB']
	])('%i bytes → %s', (bytes, text) => {
		expect(aboutByteSize(bytes)).toBe(text);
	});
});
