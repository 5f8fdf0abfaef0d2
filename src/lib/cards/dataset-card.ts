/**
 * A Hugging Face style dataset card (README.md with YAML front matter) for an export folder:
 * license, language, task categories, size category and configs pointing at the data file,
 * then the provenance, the audit method and its measured correctness with the interval, the
 * reviewers' agreement, the known limitations and the methods paragraph. Pure: the server
 * gathers the facts, this writes the text.
 */
import { stringify } from 'yaml';
import { automaticFiltersSource, type AutomaticFiltersNote } from './automatic-filters';
import { seedCountText, type RunSeedCount } from '$lib/runs/seeds';
import type { RateRange } from '$lib/stats/rate-range';
import { judgeAddsNothingText } from '$lib/judge/wording';
import { stratumRowsText } from '$lib/reports/weighted';

/** The parts of an export manifest the card reads (the server's ExportManifest has them). */
export interface CardManifest {
	createdAt: string;
	app: { name: string; version: string };
	file: { name: string; format: string; formatLabel: string; rows: number; sha256: string };
	dataset: { name: string; tasks: number; instances: number };
	sources: { runs: number[]; imports: { id: number; fileName: string; format: string }[] };
	filters: { where: string; description: string }[];
	automaticFilters: AutomaticFiltersNote | null;
	/** In what order the rows are written (the server's ROW_ORDER). */
	rowOrder?: string;
	counts: {
		rows: number;
		tasks: number;
		instances: number;
		excludedInstances: number;
		/** What left the excluded instances out (absent in older manifests: then "the filters"). */
		excludedInstancesBy?: { otherFilters: number; automaticFilters: number; humanLabels: number; judge: number };
		untrainableTargetsLeftOut?: number;
	};
	/** csv: whether formula-like text cells got a leading "'" (neutralised) or were written as stored (kept). */
	options?: { csvFormulas?: 'neutralised' | 'kept' };
	quality: null | {
		measure: string;
		audits: { id: number; name: string; sampleSize: number }[];
		population: RateRange & {
			description: string;
			estimatorName: string;
			items: number;
			/** labels: a label-level rate, a share of the reviewers' labels (`successes` yes of `trials`), not of rows (absent in older manifests: items). */
			unit?: 'items' | 'labels';
			trials?: number;
			successes?: number | null;
			confidence: number;
			method: string;
			/** Present when the rate weights verdict strata sampled at different rates: each stratum's own figures. */
			strata?: (RateRange & { label: string; rows: number; items: number; estimatedFrom?: { stratumRows: number; drawn: number; inGroup: number } })[];
		};
		/**
		 * `tied`: audited rows whose reviewers tied; `unlabelled`: rows with no final label and no tie,
		 * of which `sampledNotLabelled` an audit sampled and nobody has labelled yet (absent in older
		 * manifests: then all are taken as not sampled). `basis`:
		 * `population` (no human-label filter: the file is the population), `labels` (every row
		 * labelled, no interval estimated: lower/upper null), `frame` (no human-label filter, but some
		 * rows outside the audits' sampling frame) or `mixed`. `outsideFrame`: the rows no audit could
		 * have drawn, counted as unknown (absent in older manifests: none taken as outside).
		 */
		exported: {
			rate: number | null;
			low: number | null;
			high: number | null;
			lower: number | null;
			upper: number | null;
			tied: number;
			unlabelled: number;
			sampledNotLabelled?: number;
			basis?: 'population' | 'frame' | 'labels' | 'mixed';
			outsideFrame?: { rows: number; origins: { seed: number; generated: number; imported: number } };
		};
		caveats: string[];
	};
}

export interface CardRun {
	id: number;
	pipeline: string;
	model: string;
	/** How many seeds it was given, in `seedUnit`: tasks, or Unnatural Instructions' seed sets of demonstrations. */
	seeds: number;
	seedUnit?: 'tasks' | 'sets';
	/** The seeds it could use of those it was given (classification-only mode uses fewer); absent, `seeds` in `seedUnit`. */
	seedCount?: RunSeedCount;
	target: number;
}

export interface DatasetCardInput {
	manifest: CardManifest;
	/** The data file's path inside the folder, e.g. "data/train.jsonl". */
	dataPath: string;
	runs: CardRun[];
	/** SPDX id or "other"; the researcher decides (default "other"). */
	license: string;
	/** ISO 639-1 codes. */
	languages: string[];
	/** One sentence on agreement, e.g. "Fleiss' κ = 0.41 on all fields valid (n = 200 items)". */
	agreement: string | null;
	/**
	 * The methods paragraph with references of each audit behind the estimate (none when no audit
	 * measured the rows); with several, `audit` names each (their own figures, not the pooled ones).
	 */
	methods: { audit: string | null; text: string }[];
	/** A model judge calibrated on the audit, with its prediction-powered estimate of the whole dataset. */
	judge?: CardJudge | null;
	/** csv with formulas neutralised: how many cells of the file got the leading "'". */
	csvNeutralisedCells?: number | null;
}

export interface CardJudge {
	model: string;
	runId: number;
	method: 'ppi' | 'ppi++';
	populationRows: number;
	auditedRows: number;
	estimate: number;
	lower: number;
	upper: number;
	confidence: number;
	/**
	 * The judge adds nothing and the figure is the audit's own: why (true = it gave every row the
	 * same verdict). With `tieRange`, the headline range's reason (counting the ties may audit every row).
	 */
	fallback?: boolean | 'judge-constant' | 'judge-uninformative' | 'fully-audited';
	/**
	 * With tied audited items: the headline as the report page's — them counted as "no" and as
	 * "yes" (`low`–`high`, interval covering both) —; `estimate`/`lower`/`upper` then are the
	 * figure with them left out, given beside it.
	 */
	tieRange?: { tiedItems: number; low: number; high: number; lower: number; upper: number } | null;
}

/** The card's judge row: with tied items, the range as the headline gives it, and the figure with them left out named beside it. */
function judgeRow(j: CardJudge, level: string): string {
	const method = j.method === 'ppi++' ? 'PPI++' : 'PPI';
	const t = j.tieRange;
	if (!t) return `| Whole dataset, model judge ${code(j.model, true)} corrected by the human labels (${method}, N = ${j.populationRows}, n = ${j.auditedRows}) | ${pct(j.estimate)} | [${pct(j.lower)}, ${pct(j.upper)}]${level} |`;
	const value = pct(t.low) === pct(t.high) ? pct(t.low) : `${pct(t.low)}–${pct(t.high)}`;
	return `| Whole dataset, model judge ${code(j.model, true)} corrected by the human labels (${method}, N = ${j.populationRows}, n = ${j.auditedRows + t.tiedItems}; the ${t.tiedItems} tied item${t.tiedItems === 1 ? '' : 's'} counted as no and as yes; with them left out: ${pct(j.estimate)} [${pct(j.lower)}, ${pct(j.upper)}], n = ${j.auditedRows}) | ${value} | [${pct(t.lower)}, ${pct(t.upper)}]${level} |`;
}

/** The card's judge row when the judge adds nothing: the audit's own figure (the range with tied items), and why. */
function auditAloneRow(j: CardJudge, why: 'judge-constant' | 'judge-uninformative' | 'fully-audited'): string {
	const t = j.tieRange;
	const value = !t ? pct(j.estimate) : pct(t.low) === pct(t.high) ? pct(t.low) : `${pct(t.low)}–${pct(t.high)}`;
	const ties = t ? `; the ${t.tiedItems} tied item${t.tiedItems === 1 ? '' : 's'} counted as no and as yes` : '';
	return `| Whole dataset: the audit alone (model judge ${code(j.model, true)} adds nothing: ${judgeAddsNothingText(why)}; n = ${j.auditedRows + (t?.tiedItems ?? 0)}${ties}) | ${value} | [${pct(t ? t.lower : j.lower)}, ${pct(t ? t.upper : j.upper)}] |`;
}

/** Hugging Face's size categories, by row count. */
export function sizeCategory(rows: number): string {
	const bands: [number, string][] = [
		[1_000, 'n<1K'],
		[10_000, '1K<n<10K'],
		[100_000, '10K<n<100K'],
		[1_000_000, '100K<n<1M'],
		[10_000_000, '1M<n<10M'],
		[100_000_000, '10M<n<100M'],
		[1_000_000_000, '100M<n<1B']
	];
	return bands.find(([limit]) => rows < limit)?.[1] ?? 'n>1B';
}

/** The `datasets` loader's format name for a data file (Parquet, JSON, CSV). */
function builderFormat(format: string): string {
	if (format === 'parquet') return 'parquet';
	if (format === 'csv') return 'csv';
	return 'json';
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

/** Markdown text from data: no HTML, and characters that would start Markdown syntax escaped. */
function md(text: string): string {
	return text.replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`);
}

/**
 * A Markdown code span holding `text` as written: backslash escapes do not work inside code spans
 * (`alpaca\_data.json` would show its backslash), so the fence is one backtick longer than the
 * longest run in the text, and line breaks (which would end a list item) become spaces. In a GFM
 * table cell a `|` still ends the cell, even inside a code span, so there it is escaped (GFM
 * removes that backslash).
 */
function code(text: string, inTable = false): string {
	let body = text.replace(/\r\n?|\n/g, ' ');
	if (inTable) body = body.replace(/\|/g, '\\|');
	const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
	const fence = '`'.repeat(longest + 1);
	const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
	return `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * What the CSV file does to text a spreadsheet would run as a formula: the manifest records it
 * (options.csvFormulas), and a reader of the card must know that those cells are not the text as
 * stored.
 */
function csvFormulasText(csvFormulas: 'neutralised' | 'kept' | undefined, cells: number | null | undefined): string | null {
	if (csvFormulas === 'kept') return 'Every CSV cell is the text as stored: cells starting with =, +, - or @ are not protected, and a spreadsheet may run them as formulas.';
	if (csvFormulas !== 'neutralised') return null;
	const start = 'Text starting like a spreadsheet formula (=, +, - or @, a tab or a carriage return; every "- " bullet list too, but not a plain number such as "-5") gets a leading apostrophe (\'), so that spreadsheets show it as text';
	const n = cells ?? null;
	const which =
		n === null
			? 'those cells are not the text as stored'
			: n === 0
				? 'no cell of this file starts that way, so every cell is the text as stored'
				: `${n.toLocaleString('en-US')} ${n === 1 ? 'cell' : 'cells'} of this file ${n === 1 ? 'has' : 'have'} it and ${n === 1 ? 'is' : 'are'} not the text as stored: to read them as data, remove one leading apostrophe only where the next character is =, +, -, @, a tab or a carriage return (a text's own apostrophe, as in "'Tis", is written as it is; a number stored as text, such as "-5" or "+3", is a number to a spreadsheet and is written as it is)`;
	return `${start}: ${which}. JSON Lines and Parquet exports keep the text exactly.`;
}

/** "20 of seed tasks, 3 imported": the origins of rows outside the audits' sampling frame. */
function outsideOrigins(o: { origins: { seed: number; generated: number; imported: number } } | undefined): string {
	if (!o) return '';
	return (['seed', 'generated', 'imported'] as const)
		.filter((k) => o.origins[k])
		.map((k) => `${o.origins[k].toLocaleString('en-US')} ${k === 'seed' ? 'of seed tasks' : k}`)
		.join(', ');
}

/** How many of the rows have no final human label, and why, with what is made of them. */
function withoutFinalText(e: { tied: number; unlabelled: number; sampledNotLabelled?: number; outsideFrame?: { rows: number } }): string {
	const n = e.tied + e.unlabelled;
	if (n === 0) return 'every one of these rows has a final human label';
	const pending = e.sampledNotLabelled ?? 0;
	const outside = e.outsideFrame?.rows ?? 0;
	const notSampled = e.unlabelled - pending - outside;
	const why = [
		notSampled ? `${notSampled.toLocaleString('en-US')} not sampled` : '',
		outside ? `${outside.toLocaleString('en-US')} outside the audits\u2019 sampling frame, which no estimate covers` : '',
		pending ? `${pending.toLocaleString('en-US')} sampled but not labelled yet` : '',
		e.tied ? `${e.tied.toLocaleString('en-US')} sampled but their reviewers tied` : ''
	]
		.filter(Boolean)
		.join(', ');
	return `${n.toLocaleString('en-US')} of these rows ${n === 1 ? 'has' : 'have'} no final human label (${why}), and ${outside ? `the correctness of the ${(n - outside).toLocaleString('en-US')} the audits could have drawn` : 'their correctness'} is inferred from the sample`;
}

/** What chose these rows: the export's filters, and what the dataset's automatic filters said of them. */
function selectionLines(m: CardManifest): string[] {
	const auto = m.automaticFilters;
	const lines: string[] = [];
	if (m.filters.length) {
		lines.push('Rows kept by these filters:', '');
		for (const f of m.filters) lines.push(`- ${code(f.where)}: ${md(f.description)}`);
		if (!auto) lines.push('', 'No automatic filter has been run on this dataset: no row was checked by the automatic filters.');
	} else {
		lines.push(auto ? 'The export chose no filter: every row of the dataset is included.' : 'The dataset was never filtered and the export chose no filter: every row of the dataset is included.');
	}
	if (auto) {
		const source = automaticFiltersSource(auto);
		const n = auto.rejectedInstances;
		lines.push(
			'',
			n > 0
				? `${n.toLocaleString('en-US')} of these instances ${n === 1 ? 'was' : 'were'} rejected by ${source} and ${n === 1 ? 'is' : 'are'} included all the same, because the export did not select by them (the \`kept\` filter leaves them out).`
				: `${source[0].toUpperCase()}${source.slice(1)} rejected none of these rows.`
		);
	}
	return lines;
}

/** A rate, or the two figures ties keep it between — one figure when they are the same (never "100.0%–100.0%"). */
function rateText(r: { rate: number | null; low: number | null; high: number | null }): string {
	if (r.rate !== null) return pct(r.rate);
	return pct(r.low) === pct(r.high) ? pct(r.low) : `${pct(r.low)}–${pct(r.high)}`;
}

export function datasetCard(input: DatasetCardInput): string {
	const m = input.manifest;
	const front = {
		license: input.license,
		language: input.languages,
		task_categories: ['text-generation'],
		tags: ['instruction-tuning', 'synthetic', 'instruct-audit'],
		size_categories: [sizeCategory(m.counts.rows)],
		pretty_name: m.dataset.name,
		configs: [{ config_name: 'default', data_files: [{ split: 'train', path: input.dataPath }] }]
	};
	const lines: string[] = ['---', stringify(front).trimEnd(), '---', '', `# ${md(m.dataset.name)}`, ''];
	lines.push(
		`${m.counts.rows.toLocaleString('en-US')} rows (${m.counts.instances.toLocaleString('en-US')} instances of ${m.counts.tasks.toLocaleString('en-US')} instructions) exported from the dataset "${md(m.dataset.name)}" by ${md(m.app.name)} ${md(m.app.version)} on ${m.createdAt.slice(0, 10)}, as ${md(m.file.formatLabel)} in \`${input.dataPath}\` (SHA-256 \`${m.file.sha256}\`). The export's manifest is \`manifest.json\` (schema: \`export-manifest.schema.json\` in the Instruct Audit repository).`,
		''
	);
	if (m.rowOrder) lines.push(`Row order: ${md(m.rowOrder)}.`, '');
	const csvNote = csvFormulasText(m.options?.csvFormulas, input.csvNeutralisedCells);
	if (csvNote) lines.push(csvNote, '');

	lines.push('## Provenance', '');
	if (input.runs.length) {
		for (const r of input.runs)
			lines.push(`- Generation run ${r.id}: the ${md(r.pipeline)} pipeline with the model ${code(r.model)}, ${seedCountText(r.seedCount ?? { count: r.seeds, given: r.seeds, unit: r.seedUnit ?? 'tasks', classificationOnly: false })}, target ${r.target} accepted candidates.`);
	}
	for (const i of m.sources.imports) lines.push(`- Imported file ${code(i.fileName)} (${md(i.format)}).`);
	if (!input.runs.length && !m.sources.imports.length) lines.push('- No generation run or import is recorded for these rows.');
	lines.push('', ...selectionLines(m), '');
	if (m.counts.excludedInstances) {
		// Instances whose target reply the source marked not to train on (or without text) are left out by the export itself, not by a filter.
		const untrainable = m.counts.untrainableTargetsLeftOut ?? 0;
		const byFilters = m.counts.excludedInstances - untrainable;
		const by = m.counts.excludedInstancesBy;
		// Each cause named, so that rows a human-label filter dropped are not put on the automatic filters.
		const causes = by
			? [
					[by.otherFilters, 'by the other filters'],
					[by.automaticFilters, 'by the automatic filters (`kept`)'],
					[by.humanLabels, 'by the human-label filters'],
					[by.judge, 'by the model judge (`judge-valid`)']
				].filter(([n]) => (n as number) > 0)
			: [];
		const parts = [
			byFilters > 0
				? `${byFilters.toLocaleString('en-US')} ${byFilters === 1 ? 'instance' : 'instances'} of the dataset ${byFilters === 1 ? 'was' : 'were'} left out ${
						causes.length === 1 ? causes[0][1] : `by the filters${causes.length ? `: ${causes.map(([n, what]) => `${(n as number).toLocaleString('en-US')} ${what}`).join(', ')}` : ''}`
					}.`
				: '',
			untrainable > 0
				? `${untrainable.toLocaleString('en-US')} ${untrainable === 1 ? 'instance was' : 'instances were'} left out because ${untrainable === 1 ? 'its' : 'their'} target reply was marked not to train on ("weight": 0) or is a tool call (no text).`
				: ''
		].filter(Boolean);
		lines.push('', parts.join(' '), '');
	}

	lines.push('## Measured quality', '');
	const q = m.quality;
	if (q) {
		const p = q.population;
		const level = `${Math.round(p.confidence * 1000) / 10}%`;
		const e = q.exported;
		// Every row labelled: the labels are the figure (older manifests carried a degenerate [1, 1] interval for it).
		const noInterval = e.unlabelled === 0 || e.lower === null || e.upper === null;
		// Rows no audit could have drawn (seed tasks beside a verdict-stratified audit, rows added after the draw): no estimate covers them.
		const outside = e.outsideFrame?.rows ?? 0;
		const rows = m.counts.rows;
		// Label level (a quality audit's chosen headline) measures how often a reviewer says yes: never worded as a share of correct rows.
		const labelLevel = p.unit === 'labels';
		const outsideSentence = `; the ${outside.toLocaleString('en-US')} outside the audits\u2019 sampling frame (${outsideOrigins(e.outsideFrame)}) could not have been sampled, so the estimate says nothing about them: they count as not correct for the lower figure and correct for the upper.`;
		lines.push(
			p.strata
				? `Audit${q.audits.length > 1 ? 's' : ''} ${q.audits.map((a) => `"${md(a.name)}" (${a.sampleSize} sampled items)`).join(', ')}: human reviewers judged random samples of ${md(p.description)}, drawn stratum by stratum of the automatic filters' verdict at different rates; the estimate weights each stratum by its rows.`
				: `Audit${q.audits.length > 1 ? 's' : ''} ${q.audits.map((a) => `"${md(a.name)}" (${a.sampleSize} sampled items)`).join(', ')}: human reviewers judged a random sample of ${md(p.description)}.`,
			'',
			`| | ${md(q.measure)} | ${level} interval |`,
			'| :--- | ---: | :--- |',
			labelLevel
				? `| Audited population: share of the reviewers\u2019 labels saying yes (${p.successes} of ${p.trials} labels on ${p.items} items, ${md(p.estimatorName)}; not a share of correct rows, adjudications not counted) | ${rateText(p)} | [${pct(p.lower)}, ${pct(p.upper)}] |`
				: `| Audited population (n = ${p.items} items, ${md(p.estimatorName)}) | ${rateText(p)} | [${pct(p.lower)}, ${pct(p.upper)}] |`,
			// A stratum with no audited item has no rate: its rows count as unknown in the weighted figures.
			...(p.strata ?? []).map(
				(h) =>
					`| Stratum "${md(h.label)}" (${stratumRowsText(h)}, n = ${h.items} ${h.items === 1 ? 'item' : 'items'}) | ${h.items ? rateText(h) : 'unknown'} | ${h.items ? `[${pct(h.lower)}, ${pct(h.upper)}]` : '—'} |`
			),
			...(input.judge
				? [
						input.judge.fallback
							? auditAloneRow(input.judge, input.judge.fallback === true ? 'judge-constant' : input.judge.fallback)
							: judgeRow(input.judge, Math.abs(input.judge.confidence - p.confidence) > 1e-9 ? ` (${Math.round(input.judge.confidence * 1000) / 10}%)` : '')
					]
				: []),
			noInterval
				? `| These rows, by their final human labels | ${rateText(e)} | — (${e.tied ? `every row labelled; a range because the ${e.tied.toLocaleString('en-US')} whose reviewers tied count as no and as yes` : 'every row has a final label'}) |`
				: e.basis === 'population'
					? `| These rows (the audited population itself: no human-label filter${labelLevel ? '; a share of the reviewers\u2019 labels, as above' : ''}) | ${rateText(e)} | [${pct(e.lower)}, ${pct(e.upper)}] |`
					: outside
						? `| These rows (expected; ${outside.toLocaleString('en-US')} outside the audits\u2019 sampling frame counted as unknown) | ${rateText(e)} | [${pct(e.lower)}, ${pct(e.upper)}] |`
						: `| These rows (expected${labelLevel ? '; the rows without a final label at the share of labels saying yes' : ''}) | ${rateText(e)} | [${pct(e.lower)}, ${pct(e.upper)}] |`,
			'',
			`Interval: ${md(p.method)}.`,
			'',
			noInterval
				? `These rows: each counts as its final human label says${e.tied ? ` (the ${e.tied.toLocaleString('en-US')} whose reviewers tied as no for the lower figure and yes for the upper)` : ''}. No interval is given, as none is estimated: the labels are taken as true, and the reviewers\u2019 own errors (see the agreement below) are not modelled.`
				: e.basis === 'population'
					? 'These rows: no human-label filter was applied, so they are the audited population and carry its figures.'
					: e.basis === 'frame'
						? `These rows: no human-label filter was applied, so the ${(rows - outside).toLocaleString('en-US')} an audit could have drawn are the audited population and carry its figures${outsideSentence}`
						: `These rows: each row with a final human label counts as that label says (the reviewers\u2019 own errors are not modelled)${e.tied ? `, the ${e.tied.toLocaleString('en-US')} whose reviewers tied as no for the lower figure and yes for the upper` : ''}; the ${(e.unlabelled - outside).toLocaleString('en-US')} without one count at the audited population\u2019s rate, and the interval carries only that rate\u2019s uncertainty${outside ? outsideSentence : '.'}`,
			''
		);
		if (input.judge && !input.judge.fallback)
			lines.push(
				`Judge estimate: judge run ${input.judge.runId} labelled every row the audit sampled from; prediction-powered inference (${input.judge.method === 'ppi++' ? 'PPI++, ' : ''}Angelopoulos et al., 2023) corrects its rate by its errors measured on the audit, with a normal-approximation interval (see Methods).`,
				''
			);
		lines.push(input.agreement ? `Agreement between reviewers: ${md(input.agreement)}.` : 'Agreement between reviewers: not measured (one reviewer per item).', '');
	} else {
		lines.push('No audit has measured these rows: their correctness is unknown.', '');
	}

	lines.push('## Limitations', '');
	const limits = [
		...(q?.caveats ?? []),
		q ? `The correctness rate is an estimate from a sample of ${q.population.items} items; ${withoutFinalText(q.exported)}.` : null,
		'Outputs were written or generated by models and may be wrong, biased or unsafe; the filters and the audit check form and correctness, not safety.',
		'The papers\u2019 reference figures (Self-Instruct, Unnatural Instructions) come from other data and reviewers and are not comparable one to one.'
	].filter((x): x is string => !!x);
	for (const l of limits) lines.push(`- ${md(l)}`);
	lines.push('');

	if (input.methods.length) {
		lines.push('## Methods', '');
		if (input.methods.length > 1)
			lines.push(
				`The estimate above pools ${input.methods.length} audits: each instance counts once, with every reviewer's latest label on it. Each audit's own method and figures follow.`,
				''
			);
		const references: string[] = [];
		for (const m of input.methods) {
			// The paragraph, then its references (gathered into one list).
			const [paragraph, refs] = m.text.split('\n\nReferences\n');
			if (m.audit) lines.push(`### Audit ${md(m.audit)}`, '');
			lines.push(md(paragraph.trim()), '');
			for (const r of refs?.trim().split('\n') ?? []) {
				const ref = r.replace(/^- /, '');
				if (!references.includes(ref)) references.push(ref);
			}
		}
		if (references.length) lines.push('### References', '', ...references.map((r) => `- ${md(r)}`), '');
	}
	return lines.join('\n');
}
