import { describe, expect, it } from 'vitest';
import { aboutByteSize } from './file-size';

describe('aboutByteSize', () => {
	it.each([
		[0, 'about 0 bytes'],
		[900, 'about 900 bytes'],
		[1023, 'about 1 KB'],
		[1024, 'about 1 KB'],
		[1300, 'about 1.3 KB'],
		[358_400, 'about 350 KB'],
		[1_022_976, 'about 1 MB'],
		[1_258_291, 'about 1.2 MB'],
		[47_500_000, 'about 45 MB'],
		[5 * 1024 ** 3, 'about 5 GB']
	])('%i bytes → %s', (bytes, text) => {
		expect(aboutByteSize(bytes)).toBe(text);
	});
});
