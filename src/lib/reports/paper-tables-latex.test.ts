import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toLatex } from '$lib/tables';
import { syntheticQualityInput, syntheticRatingInput } from './fixtures/synthetic-audit';
import { reportPaperTables } from './paper-tables';
import { buildAuditReport } from './report';

// The testers' model names: long, with commas, bars, markup and every LaTeX special character.
const MODELS = ['gpt-3.5-turbo-instruct_0914 (temperature=0.7, top_p=1.0) & 50% #sampled', 'mistral|7b*instruct_v0.2 <b>x</b> $\\alpha$ ~ ^', 'llama_2_13b_chat'];
const quality = buildAuditReport(syntheticQualityInput(200), { replicates: 20, estimator: 'majority' });
const rating = buildAuditReport(syntheticRatingInput(60, 2, { models: MODELS }), { replicates: 20 });
const stats = { instructions: 5000, classification: 0, nonClassification: 0, unknownClassification: 5000, instances: 5000, emptyInputInstances: 3057, avgInstructionWords: 10.1, avgNonEmptyInputWords: 9.7, avgOutputWords: 45.2 };
const tables = [...reportPaperTables(quality, stats), ...reportPaperTables(rating)];

describe('report tables as LaTeX', () => {
	it('open with the packages they need, and set a wide table to fit the text width', () => {
		for (const t of tables) expect(toLatex(t.table)).toMatch(/^% Needs \\usepackage\{booktabs[a-z,]*\} in the preamble\.\n\\begin\{table\}/);
		const ratings = toLatex(tables.find((t) => t.id === 'ratings')!.table);
		// The model column wraps; "72.5% [57.2%, 83.9%]"-like cells and "7.5 (37.5%)" take two lines; the rest is shrunk only if still too wide.
		expect(ratings).toMatch(/\\begin\{tabular\}\{>\{\\raggedright\\arraybackslash\}p\{[\d.]+em\}r/);
		expect(ratings).toMatch(/\\begin\{tabular\}\[t\]\{@\{\}r@\{\}\}[\d.]+\\\\\{\}\([\d.]+\\%\)\\end\{tabular\}/);
		expect(ratings).toContain('\\ifdim\\wd0>\\linewidth\\resizebox{\\linewidth}{!}{\\box0}');
		const split = toLatex(tables.find((t) => t.id === 'split')!.table);
		expect(split).toMatch(/\\begin\{tabular\}\[t\]\{@\{\}r@\{\}\}[\d.]+\\%(--[\d.]+\\%)?\\\\\{\}\[[\d.]+\\%, [\d.]+\\%\]\\end\{tabular\}/);
		// A narrow table stays a plain tabular.
		expect(toLatex(tables.find((t) => t.id === 'dataset')!.table)).toContain('\\begin{tabular}{lr}');
		// Escaped as written; a long name may break after its _ and . (a wrapping cell).
		expect(ratings).toContain('mistral\\textbar{}7b*instruct\\_\\allowbreak{}v0.\\allowbreak{}2 $<$b$>$x$<$/b$>$ \\$\\textbackslash{}alpha\\$ \\textasciitilde{} \\textasciicircum{}');
	});

	// Where pdflatex is missing the assertions above still hold the layout fixed.
	const pdflatex = spawnSync('pdflatex', ['--version']).status === 0;
	it.skipIf(!pdflatex)('fit an article page: no overfull box, nothing pdfLaTeX cannot print', () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-fit-latex-'));
		try {
			// A plain article (345pt text width), default OT1 fonts, only the packages the comments name.
			const body = tables.map((t) => toLatex(t.table)).join('\n\\clearpage\n');
			const doc = `\\documentclass{article}\n\\usepackage{booktabs,graphicx,array}\n\\begin{document}\n${body}\\end{document}\n`;
			fs.writeFileSync(path.join(dir, 'fit.tex'), doc);
			const run = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'fit.tex'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
			expect(run.stdout, run.stdout.slice(-3000)).not.toMatch(/^! /m);
			expect(run.status).toBe(0);
			const log = fs.readFileSync(path.join(dir, 'fit.log'), 'utf8');
			expect(log).not.toMatch(/Overfull \\hbox/);
			expect(log).not.toMatch(/Missing character/);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	}, 120_000);
});
