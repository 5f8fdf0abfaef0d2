import { canWriteImportedFields } from '$lib/formats/serialize';

/**
 * What the export page's form describes, as rune state, and what follows from it: the `where`
 * clauses (the CLI's --where grammar), the query strings of the count and download endpoints,
 * and the equivalent CLI command.
 */
export class ExportSettings {
	datasetId = $state('');
	format = $state('jsonl');
	template = $state('self-instruct');
	system = $state('');
	chatInput = $state('labelled');
	kept = $state('');
	classification = $state('');
	run = $state('');
	origin = $state('');
	input = $state('');
	responses = $state('');
	reformulations = $state(false);
	/** csv: keep formula-like cells as stored instead of neutralising them. */
	csvKeepFormulas = $state(false);
	/** jsonl, alpaca-json: write each row's imported fields (its id and other fields) back. */
	importedFields = $state(false);
	audit = $state('');
	allYes = $state(false);
	agreed = $state(false);
	audited = $state('');
	/** Kept by the filters and not rejected by people (audited rows whose final label says not all valid dropped). */
	notRejected = $state(false);
	rating = $state('');
	/** Model as judge: the judge run (its estimate and precision), and "judge says all valid". */
	judgeRun = $state('');
	judgeValid = $state(false);

	constructor(datasetId: string) {
		this.datasetId = datasetId;
	}

	/** Choices that belong to one dataset (its runs, audits, models) are cleared when it changes. */
	resetDatasetChoices(): void {
		this.run = '';
		this.audit = '';
		this.responses = '';
		this.rating = '';
		this.judgeRun = '';
		this.judgeValid = false;
	}

	readonly where = $derived.by(() => {
		const w: string[] = [];
		if (this.kept) w.push(this.kept === 'yes' ? 'kept' : 'kept=no');
		if (this.classification) w.push(`classification=${this.classification}`);
		if (this.run) w.push(`run=${this.run}`);
		if (this.origin) w.push(`origin=${this.origin}`);
		if (this.input) w.push(`input=${this.input}`);
		if (this.audit) w.push(`audit=${this.audit}`);
		if (this.allYes) w.push('all-yes');
		if (this.rating && this.responses) w.push(`rating=${this.rating}`);
		if (this.agreed) w.push('agreed');
		if (this.audited) w.push(`audited=${this.audited}`);
		if (this.notRejected) w.push('not-rejected');
		if (this.judgeRun) w.push(`judge-run=${this.judgeRun}`);
		if (this.judgeRun && this.judgeValid && !this.responses) w.push('judge-valid');
		return w;
	});

	/** What selects the rows: all the live count needs. */
	readonly selectionQuery = $derived.by(() => {
		const p = new URLSearchParams({ dataset: this.datasetId });
		for (const w of this.where) p.append('where', w);
		if (this.responses) p.set('responses', this.responses);
		if (this.reformulations && !this.responses) p.set('reformulations', '1');
		return p.toString();
	});

	/** Whether the export writes the imported fields: asked for, in a format that can, of the instances' own outputs. */
	readonly writesImportedFields = $derived(this.importedFields && !this.responses && canWriteImportedFields(this.format));

	readonly exportQuery = $derived.by(() => {
		const p = new URLSearchParams(this.selectionQuery);
		p.set('format', this.format);
		if (this.format === 'prompt-completion') p.set('template', this.template);
		if (this.format === 'csv' && this.csvKeepFormulas) p.set('csvFormulas', 'keep');
		if (this.writesImportedFields) p.set('importedFields', '1');
		if (this.format === 'openai-chat') {
			if (this.system.trim()) p.set('system', this.system);
			p.set('chatInput', this.chatInput);
		}
		return p.toString();
	});

	cliCommand(datasetName: string): string {
		const q = (s: string) => (/^[\w./=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
		const extension = this.format === 'alpaca-json' ? 'json' : this.format === 'csv' || this.format === 'parquet' ? this.format : 'jsonl';
		return [
			'npx instruct-audit export',
			q(datasetName),
			`--format ${this.format}`,
			...this.where.map((w) => `--where ${q(w)}`),
			this.responses ? `--responses ${q(this.responses)}` : '',
			this.reformulations && !this.responses ? '--reformulations' : '',
			this.format === 'prompt-completion' ? `--template ${this.template}` : '',
			this.format === 'csv' && this.csvKeepFormulas ? '--csv-keep-formulas' : '',
			this.writesImportedFields ? '--imported-fields' : '',
			this.format === 'openai-chat' && this.system.trim() ? `--system ${q(this.system)}` : '',
			this.format === 'openai-chat' && this.chatInput !== 'labelled' ? `--chat-input ${this.chatInput}` : '',
			`--out export.${extension}`
		]
			.filter(Boolean)
			.join(' ');
	}
}
