/**
 * Paper-ready outputs from the command line on a real audit (built through the app's import,
 * audit and routing paths): every report table as LaTeX (compiled with pdflatex where installed)
 * and Markdown (parsed back), the figures as SVG and PNG files, the methods paragraph, the
 * dataset's Table 1, and an export folder with a Hugging Face dataset card.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Resvg } from '@resvg/resvg-js';
import { createTestDb } from '../support/db';
import { buildQualityAudit, QUALITY_AUDIT_PLAN, type BuiltAudit } from '../support/audit-fixtures';
import { validate } from '../support/json-schema';
import { parseMarkdownTable } from '../../src/lib/tables';
import { reportPaperTables } from '../../src/lib/reports/paper-tables';
import { auditReport } from '../../src/lib/server/reports';
import { datasetStatistics } from '../../src/lib/server/datasets/statistics';
import { pngSize } from '../../src/lib/server/reports/figures';
import type { Db } from '../../src/lib/server/db';
import { CLI_ENTRY } from '../support/cli-bundle';

let db: Db;
let file: string;
let cleanup: () => void;
let audit: BuiltAudit;
let dir: string;
const DATASET = 'paper_outputs (1)';

beforeAll(async () => {
	({ db, file, cleanup } = createTestDb());
	audit = await buildQualityAudit(db, { datasetName: DATASET, name: 'Pilot_audit #2 & 50%', ...QUALITY_AUDIT_PLAN });
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ia-paper-'));
}, 120_000);
afterAll(() => {
	cleanup?.();
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]) {
	const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], {
		env: { ...process.env, DATABASE_PATH: file },
		encoding: 'utf8',
		timeout: 120_000,
		maxBuffer: 16 * 1024 * 1024
	});
	return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const pdflatex = spawnSync('pdflatex', ['--version']).status === 0;

function compile(latex: string): { status: number | null; log: string } {
	const work = fs.mkdtempSync(path.join(dir, 'tex-'));
	fs.writeFileSync(
		path.join(work, 'doc.tex'),
		`\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n\\usepackage{booktabs,graphicx,array}\n\\usepackage[margin=1cm,landscape]{geometry}\n\\begin{document}\n${latex}\\end{document}\n`
	);
	const run = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'doc.tex'], { cwd: work, encoding: 'utf8', timeout: 120_000 });
	return { status: run.status, log: run.stdout };
}

describe('report --latex / --markdown', () => {
	it('prints every table as booktabs LaTeX that compiles, with the names escaped', () => {
		const r = cli('report', String(audit.auditId), '--latex');
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout.match(/\\begin\{table\}/g)).toHaveLength(5);
		expect(r.stdout).toContain('paper\\_outputs (1)');
		expect(r.stdout).toContain('Pilot\\_audit \\#2 \\& 50\\%');
		expect(r.stdout).toContain('\\toprule');
		if (pdflatex) {
			const out = compile(r.stdout);
			expect(out.log.slice(-3000)).not.toMatch(/^! /m);
			expect(out.status).toBe(0);
		}
	}, 180_000);

	it('prints Markdown tables that parse back to the report\'s cells', () => {
		const r = cli('report', String(audit.auditId), '--markdown');
		expect(r.code, r.stderr).toBe(0);
		const expected = reportPaperTables(auditReport(audit.auditId, {}, db), datasetStatistics(audit.datasetId, {}, db));
		const blocks = r.stdout.split(/\n(?=\*\*)/);
		expect(blocks).toHaveLength(expected.length);
		blocks.forEach((block, i) => {
			const parsed = parseMarkdownTable(block);
			expect(parsed.headings).toEqual(expected[i].table.columns.map((c) => c.heading));
			expect(parsed.rows).toEqual(expected[i].table.rows);
		});
		// Table 2's "All fields valid" row: the headline the report page shows.
		const t2 = expected.find((t) => t.id === 'quality')!.table;
		expect(t2.rows[3][0]).toBe('All fields valid');
		expect(t2.rows[3][4]).toBe('54%');
	}, 120_000);

	it('prints one table with --table and refuses an unknown one', () => {
		const r = cli('report', String(audit.auditId), '--latex', '--table', 'quality');
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout.match(/\\begin\{table\}/g)).toHaveLength(1);
		const bad = cli('report', String(audit.auditId), '--latex', '--table', 'nope');
		expect(bad.code).toBe(2);
		expect(bad.stderr).toMatch(/--table takes dataset, quality, breakdown, split, agreement/);
	}, 120_000);

	it('prints the dataset\'s Table 1 with stats --latex', () => {
		const r = cli('stats', DATASET, '--latex');
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toContain('\\# of instructions & 9 \\\\');
		if (pdflatex) expect(compile(r.stdout).status).toBe(0);
	}, 120_000);
});

describe('report --figures and --methods', () => {
	it('writes each figure as a valid SVG with its numbers and a PNG at twice its size', () => {
		const out = path.join(dir, 'figures');
		const r = cli('report', String(audit.auditId), '--figures', out, '--json');
		expect(r.code, r.stderr).toBe(0);
		const { figures } = JSON.parse(r.stdout);
		expect(figures.map((f: { figure: string }) => f.figure)).toEqual(['quality-rates']);
		const svg = fs.readFileSync(figures[0].svg, 'utf8');
		const parsed = new Resvg(svg);
		const png = fs.readFileSync(figures[0].png);
		expect(pngSize(png)).toEqual({ width: parsed.width * 2, height: parsed.height * 2 });
		const report = auditReport(audit.auditId, {}, db);
		const pc = (v: number) => `${(v * 100).toFixed(1)}%`;
		for (const rate of report.quality!.groups[0].rates) {
			// A headline tied items keep apart (the majority bounds) is written as its range.
			const h = rate.headline;
			expect(svg).toContain(h.proportion !== null ? `>${pc(h.proportion)}<` : `>${pc(h.low!)}–${pc(h.high!)}<`);
		}
		expect(svg).toContain('Share (%)');
		expect(svg).toMatch(/all tasks n = 7/);
	}, 120_000);

	it('writes the comparison chart with --compare and the analyses charts with analyze --figures', async () => {
		const other = await buildQualityAudit(db, { datasetName: 'paper outputs other', name: 'Other audit', ...QUALITY_AUDIT_PLAN });
		const out = path.join(dir, 'more-figures');
		const r = cli('report', String(audit.auditId), '--compare', String(other.auditId), '--figures', out, '--json');
		expect(r.code, r.stderr).toBe(0);
		const { figures } = JSON.parse(r.stdout);
		expect(figures.map((f: { figure: string }) => f.figure)).toEqual(['differences']);
		expect(path.basename(figures[0].svg)).toBe(`audits-${audit.auditId}-vs-${other.auditId}-differences.svg`);
		const svg = fs.readFileSync(figures[0].svg, 'utf8');
		expect(new Resvg(svg).width).toBe(760);
		// The same audit twice over the same plan: every difference is 0.
		expect(svg).toContain('>0.0 pp<');
		expect(svg).toMatch(/Newcombe hybrid score/);

		const a = cli('analyze', DATASET, '--vs', 'paper outputs other', '--figures', out, '--json');
		expect(a.code, a.stderr).toBe(0);
		// --json prints the documented document ({"analyses": […]}, as without --figures) with the files added.
		const doc = JSON.parse(a.stdout) as { analyses: { label: string; analysis: { instructions: number } }[]; figures: { figure: string; svg: string; png: string; width: number; height: number }[] };
		const plain = JSON.parse(cli('analyze', DATASET, '--vs', 'paper outputs other', '--json').stdout) as { analyses: { label: string; analysis: { instructions: number } }[] };
		expect(Object.keys(doc)).toEqual(['analyses', 'figures']);
		expect(doc.analyses.map((r) => r.label)).toEqual(plain.analyses.map((r) => r.label));
		expect(doc.analyses.map((r) => r.analysis)).toEqual(plain.analyses.map((r) => r.analysis));
		expect(doc.analyses[0].analysis.instructions).toBeGreaterThan(0);
		const written = doc.figures;
		expect(written.map((f) => f.figure)).toEqual(expect.arrayContaining(['length-instruction-1', 'length-instruction-2', 'length-output-1', 'length-output-2']));
		for (const f of written) {
			const parsed = new Resvg(fs.readFileSync(f.svg, 'utf8'));
			expect(pngSize(fs.readFileSync(f.png))).toEqual({ width: parsed.width * 2, height: parsed.height * 2 });
			expect(fs.readFileSync(f.svg, 'utf8')).toMatch(/n = \d+ (instructions|instances)/);
		}
	}, 240_000);

	it('prints the methods paragraph with its references', () => {
		const r = cli('report', String(audit.auditId), '--methods');
		expect(r.code, r.stderr).toBe(0);
		expect(r.stdout).toContain(`We audited the dataset "${DATASET}"`);
		expect(r.stdout).toMatch(/Three reviewers labelled the sample; each item was to be labelled by three reviewers/);
		expect(r.stdout).toContain('1 gold item with a known answer was mixed in');
		expect(r.stdout).toContain('No item was adjudicated; 2 items with tied reviewers remain');
		expect(r.stdout).toContain('\n\nReferences\n- ');
	}, 120_000);
});

describe('export --dataset-card', () => {
	it('writes the data, a manifest that follows the published schema, and a card whose front matter parses', () => {
		const folder = path.join(dir, 'card');
		const r = cli('export', DATASET, '--format', 'jsonl', '--dataset-card', '--out', folder, '--license', 'cc-by-nc-4.0', '--json');
		expect(r.code, r.stderr).toBe(0);
		const readme = fs.readFileSync(path.join(folder, 'README.md'), 'utf8');
		const match = /^---\n([\s\S]*?)\n---\n/.exec(readme);
		expect(match).not.toBeNull();
		const front = parseYaml(match![1]);
		expect(front).toMatchObject({
			license: 'cc-by-nc-4.0',
			language: ['en'],
			task_categories: ['text-generation'],
			size_categories: ['n<1K'],
			configs: [{ config_name: 'default', data_files: [{ split: 'train', path: 'data/train.jsonl' }] }]
		});
		// The rows read back equal the dataset's instances.
		const rows = fs
			.readFileSync(path.join(folder, front.configs[0].data_files[0].path), 'utf8')
			.trim()
			.split('\n')
			.map((l) => JSON.parse(l));
		const stored = db.$client
			.prepare('SELECT t.instruction, i.input, i.output FROM instances i JOIN tasks t ON t.id = i.task_id WHERE t.dataset_id = ? ORDER BY i.id')
			.all(audit.datasetId);
		expect(rows).toEqual(stored);

		const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8'));
		const schema = JSON.parse(fs.readFileSync('docs/schemas/export-manifest.schema.json', 'utf8'));
		expect(validate(schema, manifest)).toEqual([]);
		expect(validate(schema, { ...manifest, kind: 'other' })).not.toEqual([]);

		expect(readme).toContain('## Provenance');
		expect(readme).toContain('## Measured quality');
		expect(readme).toMatch(/\| Audited population \(n = \d+ items, .+\) \| [\d.]+%/);
		expect(readme).toMatch(/Agreement between reviewers: [\d.]+% pairwise agreement, Fleiss' κ = /);
		expect(readme).toContain('## Limitations');
		expect(readme).toContain('## Methods');
		expect(readme).toContain('### References');

		// A second run refuses to overwrite without --force.
		const again = cli('export', DATASET, '--format', 'jsonl', '--dataset-card', '--out', folder);
		expect(again.code).not.toBe(0);
		expect(again.stderr).toMatch(/exists; add --force/);
	}, 120_000);
});
