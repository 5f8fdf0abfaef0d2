import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseMarkdownTable, toLatex, toMarkdown } from '$lib/tables';
import { syntheticQualityInput, syntheticRatingInput } from './fixtures/synthetic-audit';
import { datasetTable, reportPaperTables } from './paper-tables';
import { buildAuditReport } from './report';

// Reviewers in pairs round a triangle do not identify the latent model, so its headline is asked for (it carries a caveat).
const quality = buildAuditReport(syntheticQualityInput(200), { replicates: 50, estimator: 'latent' });
const rating = buildAuditReport(syntheticRatingInput(60), { replicates: 50 });
const stats = {
	instructions: 52_445,
	classification: 11_584,
	nonClassification: 40_861,
	unknownClassification: 0,
	instances: 82_439,
	emptyInputInstances: 35_878,
	avgInstructionWords: 15.9,
	avgNonEmptyInputWords: 12.7,
	avgOutputWords: 18.9
};
const qualityTables = reportPaperTables(quality, stats);
const ratingTables = reportPaperTables(rating);

/** Numbers as they appear in a cell: "57.5%", "1,234", "0.412". */
const numbersIn = (text: string) => text.match(/\d[\d,]*(\.\d+)?/g) ?? [];

describe('reportPaperTables', () => {
	it('gives every table of each kind of report', () => {
		expect(qualityTables.map((t) => t.id)).toEqual(['dataset', 'quality', 'breakdown', 'split', 'agreement']);
		expect(ratingTables.map((t) => t.id)).toEqual(['agreement', 'ratings', 'comparisons']);
	});

	it('gives a pairwise audit its win / tie / loss, Bradley–Terry and position tables, and a conversation audit its rates, through the same builders', async () => {
		const { conversationReport, pairwiseReport } = await import('./shapes');
		const labels = Array.from({ length: 12 }, (_, itemId) =>
			[1, 2].map((reviewerId) => ({ itemId, reviewerId, modelA: 'mX', modelB: 'mY', preference: itemId % 3 ? ('a' as const) : ('tie' as const), screenChoice: reviewerId === 1 ? ('A' as const) : undefined }))
		).flat();
		const pairwise = { ...rating, audit: { ...rating.audit, kind: 'pairwise' as const }, rating: null, pairwise: pairwiseReport(labels) };
		const pairTables = reportPaperTables(pairwise);
		expect(pairTables.map((t) => t.id)).toEqual(['pairwise', 'bradley-terry', 'position']);
		const wtl = pairTables[0].table;
		expect(wtl.rows).toEqual([['mX', 'mY', '16', '8', '0', expect.stringMatching(/^66\.7% \[\d+\.\d%, \d+\.\d%\]$/), expect.stringMatching(/^100\.0% \[/)]]);
		expect(wtl.notes![0]).toContain('clustered by item');
		expect(parseMarkdownTable(toMarkdown(wtl)).rows[0][0]).toBe('mX');
		expect(toLatex(pairTables[1].table)).toContain('mY');
		expect(pairTables[2].table.rows[0]).toEqual([expect.stringMatching(/ \*$/), '12 of 12', '100.0%', expect.any(String)]);
		// Not blind: the order was fixed, so there is no position table (it would measure model preference).
		expect(reportPaperTables({ ...pairwise, pairwise: pairwiseReport(labels, 0.95, 'fixed') }).map((t) => t.id)).toEqual(['pairwise', 'bradley-terry']);

		const conv = conversationReport(Array.from({ length: 4 }, (_, itemId) => [1, 2].map((reviewerId) => ({ itemId, reviewerId, turns: [{ valid: true, rating: 'A' as const }, { valid: reviewerId === 1, rating: reviewerId === 1 ? ('B' as const) : ('C' as const) }] }))).flat());
		const conversation = { ...rating, audit: { ...rating.audit, kind: 'conversation' as const }, rating: null, conversation: conv };
		const convTables = reportPaperTables(conversation);
		expect(convTables.map((t) => t.id)).toEqual(['conversations']);
		expect(convTables[0].table.rows.map((r) => [r[0], r[1], r[2], r[4]])).toEqual([
			['Whole conversations', '4', '0.0%–100.0%', '4'],
			['Reply 1', '4', '100.0%', '0'],
			['Reply 2', '4', '0.0%–100.0%', '4']
		]);
		expect(convTables[0].table.notes![0]).toContain('on each reply: 50.0% (n = 8;');
	});

	it('names what n counts under the headline estimator: with the label level, a share of labels, not items with a final label', () => {
		const labelLevel = buildAuditReport(syntheticQualityInput(200), { replicates: 50, estimator: 'label' });
		const t2 = reportPaperTables(labelLevel).find((t) => t.id === 'quality')!.table;
		expect(t2.notes![0]).toMatch(/^n: items labelled at least once; the rate is the share of yes among all their labels/);
		expect(t2.notes![0]).not.toContain('items with a final label');
		const r = labelLevel.quality!.groups[0].rates[0];
		expect(t2.rows[0][3]).toBe(`${r.headline.n.toLocaleString('en-US')} (${r.label.labels.toLocaleString('en-US')} labels)`);
		const majority = reportPaperTables(buildAuditReport(syntheticQualityInput(200), { replicates: 50, estimator: 'majority' })).find((t) => t.id === 'quality')!.table;
		expect(majority.notes![0]).toMatch(/^n: items with a final label or tied reviewers/);
	});

	it('writes Table 2 with the headline rate, its interval, n and the paper column', () => {
		const t2 = qualityTables.find((t) => t.id === 'quality')!.table;
		const all = quality.quality!.groups[0];
		expect(t2.columns.map((c) => c.heading)).toEqual(['Quality review question', 'Yes', '95% CI', 'n', 'Self-Instruct']);
		all.rates.forEach((r, i) => {
			const h = r.headline;
			const yes = h.proportion !== null ? `${(h.proportion * 100).toFixed(1)}%` : `${(h.low! * 100).toFixed(1)}%–${(h.high! * 100).toFixed(1)}%`;
			expect(t2.rows[i]).toEqual([
				t2.rows[i][0],
				yes,
				`[${(h.lower * 100).toFixed(1)}%, ${(h.upper * 100).toFixed(1)}%]`,
				String(h.n),
				`${Math.round(r.reference! * 100)}%`
			]);
		});
		expect(t2.rows.map((r) => r[4])).toEqual(['92%', '79%', '58%', '54%']);
		expect(t2.notes!.join(' ')).toMatch(/Latent truth \(Dawid–Skene\): 95% percentile bootstrap intervals \(50 resamples/);
		const majority = reportPaperTables(buildAuditReport(syntheticQualityInput(200), { replicates: 50, estimator: 'majority' }))[0].table;
		expect(majority.notes![0]).toMatch(/Item majority, ties as bounds: 95% Wilson score intervals/);
	});

	it('writes Table 1 from the dataset statistics', () => {
		const t1 = datasetTable(stats, 'alpaca').table;
		expect(t1.rows[0]).toEqual(['# of instructions', '52,445']);
		expect(t1.rows.at(-1)).toEqual(['ave. output length (in words)', '18.9']);
		expect(datasetTable({ ...stats, avgNonEmptyInputWords: null }, 'special').table.rows).toContainEqual(['ave. non-empty input length (in words)', '—']);
	});

	it('writes the A–D counts with shares and the A-or-B interval per model', () => {
		const t = ratingTables.find((x) => x.id === 'ratings')!.table;
		rating.rating!.models.forEach((m, i) => {
			expect(t.rows[i][0]).toBe(m.model);
			expect(t.rows[i][1]).toBe(`${Number.isInteger(m.counts.A) ? m.counts.A : Math.round(m.counts.A * 10) / 10} (${(m.shares.A! * 100).toFixed(1)}%)`);
			expect(t.rows[i][5]).toBe(String(m.n));
			expect(t.rows[i][6]).toBe(`${(m.aOrB.proportion! * 100).toFixed(1)}%`);
			expect(t.rows[i][7]).toBe(`[${(m.aOrB.lower * 100).toFixed(1)}%, ${(m.aOrB.upper * 100).toFixed(1)}%]`);
			expect(t.rows[i][8]).toBe(String(m.aOrB.trials));
		});
		expect(t.notes!.join(' ')).toMatch(/n: rated responses, all of them/);
	});
});

describe('Markdown of the real tables', () => {
	it('parses back to the same cells and numbers', () => {
		for (const { id, table } of [...qualityTables, ...ratingTables]) {
			const parsed = parseMarkdownTable(toMarkdown(table));
			expect(parsed.headings, id).toEqual(table.columns.map((c) => c.heading));
			expect(parsed.rows, id).toEqual(table.rows);
			expect(parsed.rows.flat().flatMap(numbersIn), id).toEqual(table.rows.flat().flatMap(numbersIn));
		}
	});
});

describe('LaTeX of the real tables', () => {
	it('escapes the audit name and model names', () => {
		const latex = qualityTables.map((t) => toLatex(t.table)).join('\n');
		expect(latex).toContain('alpaca\\_sample \\#1 (50\\% \\& more)');
		expect(latex).toContain('alpaca\\_data');
		const ratings = ratingTables.map((t) => toLatex(t.table)).join('\n');
		expect(ratings).toContain('gpt\\_3 base');
		expect(ratings).toContain('self-instruct \\#1');
		expect(ratings).toContain('$\\kappa$');
	});

	const pdflatex = spawnSync('pdflatex', ['--version']).status === 0;
	it.skipIf(!pdflatex)('compiles every table with pdflatex and booktabs', () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-report-latex-'));
		try {
			const body = [...qualityTables, ...ratingTables].map((t) => toLatex(t.table)).join('\n\\clearpage\n');
			const doc = `\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n\\usepackage{booktabs,graphicx,array}\n\\usepackage[margin=1cm,landscape]{geometry}\n\\begin{document}\n${body}\\end{document}\n`;
			fs.writeFileSync(path.join(dir, 'tables.tex'), doc);
			const run = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'tables.tex'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
			expect(run.stdout, run.stdout.slice(-3000)).not.toMatch(/^! /m);
			expect(run.status).toBe(0);
			// No character pdfLaTeX could not print.
			expect(fs.readFileSync(path.join(dir, 'tables.log'), 'utf8')).not.toMatch(/Missing character/);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	}, 120_000);
});
