import { checkShape, type Align, type PaperTable } from './table';

// LaTeX's ten special characters, each with the text-mode command that prints it..
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
	'~': '\\textasciitilde{}'
};

/** Plain text for LaTeX: special characters escaped, line breaks as spaces. */
export function escapeLatex(text: string): string {
	return text
		.replace(/[\\{}%&#_$^~]/g, (c) => LATEX_SPECIAL[c])
		.replace(/[\r\n]+/g, ' ')
		// Typographic signs that pdfLaTeX's default encodings lack, as math or ASCII.
		.replace(/−/g, '$-$')
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

const ALIGN: Record<Align, string> = { left: 'l', right: 'r', center: 'c' };

/**
 * A booktabs table (\toprule, \midrule, \bottomrule) in a floating `table` environment with
 * its caption above and notes below. Needs `\usepackage{booktabs}` in the preamble.
 */
export function toLatex(table: PaperTable): string {
	checkShape(table);
	// A row opening with "[" right after the previous row's \\ would be read as its optional
	// spacing argument; an empty group in front stops that.
	const row = (cells: string[]) => `  ${cells.map(escapeLatex).join(' & ').replace(/^\[/, '{}[')} \\\\`;
	const rules = new Set(table.ruleBefore ?? []);
	const lines = [
		'\\begin{table}[t]',
		'\\centering',
		`\\caption{${escapeLatex(table.caption)}}`,
		...(table.label ? [`\\label{${table.label}}`] : []),
		`\\begin{tabular}{${table.columns.map((c) => ALIGN[c.align]).join('')}}`,
		'\\toprule',
		row(table.columns.map((c) => c.heading)),
		'\\midrule',
		...table.rows.flatMap((cells, i) => (rules.has(i) && i > 0 ? ['\\midrule', row(cells)] : [row(cells)])),
		'\\bottomrule',
		'\\end{tabular}'
	];
	for (const note of table.notes ?? []) lines.push(`\\par\\smallskip{\\footnotesize ${escapeLatex(note)}}`);
	lines.push('\\end{table}');
	return lines.join('\n') + '\n';
}
