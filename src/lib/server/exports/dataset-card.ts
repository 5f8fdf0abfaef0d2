/**
 * A publishable export folder: the data file under data/, the manifest as manifest.json and a
 * Hugging Face style README.md dataset card (src/lib/cards/dataset-card.ts) stating where the
 * rows came from, how they were audited and how correct they were measured to be.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { FORMULA_START_CHARACTERS } from '$lib/formats/csv';
import { db, type Db } from '../db';
import { exportFormat } from '$lib/formats/serialize';
import { datasetCard, type CardJudge, type CardRun } from '$lib/cards/dataset-card';
import { judgeAuditCalibration } from '../judge/calibration';
import { coefficient, percent } from '$lib/reports/format';
import { labelsPerItemText, type AgreementRow } from '$lib/reports/agreement';
import { methodsText } from '$lib/reports/methods';
import { auditReport } from '../reports/reports';
import { auditMethods, judgeTieRange } from '../reports/methods';
import { headlineFallback } from '$lib/judge/wording';
import { writeExportFileInterruptibly, type ExportManifest, type ExportRequest, type StartOptions } from './export';
import { auditHasLabels } from './quality';
import { DomainError } from '$lib/errors';
import { writeThroughPartial } from '../files';
import { readRunParams, runSeedCount, type RunSeeds } from '../runs/generation/params';

export interface DatasetCardOptions extends StartOptions {
	license?: string;
	languages?: string[];
	/** Replace the folder's card, data and manifest if they exist. */
	force?: boolean;
	/** A judge run calibrated on the card's audit: its PPI++ estimate goes in the card and the methods paragraph. */
	judgeRunId?: number | null;
}

export interface DatasetCardResult {
	folder: string;
	dataFile: string;
	readme: string;
	manifestFile: string;
	manifest: ExportManifest;
}

/** A dataset card that cannot be written (its files exist and --force was not given). */
export class DatasetCardError extends DomainError {
	/** A file the card would overwrite without force: the CLI names it as every command names an existing file. */
	existing?: string;
}


/** ", 2–3 labels per item" when Fleiss' κ was generalised over units with different numbers of labels; else nothing. */
function varyingLabels(kappa: AgreementRow['kappa'], unit: 'item' | 'response'): string {
	const range = kappa.labelsPerItem;
	return kappa.method === 'fleiss' && range && range.min !== range.max ? `, ${labelsPerItemText(kappa, unit)}` : '';
}

function runsOf(ids: readonly number[], database: Db): CardRun[] {
	if (!ids.length) return [];
	const rows = database.$client
		.prepare<unknown[], { id: number; pipeline: string; model: string; target: number; params: string; seeds: string }>(`SELECT id, pipeline, model, target, params, seeds FROM generation_runs WHERE id IN (${ids.map(() => '?').join(', ')}) AND pipeline <> 'judge' ORDER BY id`)
		.all(...ids);
	return rows.map((r) => {
		const seeds = runSeedCount(readRunParams(JSON.parse(r.params)), JSON.parse(r.seeds) as RunSeeds);
		return { id: r.id, pipeline: r.pipeline, model: r.model, target: r.target, seeds: seeds.count, seedUnit: seeds.unit, seedCount: seeds };
	});
}

/**
 * The cells of a CSV export that got a leading "'" because they start like a spreadsheet formula
 * (the header row is the writer's own). Read back from the file written, streamed: the rows come
 * from SQLite's blocks or the serialiser alike. (A cell stored as "'=…" would count too; such text
 * is vanishingly rare.)
 */
async function neutralisedCells(file: string): Promise<number> {
	let n = 0;
	let header = true;
	for await (const record of fs.createReadStream(file).pipe(parse({ relax_column_count: true })) as AsyncIterable<string[]>) {
		if (header) {
			header = false;
			continue;
		}
		for (const cell of record) if (cell.length > 1 && cell[0] === "'" && FORMULA_START_CHARACTERS.includes(cell[1])) n++;
	}
	return n;
}

/**
 * Writes the folder; refuses to overwrite an existing card or data file without `force`. When
 * `signal` aborts (Ctrl-C on the command line) the data file's write stops and leaves nothing.
 */
export async function writeDatasetCard(
	request: ExportRequest,
	folder: string,
	options: DatasetCardOptions = {},
	database: Db = db(),
	signal: AbortSignal = new AbortController().signal
): Promise<DatasetCardResult> {
	const ext = exportFormat(request.format).extension;
	const dataPath = `data/train.${ext}`;
	const dataFile = path.join(folder, dataPath);
	const readme = path.join(folder, 'README.md');
	const manifestFile = path.join(folder, 'manifest.json');
	if (!options.force) for (const f of [dataFile, readme, manifestFile]) if (fs.existsSync(f)) throw Object.assign(new DatasetCardError(`${f} exists; add --force to overwrite it.`, 409, 'exists'), { existing: f });
	fs.mkdirSync(path.dirname(dataFile), { recursive: true });
	// The card's judge is the manifest's: the same run (and so the audit the manifest chose for it).
	const exported = options.judgeRunId != null ? { ...request, filters: { ...request.filters, judgeRun: options.judgeRunId } } : request;
	const written = await writeExportFileInterruptibly({ ...exported, fileName: `train.${ext}` }, dataFile, signal, options, database);
	fs.renameSync(written.manifestFile, manifestFile);
	const manifest = written.manifest;

	// Each audit behind the estimate gives its agreement and its methods paragraph (its own
	// figures: with several audits they are named, the pooled estimate being the card's table).
	const agreements: string[] = [];
	const methods: { audit: string | null; text: string }[] = [];
	let judge: CardJudge | null = null;
	// An audit nobody has labelled yet (e.g. beside a labelled copy of the same items) adds nothing
	// to the estimate: the card leaves it out rather than list it and give it an empty methods section.
	const audits = (manifest.quality?.audits ?? []).filter((a) => auditHasLabels(database.$client, a.id));
	if (options.judgeRunId != null && audits.length === 0) throw new DatasetCardError('A judge estimate needs an audit behind the export (no audit measured these rows).');
	for (const audit of audits) {
		const named = audits.length > 1 ? `"${audit.name}" (#${audit.id})` : null;
		const report = auditReport(audit.id, {}, database);
		const rows = report.quality?.agreement ?? report.rating?.agreement ?? null;
		// A rating audit's agreement is the exported model's (its row of the report), as the estimate is that model's.
		const model = report.rating ? manifest.options.responsesOf : undefined;
		const row = rows?.find((r) => r.key === (report.quality ? 'allValid' : (model ?? 'all models'))) ?? (model ? undefined : rows?.[0]);
		if (row)
			agreements.push(
				`${named ? `audit ${named}: ` : ''}${percent(row.percent.value)} pairwise agreement, ${row.kappa.method === 'cohen' ? "Cohen's" : "Fleiss'"} κ = ${coefficient(row.kappa.value)}, Krippendorff's α = ${coefficient(row.alpha.value)} on ${report.quality ? 'whether all fields are valid' : model ? `the A–D ratings of ${model}'s responses` : 'the A–D ratings'} (n = ${row.percent.items} ${report.quality ? 'items' : 'responses'} labelled at least twice${varyingLabels(row.kappa, report.quality ? 'item' : 'response')})`
			);
		// No agreement row: no item has two labels. With k ≥ 2 asked that is labelling still under way, not one reviewer per item.
		else if (report.audit.overlap >= 2) agreements.push(`${named ? `audit ${named}: ` : ''}not yet measured: no item has two labels yet (k = ${report.audit.overlap} asked)`);
		// A judge is calibrated on one audit: the manifest's (else the first).
		const judgeAudit = manifest.judgeEstimate?.auditId ?? audits[0].id;
		const calibration = audit.id === judgeAudit && options.judgeRunId != null ? judgeAuditCalibration(audit.id, options.judgeRunId, {}, database) : null;
		const e = calibration?.estimate;
		if (calibration && e && e.estimate !== null)
		{
			judge = {
				model: calibration.run.model,
				runId: calibration.run.id,
				method: e.method,
				populationRows: e.populationRows,
				auditedRows: e.auditedRows,
				estimate: e.estimate,
				lower: e.lower,
				upper: e.upper,
				confidence: e.confidence,
				// The headline's reason when the judge adds nothing (with ties, the range's: counting them may audit every row).
				fallback: ((f) => (f === null || f === 'no-audit' ? false : f))(headlineFallback(e, calibration.tieRange)),
				// The headline as the report page's: the tied items counted as "no" and as "yes".
				tieRange: judgeTieRange(calibration)
			};
		}
		methods.push({ audit: named, text: methodsText(auditMethods(report, database, calibration)) });
	}
	const agreement = agreements.length ? agreements.join('; ') : null;
	const card = datasetCard({
		manifest: manifest.quality ? { ...manifest, quality: { ...manifest.quality, audits } } : manifest,
		csvNeutralisedCells: manifest.options.csvFormulas === 'neutralised' ? await neutralisedCells(dataFile) : null,
		dataPath,
		runs: runsOf(manifest.sources.runs, database),
		license: options.license ?? 'other',
		languages: options.languages ?? ['en'],
		agreement,
		methods,
		judge
	});
	writeThroughPartial(readme, [card]);
	return { folder, dataFile, readme, manifestFile, manifest };
}
