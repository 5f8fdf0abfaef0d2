import { RATING_KEYS } from '$lib/audits/rubric';
import { headlineFallback, judgeAddsNothingText, judgedLine, tieRangeTexts } from '$lib/judge/wording';
import { CliError, usageError } from '../cli-error';
import { parseCommandArgs, refuseExtraPositionals } from '../args';
import { printJson, printTable, refuseDifferentOutputs } from '../output';
import { resolveAuditRef } from '../audit-ref';
import {
	CATEGORY_LABELS,
	comparisonLabels,
	comparisonDifferenceText,
	comparisonIntervalText,
	comparisonSideText,
	ESTIMATORS,
	ESTIMATOR_LABELS,
	GROUP_LABELS,
	RATE_LABELS,
	coefficient,
	describeBasis,
	headlineNoteText,
	headlineNotes,
	headlineText,
	interval,
	majorityCellText,
	recordCountsText,
	stratumRateText,
	judgementLabel,
	judgeKappaNote,
	percent,
	plural,
	points,
	pointsInterval,
	pValue,
	seconds,
	staleAdjudicationsNote,
	type AuditComparison,
	type Estimate,
	type AuditReport,
	type FilterReport,
	type FilterRate,
	filterRateText,
	type EstimatorKey,
	reportPaperTables,
	methodsText,
	BREAKDOWN_POOLED
} from '$lib/reports';
import { toLatex, toMarkdown, type PaperTable } from '$lib/tables';
import { judgePaperTables } from '$lib/judge/paper-tables';
import { labelsPerItemText } from '$lib/reports/agreement';
import { medianDifferenceText, ratingCountText } from '$lib/reports/rating';
import { UNIDENTIFIED_ERROR_RATES_NOTE, errorRatesText } from '$lib/reports/reviewers';
import { comparisonFigures } from '$lib/reports/figures';
import { conversationRateLines } from '$lib/reports/shapes';
import { auditFigures } from '$lib/server/reports/figures';
import { writeFigureFiles } from '../figures';
import {
	ReportError,
	auditMethods,
	auditReport,
	auditFilterReport,
	compareAudits,
	comparisonCsv,
	datasetFiguresForReport,
	itemVerdicts,
	auditItemsDownload,
	labelsDownload,
	listReportableAudits,
	reportCsv
} from '$lib/server/reports';
import { judgeCalibration, type AnyJudgeAuditCalibration, type JudgeAuditCalibration } from '$lib/server/judge';
import type { KappaInterval } from '$lib/stats/kappa-interval';
import { bradleyTerryIntervalsText } from '$lib/stats/pairwise';
import { judgeModelsText } from '$lib/runs/judge-models';

const USAGE = `Usage: npx instruct-audit report <audit> [options]
       npx instruct-audit report --list

The report of an audit (its id, or its exact name): each data-quality rate by three estimators —
item majority with ties as bounds (Wilson), label level (interval clustered by item) and latent
truth (Dawid–Skene, bootstrap interval) — with the headline the data choose (or --estimator), the
papers' reference numbers, error breakdown, classification split, reviewer agreement and error
rates, A–D ratings per model with paired tests. The same numbers as the report page.

Options:
  --json                 the report as JSON (what the page shows and the JSON download holds)
  --csv                  the report as CSV (one number per row)
  --latex                every table as LaTeX (booktabs; a comment atop each names the
                         packages it needs: booktabs, and graphicx and array for a table
                         set to fit the text width), the dataset's Table 1 first
  --markdown             every table as Markdown (GitHub pipe tables)
  --methods              the methods paragraph (population, sampling, reviewers, estimator,
                         agreement, adjudication) with its references, as plain text
  --figures <dir>        write every chart to <dir> as SVG and PNG (2×), with title, legend,
                         axis labels and a caption stating n and the interval method
                         (refuses to overwrite files there without --force)
  --force                with --figures, overwrite figure files of the same names
  --table <id>           with --latex/--markdown, only this table: dataset, quality, breakdown,
                         split, agreement, ratings, comparisons (rating audits); conversations
                         (conversation audits); pairwise, bradley-terry, position (pairwise);
                         judge, judge-estimate (with --judge and a quality judge run)
  --labels <csv|jsonl>   every reviewer's label instead, one row per label
  --items <csv|jsonl>    each item's final label (adjudicated, majority, or tie) instead
  --compare <audit>      compare with another audit: differences with Newcombe intervals, as
                         text, --json or --csv (with --figures, the comparison's chart as SVG
                         and PNG); --latex, --markdown, --methods, --table, --labels, --items,
                         --filters, --judge and --estimator do not apply to it and are refused
  --filters              the filter report of an audit stratified by filter verdict: per rule
                         the share of its rejected rows reviewers found fully valid, the kept
                         rows' correctness, the run had each rule been off (stratified
                         estimate), and the ROUGE-L threshold sweep 0.5–0.9; written as
                         text or --json, with --confidence; --csv, --latex, --markdown,
                         --methods, --table, --figures, --labels, --items, --estimator and
                         --judge do not apply to it and are refused (its charts are among
                         the report's --figures)
  --estimator <name>     headline estimator: latent, majority, label, or auto (chosen by the
                         data: majority with one reviewer per item; with more, latent truth
                         where the data identify it, else item majority with ties as bounds);
                         default: the audit's choice on the report page, else auto
  --judge <run>          with a judge run over the audit's dataset (see \`judge\`): the judge
                         against the final human labels (agreement, Cohen's κ, confusion,
                         sensitivity/specificity, per question) and the whole-dataset correctness
                         by PPI++ beside the human-only rate (under "judge" in --json); for a
                         rating audit a rating judge (A–D confusion, κ, weighted κ), for a
                         pairwise audit a pairwise judge (3×3 confusion, κ, with/without ties);
                         with --methods, the paragraph also states a quality judge's PPI++ estimate;
                         with --latex/--markdown, the report's tables then a quality judge's
                         calibration and estimate tables; --csv, --figures, --labels and
                         --items do not apply to it and are refused
  --confidence <level>   confidence level of the intervals (default 0.95)
  --list                 list the audits`;

/** An audit by id or name. */
function resolveAudit(ref: string): number {
	return resolveAuditRef(ref, 'npx instruct-audit report --list');
}

function parseConfidence(value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!(n > 0 && n < 1)) throw new CliError(`--confidence must be between 0 and 1, got "${value}".`, 2);
	return n;
}

function parseEstimator(value: string | undefined): EstimatorKey | 'auto' | undefined {
	if (value === undefined) return undefined;
	if (value === 'auto' || (ESTIMATORS as readonly string[]).includes(value)) return value as EstimatorKey | 'auto';
	throw new CliError(`--estimator takes ${[...ESTIMATORS, 'auto'].join(', ')}, got "${value}".`, 2);
}

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(
		argv,
		{
			json: { type: 'boolean' },
			csv: { type: 'boolean' },
			latex: { type: 'boolean' },
			markdown: { type: 'boolean' },
			table: { type: 'string' },
			figures: { type: 'string' },
			force: { type: 'boolean' },
			methods: { type: 'boolean' },
			labels: { type: 'string' },
			items: { type: 'string' },
			compare: { type: 'string' },
			confidence: { type: 'string' },
			estimator: { type: 'string' },
			judge: { type: 'string' },
			list: { type: 'boolean' },
			filters: { type: 'boolean' }
		},
		USAGE
	);
	try {
		if (values.list) {
			refuseExtraPositionals(positionals, 0, USAGE);
			const audits = listReportableAudits();
			if (values.json) return printJson(audits);
			printTable(
				audits.map((a) => ({ id: a.id, name: a.name, kind: a.kind, status: a.status, dataset: a.datasetName, items: a.itemCount, labelled: a.labelledItems, labels: a.labels, adjudicated: a.adjudications })),
				['id', 'name', 'kind', 'status', 'dataset', 'items', 'labelled', 'labels', 'adjudicated']
			);
			return;
		}
		if (!positionals[0]) throw usageError(`Missing the audit.`, USAGE);
		refuseExtraPositionals(positionals, 1, USAGE);
		refuseConflictingOutputs(values);
		refuseWithCompare(values);
		refuseWithFilters(values);
		refuseWithJudge(values);
		const auditId = resolveAudit(positionals[0]);
		const confidence = parseConfidence(values.confidence);
		const estimator = parseEstimator(values.estimator);

		for (const [option, value] of [
			['labels', values.labels],
			['items', values.items]
		] as const) {
			if (value !== undefined && value !== 'csv' && value !== 'jsonl') throw new CliError(`--${option} takes csv or jsonl, got "${value}".`, 2);
		}
		if (values.labels) {
			for (const chunk of labelsDownload(auditId, values.labels as 'csv' | 'jsonl')) process.stdout.write(chunk);
			return;
		}
		if (values.items) {
			for (const chunk of auditItemsDownload(auditId, itemVerdicts(auditId), values.items as 'csv' | 'jsonl')) process.stdout.write(chunk);
			return;
		}
		if (values.filters) {
			const filters = auditFilterReport(auditId, { confidence });
			if (values.json) return printJson(filters);
			return printFilterReport(filters);
		}
		if (values.compare) {
			const comparison = compareAudits(auditId, resolveAudit(values.compare), { confidence });
			if (values.figures !== undefined) return writeFigureFiles(comparisonFigures(comparison), values.figures, `audits-${comparison.first.id}-vs-${comparison.second.id}`, !!values.json, { force: !!values.force });
			if (values.json) return printJson(comparison);
			if (values.csv) return void process.stdout.write(comparisonCsv(comparison));
			return printComparison(comparison);
		}
		const report = auditReport(auditId, { confidence, estimator });
		let judge: AnyJudgeAuditCalibration | null = null;
		if (values.judge !== undefined) {
			const runId = Number(values.judge);
			if (!Number.isInteger(runId) || runId <= 0) throw new CliError(`--judge takes a judge run id, got "${values.judge}".`, 2);
			judge = judgeCalibration(auditId, runId, { confidence });
		}
		if (values.methods) {
			// The methods paragraph has a sentence for a quality judge only: another run is refused, not silently left out.
			if (judge && judge.mode !== 'quality')
				throw new CliError(`--judge with --methods takes a quality judge run only; judge run ${judge.run.id} is a ${judge.mode} run: use the text report or --json for its calibration.`, 2);
			const methods = auditMethods(report, undefined, judge?.mode === 'quality' ? judge : null);
			if (values.json) return printJson(methods);
			return void process.stdout.write(methodsText(methods));
		}
		if (judge) {
			if (values.json) return printJson({ ...report, judge });
			if (values.latex || values.markdown) return printPaperTables(report, values.latex ? 'latex' : 'markdown', values.table, judge);
			printReport(report);
			printJudge(judge);
			return;
		}
		if (values.figures !== undefined) return writeFigureFiles(auditFigures(report), values.figures, `audit-${report.audit.id}`, !!values.json, { force: !!values.force });
		if (values.latex || values.markdown) return printPaperTables(report, values.latex ? 'latex' : 'markdown', values.table);
		if (values.json) return printJson(report);
		if (values.csv) return void process.stdout.write(reportCsv(report));
		printReport(report);
	} catch (err) {
		if (err instanceof ReportError) throw err;
		throw err;
	}
}

/**
 * Each output form writes a different document, so two of them on one command line cannot both be
 * honoured (one was silently ignored). --json combines only with --figures (the files written) and
 * --methods (the paragraph's parts).
 */
function refuseConflictingOutputs(values: { json?: boolean; csv?: boolean; latex?: boolean; markdown?: boolean; labels?: string; items?: string; figures?: string; methods?: boolean }): void {
	refuseDifferentOutputs(values, ['csv', 'latex', 'markdown', 'labels', 'items', 'figures', 'methods'], ['figures', 'methods']);
}

/** What a comparison is not written as, nor computed with: refused rather than dropped (it printed the plain comparison, or only the first audit's rows, and exited 0). */
const NOT_WITH_COMPARE = ['latex', 'markdown', 'methods', 'table', 'labels', 'items', 'filters', 'judge', 'estimator'] as const;

function refuseWithCompare(values: { compare?: string } & Partial<Record<(typeof NOT_WITH_COMPARE)[number], string | boolean>>): void {
	if (values.compare === undefined) return;
	const other = NOT_WITH_COMPARE.find((k) => values[k] !== undefined && values[k] !== false);
	if (other) throw new CliError(`--compare and --${other} cannot go together: a comparison is written as text, --json or --csv, or with --figures as charts.`, 2);
}

/** What the filter report is not written as, nor computed with: refused rather than dropped (it printed the text and exited 0). */
const NOT_WITH_FILTERS = ['csv', 'latex', 'markdown', 'methods', 'table', 'figures', 'labels', 'items', 'estimator', 'judge'] as const;

function refuseWithFilters(values: { filters?: boolean } & Partial<Record<(typeof NOT_WITH_FILTERS)[number], string | boolean>>): void {
	if (!values.filters) return;
	const other = NOT_WITH_FILTERS.find((k) => values[k] !== undefined && values[k] !== false);
	if (other) throw new CliError(`--filters and --${other} cannot go together: the filter report is written as text or --json (with --confidence); its charts are among the report's --figures.`, 2);
}

/** What a report with a judge run is not written as: refused rather than dropped (it printed the text report and exited 0). */
const NOT_WITH_JUDGE = ['csv', 'figures', 'labels', 'items'] as const;

function refuseWithJudge(values: { judge?: string } & Partial<Record<(typeof NOT_WITH_JUDGE)[number], string | boolean>>): void {
	if (values.judge === undefined) return;
	const other = NOT_WITH_JUDGE.find((k) => values[k] !== undefined && values[k] !== false);
	if (other) throw new CliError(`--judge and --${other} cannot go together: the judge's calibration is written as text or --json, and for a quality judge run also in --methods or as tables with --latex / --markdown (--table judge, judge-estimate).`, 2);
}

/** The report's paper tables, then (with a quality judge run) the judge's calibration and estimate tables. */
function printPaperTables(report: AuditReport, format: 'latex' | 'markdown', only: string | undefined, judge: AnyJudgeAuditCalibration | null = null): void {
	if (judge && judge.mode !== 'quality') throw new CliError(`--judge with --${format} gives tables for a quality judge run only; judge run ${judge.run.id} is a ${judge.mode} run: use the text report or --json.`, 2);
	const tables: { id: string; table: PaperTable }[] = [
		...reportPaperTables(report, datasetFiguresForReport(report.audit)),
		...(judge ? judgePaperTables({ ...judge, modelText: judgeModelsText(judge.run.model, judge.run.models).text }) : [])
	];
	const chosen = only === undefined ? tables : tables.filter((t) => t.id === only);
	if (!chosen.length) throw new CliError(`--table takes ${tables.map((t) => t.id).join(', ')} for this audit, got "${only}".`, 2);
	const write = format === 'latex' ? toLatex : toMarkdown;
	process.stdout.write(chosen.map((t) => write(t.table)).join('\n'));
}

function printFilterReport(report: FilterReport & { warning: string | null }): void {
	const ci = (r: { lower: number; upper: number }) => `${percent(r.lower)}–${percent(r.upper)}`;
	const rate = (r: FilterRate) => `${filterRateText(r)} (${ci(r)}${r.ties && r.low !== null ? `; ${r.ties} tied counted as no and as yes` : ''})`;
	if (report.warning) console.log(`Note: ${report.warning}`);
	heading('Strata');
	printTable(
		report.strata.map((s) => ({
			stratum: s.label,
			rows: s.population,
			drawn: s.size,
			judged: s.judged,
			'fully valid': `${s.tied ? `${s.valid}–${s.valid + s.tied}` : s.valid} (${filterRateText(s)}, ${ci(s)})`,
			tied: s.tied
		}))
	);
	heading('Had each rule been off');
	if (report.kept) console.log(`Filters as applied: ${report.keptRows} rows, ${rate(report.kept)} fully valid`);
	printTable(
		report.rules.map((r) => ({
			rule: r.label,
			'wrongly removed': rate(r),
			rows: `${r.ifOff.rows} (${percent(r.ifOff.yieldShare)} of ${report.population})`,
			correctness: rate(r.ifOff.correctness)
		}))
	);
	heading('ROUGE-L threshold sweep');
	if (!report.sweep.available) console.log(report.sweep.reason);
	else
		printTable(
			report.sweep.points.map((p) => ({
				threshold: `${p.threshold}${p.applied ? ' (applied)' : ''}`,
				rows: p.rows,
				instructions: p.instructions,
				judged: p.judged,
				correctness: rate(p.correctness)
			}))
		);
	console.log(`\n${report.method}`);
}

function heading(text: string): void {
	console.log(`\n${text}\n${'='.repeat(text.length)}`);
}

function printReport(report: AuditReport): void {
	const a = report.audit;
	const level = `${Math.round(report.confidence * 1000) / 10}%`;
	console.log(`${{ quality: 'Data-quality', rating: 'Response-rating', conversation: 'Conversation', pairwise: 'Pairwise preference' }[a.kind]} report of "${a.name}" (audit ${a.id}, dataset "${a.datasetName}", ${a.status})`);
	console.log(describeBasis(report));
	const stale = staleAdjudicationsNote(report);
	if (stale) console.log(`Note: ${stale}`);
	const p = report.progress;
	console.log(
		`Progress: ${p.labelledItems} of ${plural(p.items, 'item')} labelled, ${p.completeItems} with all ${a.overlap} labels; ${plural(p.labels, 'label')}, ${plural(p.skips, 'skip')}, ${plural(p.reviewers, 'reviewer')}${report.disagreements === null ? '' : `; reviewers disagree on ${plural(report.disagreements, 'item')}, ${report.basis.adjudicated} adjudicated`}.`
	);

	const pc = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
	if (report.conversation) {
		heading('Correct conversations and replies');
		const c = report.conversation;
		for (const line of conversationRateLines(c)) console.log(line);
		for (const [what, a] of [['on each conversation as a whole', c.agreement], ['on each reply', c.replyAgreement]] as const) {
			if (a) console.log(`Agreement ${what}: ${a.percent.items ? `${pc(a.percent.value)} (${a.percent.items} ${a === c.agreement ? 'conversations' : 'replies'} judged at least twice), ${a.kappa.method === 'cohen' ? "Cohen's" : "Fleiss'"} κ = ${a.kappa.value === null ? '—' : a.kappa.value.toFixed(3)}` : 'not measured yet'}`);
		}
	}
	if (report.pairwise) {
		heading('Pairwise preferences');
		const w = report.pairwise;
		console.log(`${w.comparisons} comparisons, ${w.bothBad} both bad (left out).`);
		for (const r of w.records)
			console.log(
				`${r.first} vs ${r.second}: ${recordCountsText(r)}; win rate ${pc(r.winRate.proportion)} [${pc(r.winRate.lower)}, ${pc(r.winRate.upper)}] (ties count as not won); ` +
					`among decided ${pc(r.decisiveWinRate.proportion)} [${pc(r.decisiveWinRate.lower)}, ${pc(r.decisiveWinRate.upper)}] (ties left out)`
			);
		const bt = w.bradleyTerry;
		if (bt && !bt.identifiable) console.log(`Bradley–Terry strengths: no fit. ${bt.problem ?? ''}`.trimEnd());
		else if (bt) {
			for (const m of bt.models) console.log(`#${m.rank} ${m.model}: strength ${m.strength?.toFixed(2) ?? '—'}${m.lower !== null && m.upper !== null ? ` [${m.lower.toFixed(2)}, ${m.upper.toFixed(2)}]` : ''}`);
			console.log(`(Bradley–Terry: ${bradleyTerryIntervalsText(bt, 'items')}.)`);
		}
		if (w.positionUntested) console.log(w.positionUntested);
		for (const b of w.positionBias) {
			const name = report.reviewers.find((r) => r.reviewerId === b.reviewerId)?.name ?? `reviewer ${b.reviewerId}`;
			console.log(`${name} chose the response shown first (left) ${b.choseFirst} of ${b.decided} times (${pc(b.share)}, binomial p ${b.pValue < 0.001 ? '< 0.001' : `= ${b.pValue.toFixed(3)}`})${b.flagged ? ': far from 50%, possible position bias' : ''}`);
		}
	}
	if (report.quality) {
		for (const g of report.quality.groups) {
			heading(`${GROUP_LABELS[g.key]}: ${plural(g.items, 'item')}`);
			printTable(
				g.rates.map((r) => ({
					question: RATE_LABELS[r.key],
					headline: headlineText(r.headline),
					n: r.headline.n,
					[ESTIMATOR_LABELS.majority]: majorityCellText(r.majority),
					[ESTIMATOR_LABELS.label]: `${percent(r.label.proportion)} ${r.label.labels ? interval(r.label.lower, r.label.upper) : ''} (${r.label.yes}/${r.label.labels} labels)`,
					[ESTIMATOR_LABELS.latent]: r.latent.status === 'ok' ? `${percent(r.latent.proportion)} ${interval(r.latent.lower, r.latent.upper)} (n = ${r.latent.n}${r.latent.identified ? '' : '; not identified'})` : `— (${r.latent.status})`,
					// The papers give no per-group figures.
					...(g.key === 'all' ? { 'Self-Instruct': percent(r.reference, 0) } : {})
				}))
			);
			if (g.key === 'all') {
				const notes = headlineNotes(g.rates);
				for (const note of notes) console.log(headlineNoteText(note, notes.length === 1));
				for (const r of g.rates) if (r.latent.reason) console.log(`${RATE_LABELS[r.key]}, latent truth${r.latent.status === 'ok' && !r.latent.identified ? ' (not identified)' : ''}: ${r.latent.reason}`);
				// The strata a weighted headline weighs, each with its own rate: what the weights act on.
				const strata = g.rates.some((r) => r.headline.weighted) ? g.rates.find((r) => r.weighted)?.weighted?.strata : undefined;
				if (strata) {
					console.log('');
					printTable(
						strata.map((h, i) => ({
							stratum: h.label,
							'rows in the dataset': h.rows,
							...Object.fromEntries(g.rates.map((r) => [RATE_LABELS[r.key], r.weighted ? `${stratumRateText(r.weighted.strata[i])} (n = ${r.weighted.strata[i].items})` : '—']))
						}))
					);
				}
			}
			console.log('');
			printTable(
				g.breakdown.map((r) => ({
					verdict: CATEGORY_LABELS[r.key],
					count: r.count,
					share: percent(r.proportion),
					[`${level} CI`]: interval(r.lower, r.upper),
					'of incorrect': percent(r.shareOfIncorrect),
					...(g.key === 'all' ? { Unnatural: r.reference ? `${r.reference.count}/200 (${percent(r.reference.share)})` : '' } : {})
				}))
			);
			if (g.key === 'all' && g.rates.some((r) => r.headline.weighted)) console.log(BREAKDOWN_POOLED);
		}
		if (report.quality.agreement) {
			heading('Reviewer agreement');
			printAgreement(report.quality.agreement);
		}
		if (report.quality.ties.length) {
			heading('Tied items (counted both ways in the majority bounds; adjudicate them to settle them)');
			printTable(report.quality.ties.map((t) => ({ item: t.itemId, '#': t.position + 1, task: t.taskId, labels: t.labels, tied: t.judgements.map(judgementLabel).join(', ') })));
		}
	}

	if (report.rating) {
		heading('Ratings per model');
		printTable(
			report.rating.models.map((m) => ({
				model: m.model,
				...Object.fromEntries(RATING_KEYS.map((l) => [l, `${ratingCountText(m.counts[l])} (${percent(m.shares[l])})`])),
				n: m.n,
				'A or B': percent(m.aOrB.proportion),
				[`${level} CI`]: m.aOrB.trials ? interval(m.aOrB.lower, m.aOrB.upper) : '—',
				'reviewers differ': m.disagreements,
				unrated: m.unrated,
				adjudicated: m.adjudicated
			}))
		);
		if (report.rating.comparisons.length) {
			heading('Paired comparisons (same tasks)');
			printTable(
				report.rating.comparisons.map((c) => ({
					models: `${c.first} vs ${c.second}`,
					pairs: c.pairs,
					'not rated by both': c.notRatedByBoth,
					'first better': c.firstBetter,
					'second better': c.secondBetter,
					same: c.same,
					'median diff': medianDifferenceText(c.medianDifference),
					'Wilcoxon V': c.wilcoxon.statistic,
					'Wilcoxon p': pValue(c.wilcoxon.pValue),
					'sign p': pValue(c.sign.pValue),
					...(c.family > 1 ? { 'Wilcoxon p (Holm)': pValue(c.wilcoxon.holmPValue), 'sign p (Holm)': pValue(c.sign.holmPValue) } : {})
				}))
			);
			const family = report.rating.comparisons[0].family;
			if (family > 1) console.log(`p: two-sided, unadjusted; (Holm): adjusted by Holm's method over the ${family} comparisons.`);
		}
		if (report.rating.agreement) {
			heading('Reviewer agreement');
			printAgreement(report.rating.agreement);
		}
		if (report.rating.ties.length) {
			heading('Tied responses');
			printTable(report.rating.ties.map((t) => ({ item: t.itemId, '#': t.position + 1, task: t.taskId, labels: t.labels, models: t.judgements.join(', ') })));
		}
	}

	if (report.qualification) {
		const q = report.qualification;
		heading(`Qualification: first ${q.items} items gold, labels count from ${percent(q.accuracy, 0)} accuracy`);
		printTable(
			q.reviewers.map((r) => ({
				reviewer: r.name,
				state: r.state,
				'gold labelled': `${r.labelled}/${q.items}`,
				accuracy: r.accuracy === null ? '—' : `${percent(r.accuracy)} (${r.correct}/${r.total})`,
				'labels not counted': r.excludedLabels
			}))
		);
	}

	heading('Reviewers');
	printTable(
		report.reviewers.map((r) => ({
			reviewer: r.removed ? `${r.name} (removed${r.setAsideLabels ? `, ${plural(r.setAsideLabels, 'label')} set aside` : ''})` : r.name,
			items: r.items,
			gold: r.goldItems,
			skips: r.skips,
			'median active': seconds(r.medianActiveSeconds),
			'median shown→submitted': seconds(r.medianSeconds),
			agreement: r.agreement.value === null ? '—' : `${percent(r.agreement.value)} (${r.agreement.pairs} pairs)`,
			...(r.replyAgreement ? { 'agreement per reply': r.replyAgreement.value === null ? '—' : `${percent(r.replyAgreement.value)} (${r.replyAgreement.pairs} pairs)` } : {}),
			'gold accuracy': r.gold ? `${percent(r.gold.proportion)} (${r.gold.successes}/${r.gold.trials})` : '—',
			...(report.quality
				? {
						'sens/spec (all valid)': errorRatesText(r.errorRates.allValid),
						flag: r.looksRandom.length ? `looks random on ${r.looksRandom.map(judgementLabel).join(', ')}` : ''
					}
				: {})
		}))
	);
	if (report.quality && report.reviewers.some((r) => r.errorRates.allValid && !r.errorRates.allValid.identified)) {
		console.log(UNIDENTIFIED_ERROR_RATES_NOTE);
	}
}

function printAgreement(rows: NonNullable<NonNullable<AuditReport['quality']>['agreement']>): void {
	printTable(
		rows.map((r) => ({
			judgement: judgementLabel(r.key),
			'% agreement': `${percent(r.percent.value)} (n = ${r.percent.items})`,
			kappa: `${r.kappa.method === 'cohen' ? "Cohen's" : "Fleiss'"} ${coefficient(r.kappa.value)} (n = ${r.kappa.items}, ${labelsPerItemText(r.kappa)})`,
			alpha: `${r.alpha.level} ${coefficient(r.alpha.value)} (n = ${r.alpha.n})`
		}))
	);
}

function sideText(low: Estimate, high?: Estimate): string {
	const side = comparisonSideText(low, high);
	return `${side.rate} (${side.counts})`;
}

function printComparison(c: AuditComparison): void {
	console.log(`Comparing "${c.first.name}" (audit ${c.first.id}) with "${c.second.name}" (audit ${c.second.id}); differences first − second.`);
	const level = `${Math.round(c.confidence * 1000) / 10}%`;
	printTable(
		c.rows.map((r) => ({
			group: comparisonLabels(r).group,
			rate: comparisonLabels(r).rate,
			first: sideText(r.first, r.firstHigh),
			second: sideText(r.second, r.secondHigh),
			difference: comparisonDifferenceText(r),
			[`${level} CI`]: comparisonIntervalText(r)
		}))
	);
	if (c.rows.some((r) => r.note)) console.log('Rates with tied items count the ties both ways (item majority, ties as bounds); the interval spans both.');
	for (const note of c.notes) console.log(note);
}

function kappaText(k: KappaInterval): string {
	const note = judgeKappaNote(k);
	if (k.kappa === null) return note ? `— (${note})` : '—';
	return `${coefficient(k.kappa)} ${k.lower === null ? '' : `[${coefficient(k.lower)}, ${coefficient(k.upper)}]`}`;
}

function printMatrix(labels: readonly string[], confusion: number[][]): void {
	printTable(confusion.map((row, i) => ({ 'judge \\ human': labels[i], ...Object.fromEntries(labels.map((l, j) => [l, row[j]])) })));
}

function printJudge(j: AnyJudgeAuditCalibration): void {
	if (j.mode === 'quality') return printQualityJudge(j);
	heading(`Judge run ${j.run.id} (${judgeModelsText(j.run.model, j.run.models).text}, ${j.mode}) against the final human labels`);
	if (j.mode === 'rating') {
		const c = j.calibration;
		console.log(`${judgedLine(j.judgedResponses, j.responses, j.unreadableResponses, 'responses', 'rating')}; ${j.decidedResponses} with a decided final rating; ${c.pairs} compared (${c.judgeMissing} left out without a readable judge rating).`);
		console.log(`Exact agreement ${percent(c.exactAgreement.proportion)} ${interval(c.exactAgreement.lower, c.exactAgreement.upper)}; within one level ${percent(c.adjacentAgreement.proportion)} ${interval(c.adjacentAgreement.lower, c.adjacentAgreement.upper)}.`);
		console.log(`Cohen's κ ${kappaText(c.kappaInterval)}; quadratic-weighted κ ${c.weightedKappa.kappa === null ? '—' : coefficient(c.weightedKappa.kappa)}; "A or B" agreement ${percent(c.acceptable.agreement.proportion)}.`);
		printMatrix(['A', 'B', 'C', 'D'], c.confusion);
		if (j.byModel.length > 1)
			printTable(j.byModel.map((m) => ({ model: m.model, pairs: m.calibration.pairs, exact: percent(m.calibration.exactAgreement.proportion), kappa: kappaText(m.calibration.kappaInterval) })));
	} else {
		const c = j.calibration;
		console.log(`${judgedLine(j.judgedPairs, j.pairs, j.unreadablePairs, 'pairs', 'verdict')}; ${j.decidedPairs} with a decided human verdict; ${c.pairs} compared (${c.judgeMissing} left out without a readable judge verdict).`);
		console.log(`Agreement with ties ${percent(c.agreementWithTies.proportion)} ${interval(c.agreementWithTies.lower, c.agreementWithTies.upper)}; without ties ${percent(c.agreementWithoutTies.proportion)} over ${c.pairsWithoutTies} pairs; Cohen's κ ${kappaText(c.kappaInterval)}.`);
		console.log(`The judge's two orders disagreed on ${j.judgeTally.inconsistent} of ${j.judgeTally.pairs} pairs (recorded as ties; ${j.judgeTally.favouredShownFirst} favoured the response shown first).`);
		printMatrix(['first', 'second', 'tie'], c.confusion);
	}
	for (const c of j.caveats) console.log(`Note: ${c}`);
}

function printQualityJudge(j: JudgeAuditCalibration): void {
	heading(`Judge run ${j.run.id} (${judgeModelsText(j.run.model, j.run.models).text}) against the final human labels`);
	console.log(`${judgedLine(j.judgedItems, j.items, j.unreadableItems, 'items', 'verdict')}; ${j.decidedItems} with a decided final label.`);
	const rows = (['instruction', 'input', 'output', 'allValid'] as const).map((key) => {
		const c = j.calibration[key];
		const k = c.kappaInterval;
		return {
			question: key === 'allValid' ? 'all valid' : key,
			pairs: c.pairs,
			agreement: `${percent(c.agreement.proportion)} ${interval(c.agreement.lower, c.agreement.upper)}`,
			kappa: kappaText(k),
			'TP/FN/FP/TN': `${c.confusion.truePositives}/${c.confusion.falseNegatives}/${c.confusion.falsePositives}/${c.confusion.trueNegatives}`,
			sensitivity: percent(c.sensitivity.proportion),
			specificity: percent(c.specificity.proportion),
			'judge missing': c.judgeMissing
		};
	});
	printTable(rows);
	heading('Whole-dataset correctness (all three questions yes)');
	if (!j.estimate) {
		console.log(j.estimateNote ?? 'No estimate.');
		return;
	}
	const e = j.estimate;
	const tr = j.tieRange;
	const fallback = headlineFallback(e, tr);
	const over = `over ${e.populationRows} ${e.design === 'rows' ? 'rows' : 'tasks'}`;
	const worth = `judge rate ${percent(e.judgeRate)}, λ = ${coefficient(e.lambda)}, worth ${e.effectiveSampleSize === null ? '—' : Math.round(e.effectiveSampleSize)} human labels`;
	const name = fallback ? 'The audit alone (the judge adds nothing)' : 'PPI++';
	if (tr) {
		// The headline as the page, the methods and the manifest give it: the tied items counted as "no" and as "yes".
		const ranges = tieRangeTexts(tr);
		console.log(`${name}: ${ranges.ppi} ${over}, the ${plural(tr.tiedItems, 'tied item')} counted as "no" and as "yes"; audit only ${ranges.human}.`);
		console.log(`With the tied items left out: ${e.fallback ? 'the audit alone' : 'PPI++'} ${percent(e.estimate)} ${interval(e.lower, e.upper)} (${worth}); audit only ${percent(e.humanOnly.proportion)} ${interval(e.humanOnly.lower, e.humanOnly.upper)} over ${e.auditedRows} audited.`);
	} else {
		console.log(`${name}: ${percent(e.estimate)} ${interval(e.lower, e.upper)} ${over} (${worth})`);
		console.log(`Audit only (same interval form): ${percent(e.humanOnly.proportion)} ${interval(e.humanOnly.lower, e.humanOnly.upper)} over ${e.auditedRows} audited.`);
	}
	if (fallback && fallback !== 'no-audit') console.log(`The judge adds nothing here: ${judgeAddsNothingText(fallback)}.`);
	console.log(e.description);
	for (const c of j.caveats) console.log(`Note: ${c}`);
}
