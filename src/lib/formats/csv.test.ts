import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CSV_QUOTED_CHARACTERS, CSV_ROW_END, FORMULA_START_CHARACTERS, csvRows, isSignedNumberText, neutraliseFormula } from './csv';

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
		const prefixed = CODE_UNITS.filter((c) => neutraliseFormula(`${c}A1`) === `'${c}A1`);
		expect(prefixed.join('')).toBe([...FORMULA_START_CHARACTERS].sort().join(''));
		expect(CODE_UNITS.every((c) => neutraliseFormula(`1${c}`) === `1${c}`)).toBe(true);
		expect(neutraliseFormula('')).toBe('');
	});
});

describe('text that is exactly a number', () => {
	// [stored text, the cell as a CSV reader gets it back]: a plain signed number is a number to a
	// spreadsheet, not a formula, and is written as stored; anything more keeps its apostrophe.
	const CASES: Array<[string, string]> = [
		['-5', '-5'],
		['-0.25', '-0.25'],
		['+3', '+3'],
		['-.5', '-.5'],
		['-5.', '-5.'],
		['-1e-3', '-1e-3'],
		['+2.5E+10', '+2.5E+10'],
		['-007', '-007'],
		['5', '5'],
		['-2+3', "'-2+3"],
		['=1', "'=1"],
		['@SUM(A1)', "'@SUM(A1)"],
		["-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"],
		['-1e5 ', "'-1e5 "],
		[' -5', ' -5'],
		['-', "'-"],
		['+', "'+"],
		['-.', "'-."],
		['-e5', "'-e5"],
		['-1e', "'-1e"],
		['-0x10', "'-0x10"],
		['-Infinity', "'-Infinity"],
		['-1,5', "'-1,5"],
		['--5', "'--5"],
		['- 5', "'- 5"],
		['-5\n', "'-5\n"],
		['\t-5', "'\t-5"],
		['- Take out the garbage', "'- Take out the garbage"]
	];

	it.each(CASES)('%j is read back from the CSV as %j', (stored, read) => {
		const [[cell]] = parseCsv(csvRows([[stored]])) as string[][];
		expect(cell).toBe(read);
		expect(isSignedNumberText(stored)).toBe(stored === read && /^[+-]/.test(stored));
		// Kept as stored, every case reads back exactly.
		expect((parseCsv(csvRows([[stored]], { neutraliseFormulas: false })) as string[][])[0][0]).toBe(stored);
	});
});
