/**
 * Records that stress every export format: Unicode beyond the BMP, combining marks and RTL text,
 * line breaks (LF, CRLF, lone CR), quotes, commas, tabs, backslashes, JSON and CSV
 * metacharacters, replacement patterns, empty and blank inputs. Shared by the serialiser tests
 * and the export integration tests.
 */
import type { ExportRecord } from './serialize';

export const TRICKY_RECORDS: ExportRecord[] = [
	{ instruction: 'Translate to French.', input: 'good morning', output: 'bonjour' },
	{ instruction: 'Name a colour.', input: '', output: 'blue' },
	{
		instruction: 'Quote this, please: "to be, or not to be"',
		input: 'Hamlet, Act 3 — "that is the question"',
		output: 'He said, "to be, or not to be", then paused.\nSecond line, with a comma.'
	},
	{ instruction: 'Write a haiku about the sea 🌊.', input: '', output: 'Grey waves fold and break\r\nfoam writes on the sand\r\ngone 海\n' },
	{ instruction: 'Résumé: explain ünïcödé and e\u0301 (combining).', input: 'שלום עולם — مرحبا', output: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u2028 separators \u2029 too' },
	{ instruction: 'Escape the path.', input: 'C:\\temp\\new\tfile.txt', output: '"C:\\\\temp\\\\new\\tfile.txt"' },
	{ instruction: 'Fill the pattern.', input: 'price: $& and $1 and $$', output: ' leading and trailing spaces kept ' },
	{ instruction: 'CSV cell with a lone CR.', input: 'a\rb', output: '=SUM(A1:A2), @cmd, +1, -1' },
	{ instruction: 'Format JSON.', input: '{"a": [1, 2], "b": "x,y"}', output: '{\n  "a": [1, 2],\n  "b": "x,y"\n}' }
];
