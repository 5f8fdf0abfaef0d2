import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import MarkdownIt from 'markdown-it';
import { datasetCard, sizeCategory, type CardManifest } from './dataset-card';

const manifest: CardManifest = {
	createdAt: '2026-01-02T03:04:05.000Z',
	app: { name: 'instruct-audit', version: '0.1.0' },
	file: { name: 'train.parquet', format: 'parquet', formatLabel: 'Parquet', rows: 12_000, sha256: 'a'.repeat(64) },
	dataset: { name: 'gen_data #1', tasks: 9000, instances: 12_000 },
	sources: { runs: [3], imports: [] },
	filters: [{ where: 'kept', description: 'kept by the automatic filters' }],
	automaticFilters: { filterRunId: 4, filterRunSettings: ['preset self-instruct', 'no ROUGE-L', '3–150 words'], generationRuns: [], appliedAt: '2026-01-01T10:00:00.000Z', rejectedInstances: 0 },
	counts: { rows: 12_000, tasks: 9000, instances: 12_000, excludedInstances: 500 },
	quality: {
		measure: 'all fields valid',
		audits: [{ id: 1, name: 'Pilot', sampleSize: 200 }],
		population: { description: 'kept rows', estimatorName: 'Item majority', items: 200, rate: 0.575, low: null, high: null, lower: 0.506, upper: 0.641, confidence: 0.95, method: 'Wilson score interval' },
		exported: { rate: 0.575, low: null, high: null, lower: 0.506, upper: 0.641, tied: 37, unlabelled: 11_763 },
		caveats: []
	}
};

describe('datasetCard', () => {
	it('writes YAML front matter that parses, with configs pointing at the data file', () => {
		const card = datasetCard({ manifest, dataPath: 'data/train.parquet', runs: [{ id: 3, pipeline: 'self-instruct', model: 'llama_3', seeds: 175, target: 12_000 }], license: 'cc-by-4.0', languages: ['en'], agreement: null, methods: [{ audit: null, text: 'We audited…\n\nReferences\n- Wilson, E. B. (1927).' }] });
		const front = parse(/^---\n([\s\S]*?)\n---\n/.exec(card)![1]);
		expect(front).toMatchObject({ license: 'cc-by-4.0', language: ['en'], size_categories: ['10K<n<100K'], configs: [{ config_name: 'default', data_files: [{ split: 'train', path: 'data/train.parquet' }] }] });
		expect(card).toContain('# gen\\_data \\#1');
		expect(card).toContain('the self-instruct pipeline with the model `llama_3`, 175 seed tasks');
		expect(card).toContain('| Audited population (n = 200 items, Item majority) | 57.5% | [50.6%, 64.1%] |');
		expect(card).toContain('not measured (one reviewer per item)');
		expect(card).toContain('### References\n\n- Wilson, E. B. (1927).');
	});
	it('rows outside the audits\' sampling frame: named with their origin, counted as unknown, and not called the audited population', () => {
		const frame = {
			...manifest,
			counts: { ...manifest.counts, rows: 219 },
			quality: {
				...manifest.quality!,
				exported: { rate: null, low: 0.5, high: 0.6, lower: 0.2, upper: 0.9, tied: 0, unlabelled: 213, sampledNotLabelled: 0, basis: 'frame' as const, outsideFrame: { rows: 20, origins: { seed: 20, generated: 0, imported: 0 } } }
			}
		};
		const card = datasetCard({ manifest: frame, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] });
		expect(card).toContain('| These rows (expected; 20 outside the audits\u2019 sampling frame counted as unknown) | 50.0%–60.0% | [20.0%, 90.0%] |');
		expect(card).toContain(
			'These rows: no human-label filter was applied, so the 199 an audit could have drawn are the audited population and carry its figures; the 20 outside the audits\u2019 sampling frame (20 of seed tasks) could not have been sampled, so the estimate says nothing about them: they count as not correct for the lower figure and correct for the upper.'
		);
		expect(card).not.toContain('so they are the audited population and carry its figures');
		expect(card).toContain('213 of these rows have no final human label (193 not sampled, 20 outside the audits\u2019 sampling frame, which no estimate covers), and the correctness of the 193 the audits could have drawn is inferred from the sample.');
	});
	it('a population weighted by verdict stratum: says the sample was drawn stratum by stratum and weighted, with each stratum\'s figures', () => {
		const strata = [
			{ label: 'Kept by the filters', rows: 5001, items: 10, rate: 0.5, low: 0.5, high: 0.5, lower: 0.237, upper: 0.763 },
			{ label: 'Rejected: Too short or too long', rows: 5, items: 4, rate: 0.75, low: 0.75, high: 0.75, lower: 0.301, upper: 0.954 },
			{ label: 'Rejected: Leading punctuation', rows: 1, items: 0, rate: null, low: null, high: null, lower: 0, upper: 1 }
		];
		const weighted = { ...manifest, quality: { ...manifest.quality!, population: { ...manifest.quality!.population, rate: 0.5002, lower: 0.237, upper: 0.763, strata } } };
		const card = datasetCard({ manifest: weighted, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] });
		expect(card).toContain("human reviewers judged random samples of kept rows, drawn stratum by stratum of the automatic filters' verdict at different rates; the estimate weights each stratum by its rows.");
		expect(card).not.toContain('judged a random sample of');
		expect(card).toContain('| Stratum "Kept by the filters" (5,001 rows, n = 10 items) | 50.0% | [23.7%, 76.3%] |');
		expect(card).toContain('| Stratum "Rejected: Too short or too long" (5 rows, n = 4 items) | 75.0% | [30.1%, 95.4%] |');
		expect(card).toContain('| Stratum "Rejected: Leading punctuation" (1 row, n = 0 items) | unknown | — |');
	});
	it('adds the judge\'s PPI++ estimate of the whole dataset when a judge run was calibrated on the audit', () => {
		const judge = { model: 'gpt_4o', runId: 9, method: 'ppi++' as const, populationRows: 52_002, auditedRows: 196, estimate: 0.6123, lower: 0.571, upper: 0.6512, confidence: 0.95 };
		const card = datasetCard({ manifest, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [], judge });
		expect(card).toContain('| Whole dataset, model judge `gpt_4o` corrected by the human labels (PPI++, N = 52002, n = 196) | 61.2% | [57.1%, 65.1%] |');
		expect(card).toContain('prediction-powered inference (PPI++, Angelopoulos et al., 2023)');
		expect(datasetCard({ manifest, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] })).not.toContain('PPI');
	});
	it('says what chose the rows, and counts the rows the automatic filters rejected that the export includes', () => {
		const card = (m: CardManifest) => datasetCard({ manifest: m, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] });
		expect(card(manifest)).toContain("Rows kept by these filters:\n\n- `kept`: kept by the automatic filters\n\nThe dataset's automatic filters (filter run 4, 2026-01-01: preset self-instruct, no ROUGE-L, 3–150 words) rejected none of these rows.");
		const everything = { ...manifest, filters: [], automaticFilters: { filterRunId: 4, filterRunSettings: ['preset self-instruct', 'no ROUGE-L', '3–150 words'], generationRuns: [], appliedAt: '2026-01-01T10:00:00.000Z', rejectedInstances: 1234 } };
		expect(card(everything)).toContain(
			"The export chose no filter: every row of the dataset is included.\n\n1,234 of these instances were rejected by the dataset's automatic filters (filter run 4, 2026-01-01: preset self-instruct, no ROUGE-L, 3–150 words) and are included all the same"
		);
		expect(card(everything)).not.toContain('No filter was applied');
		expect(card({ ...manifest, filters: [], automaticFilters: null })).toContain('The dataset was never filtered and the export chose no filter');
		// The README's own example, on a dataset no filter run has seen: no "kept by the automatic filters".
		const seeds = card({ ...manifest, filters: [{ where: 'kept', description: 'no automatic filter has been run on this dataset; "kept" is every row' }], automaticFilters: null });
		expect(seeds).not.toContain('kept by the automatic filters');
		expect(seeds).toContain('No automatic filter has been run on this dataset: no row was checked by the automatic filters.');
	});
	it('names a generation run\'s own filters when they judged the rows, never "no automatic filter"', () => {
		const card = (m: CardManifest) => datasetCard({ manifest: m, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] });
		const generated = { filterRunId: null, filterRunSettings: [], generationRuns: [{ id: 2, pipeline: 'self-instruct', filters: ['preset self-instruct', 'ROUGE-L ≤ 0.7'] }], appliedAt: '2026-01-01T10:00:00.000Z', rejectedInstances: 0 };
		const kept = card({ ...manifest, automaticFilters: generated });
		expect(kept).toContain('The filters generation run 2 applied as it generated the rows (preset self-instruct, ROUGE-L ≤ 0.7) rejected none of these rows.');
		expect(kept).not.toContain('No automatic filter');
		expect(card({ ...manifest, filters: [], automaticFilters: { ...generated, rejectedInstances: 6 } })).toContain(
			'6 of these instances were rejected by the filters generation run 2 applied as it generated the rows (preset self-instruct, ROUGE-L ≤ 0.7) and are included all the same'
		);
	});
	it('gives each audit its own methods paragraph when the estimate pools several, with one list of references', () => {
		const card = datasetCard({
			manifest,
			dataPath: 'data/train.jsonl',
			runs: [],
			license: 'other',
			languages: ['en'],
			agreement: null,
			methods: [
				{ audit: '"Pilot" (#1)', text: 'Two reviewers labelled 13 items.\n\nReferences\n- Wilson, E. B. (1927).' },
				{ audit: '"Second" (#2)', text: 'One reviewer labelled 5 items.\n\nReferences\n- Wilson, E. B. (1927).\n- Dawid, A. P., Skene, A. M. (1979).' }
			]
		});
		expect(card).toContain('The estimate above pools 2 audits');
		expect(card).toContain('### Audit "Pilot" (\\#1)\n\nTwo reviewers labelled 13 items.');
		expect(card).toContain('### Audit "Second" (\\#2)\n\nOne reviewer labelled 5 items.');
		expect(card).toContain('### References\n\n- Wilson, E. B. (1927).\n- Dawid, A. P., Skene, A. M. (1979).\n');
	});
	it('gives no interval for rows that all carry a final human label, and says why', () => {
		const labelled = { ...manifest, quality: { ...manifest.quality!, exported: { rate: 1, low: null, high: null, lower: 1, upper: 1, tied: 0, unlabelled: 0 } } };
		const card = datasetCard({ manifest: labelled, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] });
		expect(card).toContain('| These rows, by their final human labels | 100.0% | — (every row has a final label) |');
		expect(card).not.toContain('[100.0%, 100.0%]');
		expect(card).toContain('the labels are taken as true');
		const mixed = datasetCard({ manifest, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] });
		expect(mixed).toContain('| These rows (expected) | 57.5% | [50.6%, 64.1%] |');
		expect(mixed).toContain('the 37 whose reviewers tied as no for the lower figure and yes for the upper; the 11,763 without one count at the audited population’s rate');
		expect(mixed).toContain('11,800 of these rows have no final human label (11,763 not sampled, 37 sampled but their reviewers tied)');
		// Rows an audit sampled that nobody has labelled yet are not "not sampled".
		const pending = { ...manifest, quality: { ...manifest.quality!, exported: { ...manifest.quality!.exported, sampledNotLabelled: 55 } } };
		expect(datasetCard({ manifest: pending, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] })).toContain(
			'11,800 of these rows have no final human label (11,708 not sampled, 55 sampled but not labelled yet, 37 sampled but their reviewers tied)'
		);
	});
	it('an all-yes export whose population has ties: one figure, never a "100.0%–100.0%" range', () => {
		const quality = manifest.quality!;
		const allYes = {
			...manifest,
			quality: { ...quality, population: { ...quality.population, rate: null, low: 0.22, high: 0.85 }, exported: { rate: null, low: 1, high: 1, lower: 1, upper: 1, tied: 0, unlabelled: 0 } }
		};
		const card = datasetCard({ manifest: allYes, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] });
		expect(card).toContain('| These rows, by their final human labels | 100.0% | — (every row has a final label) |');
		expect(card).not.toContain('100.0%–100.0%');
		expect(card).toContain('22.0%–85.0%');
	});
	it('with tied audited items, the judge row headlines the range (ties counted as no and as yes) as the report page, the ties-left-out figure named beside it', () => {
		const judge = { model: 'gpt_4o', runId: 9, method: 'ppi++' as const, populationRows: 300, auditedRows: 99, estimate: 0.226, lower: 0.193, upper: 0.259, confidence: 0.95, tieRange: { tiedItems: 21, low: 0.147, high: 0.329, lower: 0.111, upper: 0.375 } };
		const card = datasetCard({ manifest, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [], judge });
		expect(card).toContain(
			'| Whole dataset, model judge `gpt_4o` corrected by the human labels (PPI++, N = 300, n = 120; the 21 tied items counted as no and as yes; with them left out: 22.6% [19.3%, 25.9%], n = 99) | 14.7%–32.9% | [11.1%, 37.5%] |'
		);
	});

	it("says a judge that gave every row the same verdict corrects nothing: the row is the audit's own figure", () => {
		const judge = { model: 'yes_man', runId: 3, method: 'ppi++' as const, populationRows: 60, auditedRows: 30, estimate: 0.533, lower: 0.361, upper: 0.698, confidence: 0.95, fallback: true };
		const card = datasetCard({ manifest, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [], judge });
		expect(card).toContain('| Whole dataset: the audit alone (model judge `yes_man` adds nothing: it gave every row the same verdict; n = 30) | 53.3% | [36.1%, 69.8%] |');
		expect(card).not.toContain('corrected by the human labels');
		expect(card).not.toContain('prediction-powered inference');
	});

	it('says plainly that a judge adds nothing when every row was audited (ties counted), and gives the range as the audit’s own', () => {
		// 40 rows, all audited, 4 tied: 8–21 of 40 valid → 20.0%–52.5%, no sampling error for the dataset.
		const judge = {
			model: 'judge_m', runId: 1, method: 'ppi++' as const, populationRows: 40, auditedRows: 36, estimate: 0.304, lower: 0.21, upper: 0.397, confidence: 0.95,
			fallback: 'fully-audited' as const,
			tieRange: { tiedItems: 4, low: 0.2, high: 0.525, lower: 0.2, upper: 0.525 }
		};
		const card = datasetCard({ manifest, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [], judge });
		expect(card).toContain('| Whole dataset: the audit alone (model judge `judge_m` adds nothing: every row was audited, so the human labels alone give the rate; n = 40; the 4 tied items counted as no and as yes) | 20.0%–52.5% | [20.0%, 52.5%] |');
		expect(card).not.toContain('corrected by the human labels (PPI++');
	});
	it('tells rows left out by the filters from replies not meant as targets', () => {
		const card = (counts: CardManifest['counts']) => datasetCard({ manifest: { ...manifest, counts }, dataPath: 'data/train.jsonl', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] });
		const base = { rows: 12_000, tasks: 9000, instances: 12_000 };
		expect(card({ ...base, excludedInstances: 500 })).toContain('500 instances of the dataset were left out by the filters.');
		const both = card({ ...base, excludedInstances: 503, untrainableTargetsLeftOut: 3 });
		expect(both).toContain('500 instances of the dataset were left out by the filters. 3 instances were left out because their target reply was marked not to train on');
		expect(card({ ...base, excludedInstances: 1, untrainableTargetsLeftOut: 1 })).not.toContain('by the filters');
		// Each cause by name: the rows a human-label filter dropped are not put on the automatic filters.
		const split = card({ ...base, excludedInstances: 23, excludedInstancesBy: { otherFilters: 0, automaticFilters: 12, humanLabels: 11, judge: 0 } });
		expect(split).toContain('23 instances of the dataset were left out by the filters: 12 by the automatic filters (`kept`), 11 by the human-label filters.');
		expect(card({ ...base, excludedInstances: 11, excludedInstancesBy: { otherFilters: 0, automaticFilters: 0, humanLabels: 11, judge: 0 } })).toContain('11 instances of the dataset were left out by the human-label filters.');
	});
	it('shows file, model and filter names exactly as written when the Markdown is rendered (code spans take no backslash escapes)', () => {
		const names = { file: 'alpaca_data_v2.json', odd: 'a `tick` and\nnewline_[x]|y.jsonl', model: 'llama_3|`chat`' };
		const m: CardManifest = { ...manifest, sources: { runs: [3], imports: [{ id: 1, fileName: names.file, format: 'instances' }, { id: 2, fileName: names.odd, format: 'instances' }] } };
		const judge = { model: names.model, runId: 9, method: 'ppi++' as const, populationRows: 100, auditedRows: 20, estimate: 0.6, lower: 0.5, upper: 0.7, confidence: 0.95 };
		const card = datasetCard({ manifest: m, dataPath: 'data/train.jsonl', runs: [{ id: 3, pipeline: 'self-instruct', model: names.model, seeds: 5, target: 10 }], license: 'other', languages: ['en'], agreement: null, methods: [], judge });
		const html = new MarkdownIt().render(card.replace(/^---[\s\S]*?\n---\n/, ''));
		const codes = [...html.matchAll(/<code>([^<]*)<\/code>/g)].map((c) => c[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
		expect(codes).toContain(names.file);
		expect(codes).toContain('a `tick` and newline_[x]|y.jsonl');
		expect(codes.filter((c) => c === names.model).length).toBe(2); // the run's model, and the judge's inside the table
		// The judge's table row is still one row of three cells.
		expect(html).toMatch(/<td[^>]*>Whole dataset, model judge <code>llama_3\|`chat`<\/code> corrected[^<]*<\/td>\s*<td[^>]*>60.0%<\/td>/);
	});
	it('says in words that a CSV file prefixed formula-like cells, and how many', () => {
		const csv = (csvFormulas: 'neutralised' | 'kept', csvNeutralisedCells: number | null) =>
			datasetCard({ manifest: { ...manifest, file: { ...manifest.file, format: 'csv', formatLabel: 'CSV (RFC 4180, UTF-8)' }, options: { csvFormulas } }, csvNeutralisedCells, dataPath: 'data/train.csv', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] });
		expect(csv('neutralised', 67)).toContain("gets a leading apostrophe (\'), so that spreadsheets show it as text: 67 cells of this file have it and are not the text as stored: to read them as data, remove one leading apostrophe only where the next character is =, +, -, @, a tab or a carriage return (a text's own apostrophe, as in \"'Tis\", is written as it is; a number stored as text, such as \"-5\" or \"+3\", is a number to a spreadsheet and is written as it is). JSON Lines and Parquet exports keep the text exactly.");
		expect(csv('neutralised', 0)).toContain('no cell of this file starts that way, so every cell is the text as stored');
		expect(csv('kept', null)).toContain('Every CSV cell is the text as stored');
		expect(datasetCard({ manifest, dataPath: 'data/train.parquet', runs: [], license: 'other', languages: ['en'], agreement: null, methods: [] })).not.toContain('apostrophe');
	});
	it('names Hugging Face size categories', () => {
		expect([999, 1000, 52_445, 2_000_000].map(sizeCategory)).toEqual(['n<1K', '1K<n<10K', '10K<n<100K', '1M<n<10M']);
	});
});
