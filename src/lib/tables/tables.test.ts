import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { escapeLatex, parseMarkdownTable, toLatex, toMarkdown, type PaperTable } from './index';
import MarkdownIt from 'markdown-it';
import { DOMParser } from 'linkedom';

const table: PaperTable = {
	caption: 'Data quality of 200 sampled instances (95% Wilson intervals)',
	label: 'tab:quality',
	columns: [
		{ heading: 'Quality review question', align: 'left' },
		{ heading: 'Yes', align: 'right' },
		{ heading: '95% CI', align: 'left' },
		{ heading: 'Self-Instruct', align: 'right' }
	],
	rows: [
		['Instruction describes a valid task', '92.0% (184/200)', '[87.4%, 95.0%]', '92%'],
		['Output is correct & acceptable', '58.5% (117/200)', '[51.6%, 65.1%]', '58%'],
		['All fields valid', '54.0% (108/200)', '[47.1%, 60.8%]', '54%'],
		['[bracketed] first cell', '1', '[0%, 1%]', '—']
	],
	ruleBefore: [2],
	notes: ['n = 200 items; snake_case #1 costs $5 ~ 50% {a} \\ b^2 — κ = 0.41 − 0.02.']
};

describe('escapeLatex', () => {
	it('escapes every LaTeX special character', () => {
		expect(escapeLatex('100% & more_x #1 $2 {a} ~ ^ \\')).toBe(
			'100\\% \\& more\\_x \\#1 \\$2 \\{a\\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}'
		);
	});
	it('prints a bar as a bar and quotes as opening and closing quotes, not as an em dash and two closing quotes', () => {
		expect(escapeLatex('mistral|7b <b>x</b>')).toBe('mistral\\textbar{}7b $<$b$>$x$<$/b$>$');
		expect(escapeLatex('Statistics of the dataset "alpaca_5000" ("a" "b")')).toBe("Statistics of the dataset ``alpaca\\_5000'' (``a'' ``b'')");
	});
	it('writes typographic signs pdfLaTeX can print and joins lines', () => {
		expect(escapeLatex('κ = −0.2 – α ≤ 1\nnext')).toBe('$\\kappa$ = $-$0.2 -- $\\alpha$ $\\leq$ 1 next');
		// Negative figures as the reports format them (κ = -0.127 [-0.175, 0.622]) get a math minus; hyphens in words stay.
		expect(escapeLatex('-0.127 [-0.175, 0.622]; gpt-4o e-5 2023-01', { quotes: 'straight' })).toBe('$-$0.127 [$-$0.175, 0.622]; gpt-4o e-5 2023-01');
		// Without T1 fonts < and > would print as ¡ and ¿.
		expect(escapeLatex('p < 0.001, n > 5')).toBe('p $<$ 0.001, n $>$ 5');
	});
});

describe('toLatex', () => {
	it('lets a long model name wrap after / - _ . and sizes its column by the longest piece; keeps quotes in cells as written', () => {
		const wideTable: PaperTable = {
			caption: 'Ratings of "each" model',
			columns: [
				{ heading: 'Model', align: 'left' },
				...['A', 'B', 'C', 'D', 'n', 'A or B', 'Interval'].map((heading) => ({ heading, align: 'right' as const }))
			],
			rows: [
				['meta-llama/Meta-Llama-3.1-70B-Instruct', '10 (50.0%)', '5 (25.0%)', '3 (15.0%)', '2 (10.0%)', '20', '75.0%', '[53.1%, 88.8%]'],
				['my"test"_model', '10 (50.0%)', '5 (25.0%)', '3 (15.0%)', '2 (10.0%)', '20', '75.0%', '[53.1%, 88.8%]']
			]
		};
		const latex = toLatex(wideTable);
		expect(latex).toContain('  meta-\\allowbreak{}llama/\\allowbreak{}Meta-\\allowbreak{}Llama-\\allowbreak{}3.\\allowbreak{}1-\\allowbreak{}70B-\\allowbreak{}Instruct & ');
		// The column is as wide as its readable minimum (16 characters, 8em), not as the 38-character name.
		expect(latex).toContain('{>{\\raggedright\\arraybackslash}p{8em}');
		expect(latex).toContain('  my\\textquotedbl{}test\\textquotedbl{}\\_\\allowbreak{}model & ');
		// The caption's own quoting stays typographic.
		expect(latex).toContain("\\caption{Ratings of ``each'' model}");
	});

	it('writes a booktabs table (golden)', () => {
		// Too wide for an article's text width: the question column wraps, "n (detail)" cells take two
		// lines, and TeX scales the table down only if it is still wider than \linewidth.
		expect(toLatex(table)).toBe(String.raw`% Needs \usepackage{booktabs,graphicx,array} in the preamble.
\begin{table}[t]
\centering
\caption{Data quality of 200 sampled instances (95\% Wilson intervals)}
\label{tab:quality}
\setbox0=\hbox{%
\begin{tabular}{>{\raggedright\arraybackslash}p{12em}rlr}
\toprule
  Quality review question & Yes & 95\% CI & Self-Instruct \\
\midrule
  Instruction describes a valid task & \begin{tabular}[t]{@{}r@{}}92.0\%\\{}(184/200)\end{tabular} & [87.4\%, 95.0\%] & 92\% \\
  Output is correct \& acceptable & \begin{tabular}[t]{@{}r@{}}58.5\%\\{}(117/200)\end{tabular} & [51.6\%, 65.1\%] & 58\% \\
\midrule
  All fields valid & \begin{tabular}[t]{@{}r@{}}54.0\%\\{}(108/200)\end{tabular} & [47.1\%, 60.8\%] & 54\% \\
  {}[bracketed] first cell & 1 & [0\%, 1\%] & --- \\
\bottomrule
\end{tabular}}%
\ifdim\wd0>\linewidth\resizebox{\linewidth}{!}{\box0}\else\leavevmode\box0\fi
\par\smallskip{\footnotesize n = 200 items; snake\_case \#1 costs \$5 \textasciitilde{} 50\% \{a\} \textbackslash{} b\textasciicircum{}2 --- $\kappa$ = 0.41 $-$ 0.02.}
\end{table}
`);
	});
	it('keeps a cell that opens with a bracket from being read as the row break\'s argument', () => {
		const latex = toLatex({ caption: 'c', columns: [{ heading: 'CI', align: 'left' }], rows: [['[1%, 2%]'], ['[3%, 4%]']] });
		expect(latex).toContain('  {}[3\\%, 4\\%] \\\\');
	});
	it('keeps a narrow table a plain tabular, and names the packages a table needs', () => {
		const narrow = toLatex({ caption: 'c', columns: [{ heading: 'Statistic', align: 'left' }, { heading: 'Value', align: 'right' }], rows: [['# of instructions', '5,000']] });
		expect(narrow.startsWith('% Needs \\usepackage{booktabs} in the preamble.\n\\begin{table}[t]')).toBe(true);
		expect(narrow).toContain('\\begin{tabular}{lr}');
		expect(narrow).not.toContain('resizebox');
	});
	it('refuses a row with the wrong number of cells, naming it', () => {
		expect(() => toLatex({ ...table, rows: [['a', 'b']] })).toThrow(/row 1 has 2 cells for 4 columns/);
	});

	// CI installs Debian's texlive-latex-base and texlive-latex-recommended; where pdflatex is
	// missing (a developer's machine) the golden test above still holds the output fixed.
	const pdflatex = spawnSync('pdflatex', ['--version']).status === 0;
	it.skipIf(!pdflatex)('compiles with pdflatex and booktabs', () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-latex-'));
		try {
			const doc = `\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{booktabs,graphicx,array}\n\\begin{document}\n${toLatex(table)}\\end{document}\n`;
			fs.writeFileSync(path.join(dir, 'table.tex'), doc);
			const run = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'table.tex'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
			expect(run.stdout, run.stdout.slice(-2000)).not.toMatch(/^! /m);
			expect(run.status).toBe(0);
			expect(fs.statSync(path.join(dir, 'table.pdf')).size).toBeGreaterThan(1000);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe('toMarkdown', () => {
	it('writes a pipe table that parses back to the same cells', () => {
		const md = toMarkdown({ ...table, rows: [...table.rows, ['a | b \\ c', '1', '[0%, 5%]', '—']] });
		expect(md.startsWith('**Data quality of 200 sampled instances (95% Wilson intervals)**\n\n| Quality review question | Yes |')).toBe(true);
		expect(md).toContain('| :--- | ---: | :--- | ---: |');
		const parsed = parseMarkdownTable(md);
		expect(parsed.headings).toEqual(table.columns.map((c) => c.heading));
		expect(parsed.rows).toEqual([...table.rows, ['a | b \\ c', '1', '[0%, 5%]', '—']]);
	});
	it('escapes HTML in cells, caption and notes, so a viewer that renders raw HTML shows the text', () => {
		const hostile = { ...table, caption: 'Audit "A <script>alert(7)</script>"', rows: [...table.rows, ['<svg onload=alert(40)>"&m1', '1', 'm2</text>', '—']], notes: ['Model <b>x</b> & y'] };
		const md = toMarkdown(hostile);
		expect(md).not.toMatch(/(^|[^\\])</m);
		expect(md).toContain('**Audit "A \\<script\\>alert(7)\\</script\\>"**');
		expect(md.trimEnd().split('\n').at(-1)).toBe('Model \\<b\\>x\\</b\\> \\& y');
		expect(parseMarkdownTable(md).rows.at(-1)).toEqual(['<svg onload=alert(40)>"&m1', '1', 'm2</text>', '—']);
	});
	it('puts the notes under the table, reading as the same characters', () => {
		const notes = toMarkdown(table).trimEnd().split('\n').at(-1)!;
		// CommonMark's backslash escapes undone: the note as written.
		expect(notes.replace(/\\(.)/g, '$1')).toBe(table.notes![0]);
	});
	it('escapes emphasis, code, links and strikethrough in cells, caption and notes, which then render as the text (report 8\'s model "m|pipe *x* `t`" rendered italic and code)', () => {
		const name = 'm|pipe *x* `t` _u_ [l](http://x.io) [r][] ~~s~~ <b>h</b> & \\* m_A&50%#';
		const md = toMarkdown({ ...table, caption: `Ratings of ${name}`, rows: [...table.rows, [name, '1', '[0%, 5%]', '—']], notes: [`Model ${name}.`] });
		const html = new MarkdownIt({ html: true }).render(md);
		const doc = new DOMParser().parseFromString(`<html><body>${html}</body></html>`, 'text/html');
		expect(doc.querySelectorAll('em, code, a, s, del, b').length).toBe(0);
		expect(doc.querySelectorAll('strong').length).toBe(1);
		expect(doc.querySelector('strong')!.textContent).toBe(`Ratings of ${name}`);
		expect([...doc.querySelectorAll('tbody tr')].at(-1)!.querySelector('td')!.textContent).toBe(name);
		expect(doc.querySelectorAll('p').item(doc.querySelectorAll('p').length - 1).textContent).toBe(`Model ${name}.`);
		expect(parseMarkdownTable(md).rows.at(-1)![0]).toBe(name);
		// An interval's brackets are left as written.
		expect(md).toContain('| [0%, 5%] |');
	});
});
