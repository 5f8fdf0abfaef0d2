import { checkShape, type Align, type PaperTable } from './table';

// LaTeX's ten special characters, each with the text-mode command that prints it, and the
// bar, which prints as an em dash in text mode under the default OT1 encoding.
const LATEX_SPECIAL: Record<string, string> = {
	'\\': '\\textbackslash{}',
	'{': '\\{',
	'}': '\\}',
	'%': '\\%',
	'&': '\\&',
	'#': '\\#',
	_: '\\_',
	$: '\\$',
	'^': '\\textasciicircum{}',
	'~': '\\textasciitilde{}',
	'|': '\\textbar{}'
};

/**
 * Plain text for LaTeX: special characters escaped, line breaks as spaces. `quotes: 'typographic'`
 * (captions, notes: their own quoting) sets "…" as ``…''; 'straight' (cells: names and values
 * as written, e.g. a model called my"test") keeps each " as it is (\textquotedbl).
 */
export function escapeLatex(text: string, { quotes = 'typographic' }: { quotes?: 'typographic' | 'straight' } = {}): string {
	const escaped = text.replace(/[\\{}%&#_$^~|]/g, (c) => LATEX_SPECIAL[c]).replace(/[\r\n]+/g, ' ');
	return (
		quotes === 'straight'
			? escaped.replace(/"/g, '\\textquotedbl{}')
			: // A straight " prints as a closing quote on both sides: open with `` where a quotation opens.
				escaped.replace(/(^|[\s([{])"/g, '$1``').replace(/"/g, "''")
	)
		// Typographic signs that pdfLaTeX's default encodings lack, as math or ASCII.
		.replace(/−/g, '$-$')
		// A negative number written with a hyphen ("-0.127", "[-0.175, …]") is a minus sign, not a hyphen.
		.replace(/(^|[\s([{,;])-(?=\d)/g, '$1$$-$$')
		.replace(/–/g, '--')
		.replace(/—/g, '---')
		.replace(/κ/g, '$\\kappa$')
		.replace(/α/g, '$\\alpha$')
		.replace(/≤/g, '$\\leq$')
		.replace(/≥/g, '$\\geq$')
		.replace(/±/g, '$\\pm$')
		.replace(/×/g, '$\\times$')
		// < and > print as ¡ and ¿ in text mode under the default OT1 encoding ("p < 0.001").
		.replace(/</g, '$<$')
		.replace(/>/g, '$>$');
}

/** A word longer than this in a wrapping (p{}) cell may break after / - _ . (a Hugging Face model name has no space). */
const BREAKABLE_WORD_CHARS = 12;

/** A word's pieces between which a line may break: after each run of / - _ . in a long word; the word itself otherwise. */
function wordPieces(word: string): string[] {
	return word.length > BREAKABLE_WORD_CHARS ? (word.match(/[^/\-_.]*[/\-_.]+|[^/\-_.]+/g) ?? [word]) : [word];
}

/** A wrapping cell's text: escaped as written, with a break allowed between the pieces of its long words. */
function breakableCell(text: string): string {
	return text
		.split(/(\s+)/)
		.map((part, i) => (i % 2 ? part : wordPieces(part).map((p) => escapeLatex(p, { quotes: 'straight' })).join('\\allowbreak{}')))
		.join('');
}

const ALIGN: Record<Align, string> = { left: 'l', right: 'r', center: 'c' };

/**
 * Rough widths in characters of 10pt Computer Modern: an article's 345pt text width holds about
 * 70, and each column adds 12pt of separation. A table estimated wider is set compactly (below);
 * the estimate only chooses the layout, the final shrink-to-fit is measured by TeX itself.
 */
const TEXT_WIDTH_CHARS = 70;
const COLUMN_SEP_CHARS = 2.5;
/** In a wide table, a left-aligned column with a cell longer than this wraps (a p{} column). */
const WRAP_CHARS = 28;
/** The narrowest a wrapping column is set, in characters (about two to the em). */
const MIN_WRAP_CHARS = 16;

function naturalWidth(table: PaperTable): { total: number; columns: number[] } {
	const columns = table.columns.map((c, i) => Math.max(c.heading.length, ...table.rows.map((r) => r[i].length)));
	return { total: columns.reduce((a, b) => a + b + COLUMN_SEP_CHARS, 0), columns };
}

/** "60.0%–80.0% [42.3%, 90.5%]" or "7.5 (37.5%)": the value and its bracketed detail, else null. */
function splitDetail(cell: string): [string, string] | null {
	const m = /^(\S.*?) ([[(][^[\]()]*[\])])$/.exec(cell);
	return m ? [m[1], m[2]] : null;
}

/** Two lines in one cell (a nested tabular: plain LaTeX, no makecell needed). */
function stacked(lines: [string, string], align: Align): string {
	// {} after \\ so a second line opening with "[" is not read as the break's optional argument.
	return `\\begin{tabular}[t]{@{}${ALIGN[align]}@{}}${escapeLatex(lines[0], { quotes: 'straight' })}\\\\{}${escapeLatex(lines[1], { quotes: 'straight' })}\\end{tabular}`;
}

/** The packages a table's LaTeX needs, for the comment that opens it. */
function packagesComment(wide: boolean, wraps: boolean): string {
	const packages = ['booktabs', ...(wide ? ['graphicx'] : []), ...(wraps ? ['array'] : [])];
	return `% Needs \\usepackage{${packages.join(',')}} in the preamble.`;
}

/**
 * A booktabs table (\toprule, \midrule, \bottomrule) in a floating `table` environment with
 * its caption above and notes below, opened by a comment naming the packages it needs.
 * A table too wide for a page is set compactly: long text columns wrap (p{} columns), values with a
 * bracketed interval or parenthesised detail take two lines, and whatever is still wider than
 * \linewidth is scaled down to it (graphicx; never scaled up).
 */
export function toLatex(table: PaperTable): string {
	checkShape(table);
	const width = naturalWidth(table);
	const wide = width.total > TEXT_WIDTH_CHARS;
	const wrapping = table.columns.map((c, i) => wide && c.align === 'left' && width.columns[i] > WRAP_CHARS);
	const wraps = wrapping.some(Boolean);
	const cell = (text: string, i: number) => {
		const parts = wide && !wrapping[i] ? splitDetail(text) : null;
		return parts ? stacked(parts, table.columns[i].align) : wrapping[i] ? breakableCell(text) : escapeLatex(text, { quotes: 'straight' });
	};
	// A row opening with "[" right after the previous row's \\ would be read as its optional
	// spacing argument; an empty group in front stops that.
	const row = (cells: string[]) => `  ${cells.map(cell).join(' & ').replace(/^\[/, '{}[')} \\\\`;
	const rules = new Set(table.ruleBefore ?? []);
	// What the columns that do not wrap leave for those that do, shared out; never narrower than
	// their longest piece that cannot break (it would stick out of the cell) nor than a readable
	// minimum. A table still too wide is scaled down as a whole below.
	const lineChars = (text: string, i: number) => {
		const parts = wide && !wrapping[i] ? splitDetail(text) : null;
		return parts ? Math.max(parts[0].length, parts[1].length) : text.length;
	};
	const fixed = table.columns.reduce((sum, c, i) => sum + COLUMN_SEP_CHARS + (wrapping[i] ? 0 : Math.max(lineChars(c.heading, i), ...table.rows.map((r) => lineChars(r[i], i)))), 0);
	const share = (TEXT_WIDTH_CHARS - fixed) / wrapping.filter(Boolean).length;
	const wrapWidth = (i: number) => {
		const cells = [table.columns[i].heading, ...table.rows.map((r) => r[i])];
		const longestPiece = Math.max(...cells.flatMap((c) => c.split(/\s+/).flatMap((w) => wordPieces(w).map((p) => p.length))));
		const chars = Math.max(longestPiece * 1.1, Math.min(width.columns[i], Math.max(MIN_WRAP_CHARS, share)));
		return `p{${Math.ceil(chars * 5) / 10}em}`; // about two characters to the em
	};
	const spec = table.columns.map((c, i) => (wrapping[i] ? `>{\\raggedright\\arraybackslash}${wrapWidth(i)}` : ALIGN[c.align])).join('');
	const body = [
		'\\toprule',
		row(table.columns.map((c) => c.heading)),
		'\\midrule',
		...table.rows.flatMap((cells, i) => (rules.has(i) && i > 0 ? ['\\midrule', row(cells)] : [row(cells)])),
		'\\bottomrule'
	];
	const lines = [
		packagesComment(wide, wraps),
		'\\begin{table}[t]',
		'\\centering',
		`\\caption{${escapeLatex(table.caption)}}`,
		...(table.label ? [`\\label{${table.label}}`] : [])
	];
	if (!wide) lines.push(`\\begin{tabular}{${spec}}`, ...body, '\\end{tabular}');
	else
		lines.push(
			// Set in a box first so TeX can measure it: shrunk to \linewidth only when wider.
			'\\setbox0=\\hbox{%',
			`\\begin{tabular}{${spec}}`,
			...body,
			'\\end{tabular}}%',
			'\\ifdim\\wd0>\\linewidth\\resizebox{\\linewidth}{!}{\\box0}\\else\\leavevmode\\box0\\fi'
		);
	for (const note of table.notes ?? []) lines.push(`\\par\\smallskip{\\footnotesize ${escapeLatex(note)}}`);
	lines.push('\\end{table}');
	return lines.join('\n') + '\n';
}
