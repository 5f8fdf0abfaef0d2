import { describe, expect, it } from 'vitest';
import { CSV_QUOTED_CHARACTERS, CSV_ROW_END, FORMULA_START_CHARACTERS, csvRows, neutraliseFormula } from './csv';

/** Every UTF-16 code unit, lone surrogates included. */
const CODE_UNITS = Array.from({ length: 0x10000 }, (_, c) => String.fromCharCode(c));

describe('the characters the export SQL writes CSV by', () => {
	it('CSV_QUOTED_CHARACTERS are exactly those that make csv-stringify quote a field', () => {
		const cells = CODE_UNITS.map((c) => `a${c}b`);
		const written = csvRows(
			cells.map((cell) => [cell]),
			{ neutraliseFormulas: false }
		);
		const expected = cells
			.map((cell, c) => (CSV_QUOTED_CHARACTERS.includes(CODE_UNITS[c]) ? `"${cell.replaceAll('"', '""')}"` : cell) + CSV_ROW_END)
			.join('');
		expect(written === expected).toBe(true);
		// At the start and the end of a field too.
		for (const c of CODE_UNITS.slice(0, 128)) {
			const quoted = CSV_QUOTED_CHARACTERS.includes(c);
			for (const cell of [c, `${c}x`, `x${c}`]) {
				expect(csvRows([[cell]], { neutraliseFormulas: false })).toBe((quoted ? `"${cell.replaceAll('"', '""')}"` : cell) + CSV_ROW_END);
			}
		}
	});

	it('FORMULA_START_CHARACTERS are exactly the first characters that get a leading apostrophe', () => {
		const prefixed = CODE_UNITS.filter((c) => neutraliseFormula(`${c}1`) === `'${c}1`);
		expect(prefixed.join('')).toBe([...FORMULA_START_CHARACTERS].sort().join(''));
		expect(CODE_UNITS.every((c) => neutraliseFormula(`1${c}`) === `1${c}`)).toBe(true);
		expect(neutraliseFormula('')).toBe('');
	});
});
