import { CliError } from '../cli-error';
import { parseCommandArgs } from '../args';
import { printJson, printTable } from '../output';
import {
	CATEGORY_LABELS,
	GROUP_LABELS,
	RATE_LABELS,
	RATING_SCALE,
	coefficient,
	describeBasis,
	interval,
	judgementLabel,
	percent,
	plural,
	points,
	pointsInterval,
	pValue,
	seconds,
	type AuditComparison,
	type AuditReport
} from '$lib/reports';
import {
	ReportError,
	auditReport,
	compareAudits,
	comparisonCsv,
	itemVerdicts,
	labelRecords,
	labelsCsv,
	labelsJsonl,
	listReportableAudits,
	loadAudit,
	reportCsv,
	verdictsCsv
} from '$lib/server/reports';

const USAGE = `Usage: npm run cli -- report <audit> [options]
       npm run cli -- report --list

The report of an audit (its id, or its exact name): data-quality rates with Wilson intervals and
the papers' reference numbers, error breakdown, classification split, reviewer agreement, A–D
ratings per model with paired tests, reviewers. The same numbers as the report page.

Options:
  --json                 the report as JSON (what the page shows and the JSON download holds)
  --csv                  the report as CSV (one number per row)
  --labels <csv|jsonl>   every reviewer's label instead, one row per label
  --items <csv|jsonl>    each item's final label (adjudicated, majority, or tie) instead
  --compare <audit>      compare with another audit: differences with Newcombe intervals
  --confidence <level>   confidence level of the intervals (default 0.95)
  --list                 list the audits`;

function resolveAudit(ref: string): number {
	if (/^\d+$/.test(ref)) return Number(ref);
	const matches = listReportableAudits().filter((a) => a.name === ref);
	if (matches.length === 1) return matches[0].id;
	if (matches.length > 1) throw new CliError(`Several audits are named "${ref}"; use the id (${matches.map((m) => m.id).join(', ')}).`);
	throw new CliError(`No audit "${ref}". List them with: npm run cli -- report --list`);
}

function parseConfidence(value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!(n > 0 && n < 1)) throw new CliError(`--confidence must be between 0 and 1, got "${value}".`, 2);
	return n;
}

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(
		argv,
		{
			json: { type: 'boolean' },
			csv: { type: 'boolean' },
			labels: { type: 'string' },
			items: { type: 'string' },
			compare: { type: 'string' },
			confidence: { type: 'string' },
			list: { type: 'boolean' }
		},
		USAGE
	);
	try {
		if (values.list) {
			const audits = listReportableAudits();
			if (values.json) return printJson(audits);
			printTable(
				audits.map((a) => ({ id: a.id, name: a.name, kind: a.kind, status: a.status, dataset: a.datasetName, items: a.itemCount, labelled: a.labelledItems, labels: a.labels, adjudicated: a.adjudications })),
				['id', 'name', 'kind', 'status', 'dataset', 'items', 'labelled', 'labels', 'adjudicated']
			);
			return;
		}
		if (!positionals[0]) throw new CliError(`Missing the audit.\n\n${USAGE}`, 2);
		const auditId = resolveAudit(positionals[0]);
		const confidence = parseConfidence(values.confidence);

		for (const [option, value] of [
			['labels', values.labels],
			['items', values.items]
		] as const) {
			if (value !== undefined && value !== 'csv' && value !== 'jsonl') throw new CliError(`--${option} takes csv or jsonl, got "${value}".`, 2);
		}
		if (values.labels) {
			const records = labelRecords(auditId);
			process.stdout.write(values.labels === 'csv' ? labelsCsv(records, loadAudit(auditId).models) : labelsJsonl(records));
			return;
		}
		if (values.items) {
			const verdicts = itemVerdicts(auditId);
			process.stdout.write(values.items === 'csv' ? verdictsCsv(verdicts, loadAudit(auditId).models) : verdicts.map((v) => JSON.stringify(v)).join('\n') + (verdicts.length ? '\n' : ''));
			return;
		}
		if (values.compare) {
			const comparison = compareAudits(auditId, resolveAudit(values.compare), { confidence });
			if (values.json) return printJson(comparison);
			if (values.csv) return void process.stdout.write(comparisonCsv(comparison));
			return printComparison(comparison);
		}
		const report = auditReport(auditId, { confidence });
		if (values.json) return printJson(report);
		if (values.csv) return void process.stdout.write(reportCsv(report));
		printReport(report);
	} catch (err) {
		if (err instanceof ReportError) throw new CliError(err.message);
		throw err;
	}
}

function heading(text: string): void {
	console.log(`\n${text}\n${'='.repeat(text.length)}`);
}

function printReport(report: AuditReport): void {
	const a = report.audit;
	const level = `${Math.round(report.confidence * 1000) / 10}%`;
	console.log(`${a.kind === 'quality' ? 'Data-quality' : 'Response-rating'} report of "${a.name}" (audit ${a.id}, dataset "${a.datasetName}", ${a.status})`);
	console.log(describeBasis(report));
	const p = report.progress;
	console.log(
		`Progress: ${p.labelledItems} of ${plural(p.items, 'item')} labelled, ${p.completeItems} with all ${a.overlap} labels; ${plural(p.labels, 'label')}, ${plural(p.skips, 'skip')}, ${plural(p.reviewers, 'reviewer')}; reviewers disagree on ${plural(report.disagreements, 'item')}, ${report.basis.adjudicated} adjudicated.`
	);

	if (report.quality) {
		for (const g of report.quality.groups) {
			heading(`${GROUP_LABELS[g.key]}: ${g.items} items`);
			printTable(
				g.rates.map((r) => ({
					question: RATE_LABELS[r.key],
					yes: r.yes,
					n: r.trials,
					share: percent(r.proportion),
					[`${level} CI`]: interval(r.lower, r.upper),
					ties: r.ties,
					// The papers give no per-group figures.
					...(g.key === 'all' ? { 'Self-Instruct': percent(r.reference, 0) } : {})
				}))
			);
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
		}
		if (report.quality.agreement) {
			heading('Reviewer agreement');
			printAgreement(report.quality.agreement);
		}
		if (report.quality.ties.length) {
			heading('Tied items (left out where they tie; adjudicate them to count them)');
			printTable(report.quality.ties.map((t) => ({ item: t.itemId, '#': t.position + 1, task: t.taskId, labels: t.labels, tied: t.judgements.map(judgementLabel).join(', ') })));
		}
	}

	if (report.rating) {
		heading('Ratings per model');
		printTable(
			report.rating.models.map((m) => ({
				model: m.model,
				...Object.fromEntries(RATING_SCALE.map((l) => [l, `${m.counts[l]} (${percent(m.shares[l], 0)})`])),
				n: m.n,
				'A or B': percent(m.aOrB.proportion),
				[`${level} CI`]: interval(m.aOrB.lower, m.aOrB.upper),
				ties: m.ties,
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
					'first better': c.firstBetter,
					'second better': c.secondBetter,
					same: c.same,
					'median diff': c.medianDifference ?? '—',
					'Wilcoxon V': c.wilcoxon.statistic,
					'Wilcoxon p': pValue(c.wilcoxon.pValue),
					'sign p': pValue(c.sign.pValue)
				}))
			);
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

	heading('Reviewers');
	printTable(
		report.reviewers.map((r) => ({
			reviewer: r.name,
			items: r.items,
			gold: r.goldItems,
			skips: r.skips,
			'median time': seconds(r.medianSeconds),
			agreement: r.agreement.value === null ? '—' : `${percent(r.agreement.value)} (${r.agreement.pairs} pairs)`,
			'gold accuracy': r.gold ? `${percent(r.gold.proportion)} (${r.gold.successes}/${r.gold.trials})` : '—'
		}))
	);
}

function printAgreement(rows: NonNullable<NonNullable<AuditReport['quality']>['agreement']>): void {
	printTable(
		rows.map((r) => ({
			judgement: judgementLabel(r.key),
			'% agreement': `${percent(r.percent.value)} (n = ${r.percent.items})`,
			kappa: `${r.kappa.method === 'cohen' ? "Cohen's" : "Fleiss'"} ${coefficient(r.kappa.value)} (n = ${r.kappa.items})`,
			alpha: `${r.alpha.level} ${coefficient(r.alpha.value)} (n = ${r.alpha.n})`
		}))
	);
}

function printComparison(c: AuditComparison): void {
	console.log(`Comparing "${c.first.name}" (audit ${c.first.id}) with "${c.second.name}" (audit ${c.second.id}); differences first − second.`);
	const level = `${Math.round(c.confidence * 1000) / 10}%`;
	printTable(
		c.rows.map((r) => ({
			group: r.section === 'model' ? r.group : GROUP_LABELS[r.group as keyof typeof GROUP_LABELS],
			rate: r.section === 'rate' ? RATE_LABELS[r.key as keyof typeof RATE_LABELS] : r.section === 'breakdown' ? CATEGORY_LABELS[r.key as keyof typeof CATEGORY_LABELS] : r.key === 'aOrB' ? 'A or B' : r.key,
			first: `${percent(r.first.proportion)} (${r.first.successes}/${r.first.trials})`,
			second: `${percent(r.second.proportion)} (${r.second.successes}/${r.second.trials})`,
			difference: points(r.difference),
			[`${level} CI`]: r.difference === null ? '—' : pointsInterval(r.lower, r.upper)
		}))
	);
}
