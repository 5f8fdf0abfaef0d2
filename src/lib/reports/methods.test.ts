import { describe, expect, it } from 'vitest';
import { syntheticQualityInput, syntheticRatingInput } from './fixtures/synthetic-audit';
import { REFERENCES, methodsParagraph, methodsText, type MethodsFacts, type MethodsJudge } from './methods';
import { buildAuditReport } from './report';
import { automaticText, describeBasis, headlineText } from './format';
import { testerAudit } from './fixtures/tester-latent-audits';
import { SeededRandom } from '../audits/random';
import { conversationReport, pairwiseReport, type ConversationLabel, type PairwiseLabel } from './shapes';

const facts: MethodsFacts = {
	frame: { units: 5000, choices: 5000, filtered: true },
	instanceMode: 'one',
	stratify: 'none',
	includeRejected: false,
	blind: true,
	guidelineWords: 120,
	goldRate: 0
};

describe('methodsParagraph', () => {
	it('says what reviewers did in pairwise and conversation audits, not the rating audit\'s scale of each model\'s response', () => {
		const base = buildAuditReport(syntheticRatingInput(20), { replicates: 20 });
		const pairwise = methodsParagraph({ ...base, audit: { ...base.audit, kind: 'pairwise' }, rating: null }, facts).paragraph;
		expect(pairwise).toContain('chose the better one, "about the same", or "both bad"');
		expect(pairwise).toContain('Bradley–Terry');
		expect(pairwise).not.toContain("rated each model's response");
		const conversation = (unit: 'turn' | 'conversation') =>
			methodsParagraph(
				{ ...base, audit: { ...base.audit, kind: 'conversation' }, rating: null, conversation: conversationReport([], 0.95, unit) },
				facts
			).paragraph;
		expect(conversation('turn')).toContain('Reviewers judged each assistant reply in turn');
		expect(conversation('conversation')).toContain('Reviewers judged each conversation as a whole');
		expect(conversation('turn')).not.toContain("rated each model's response");
		// The line above the figures says what they count, too.
		expect(describeBasis({ ...base, audit: { ...base.audit, kind: 'pairwise' } })).toMatch(/^Every reviewer's choice counts as one comparison/);
		expect(describeBasis({ ...base, audit: { ...base.audit, kind: 'conversation' } })).not.toContain("Each item's label is the majority");
	});

	it('says tied ratings share their responses among the tied letters, not leave them out (a rating report has no majority bounds)', () => {
		const base = buildAuditReport(syntheticRatingInput(20), { replicates: 20 });
		const tied = { ...base, basis: { ...base.basis, tied: 2 } };
		expect(describeBasis(tied)).toContain('2 items with a tied rating: their tied responses count in the A–D shares, shared evenly among the tied letters');
		expect(describeBasis(tied)).not.toContain('left out');
		expect(describeBasis(tied)).not.toContain('both ways');
		expect(methodsParagraph(tied, facts).paragraph).toContain('2 items with a tied rating remain, their tied responses shared evenly among the tied letters in the A–D shares');
	});

	it('says how a stratified audit weighs its strata: weighted by their rows, proportional by design, or pooled where their sizes are not known', () => {
		const input = syntheticQualityInput(40);
		const plain = buildAuditReport(input, { replicates: 5 });
		expect(describeBasis(plain)).not.toContain('stratum by stratum');
		const items = input.items.map((i, n) => ({ ...i, stratum: n % 2 ? 'kept' : 'rejected:rougeL' }));
		const unknown = buildAuditReport({ ...input, items }, { replicates: 5 });
		expect(unknown.stratified).toBe(true);
		expect(describeBasis(unknown)).toContain("the strata's sizes in the dataset are not known here: rates over all tasks pool them without weights");
		const sizes = [
			{ stratum: 'kept', label: 'Kept by the filters', rows: 900 },
			{ stratum: 'rejected:rougeL', label: 'Rejected: ROUGE-L', rows: 100 }
		];
		const weighted = buildAuditReport({ ...input, audit: { ...input.audit, stratify: 'verdict', stratumSizes: sizes }, items }, { replicates: 5 });
		expect(describeBasis(weighted)).toContain('each headline rate is the item majority weighted by the strata\'s sizes in the dataset ("Kept by the filters" 900 rows, "Rejected: ROUGE-L" 100 rows)');
		expect(describeBasis(weighted)).not.toContain('pool them without weights');
		const byClass = buildAuditReport(
			{ ...input, audit: { ...input.audit, stratify: 'classification' }, items: input.items.map((i) => ({ ...i, stratum: i.isClassification ? 'classification' : 'non-classification' })) },
			{ replicates: 5 }
		);
		expect(describeBasis(byClass)).toContain('each stratum in proportion to its size (to within one item), so the pooled sample weighs the strata as the dataset does');
	});

	it('a verdict-stratified audit: the picker gives the weighting reason, and rows in a stratum the sample drew nothing from are said to be outside the estimate', () => {
		const input = syntheticQualityInput(40);
		const items = input.items.map((i, n) => ({ ...i, stratum: n % 2 ? 'kept' : 'rejected:rougeL' }));
		const sizes = [
			{ stratum: 'kept', label: 'Kept by the filters', rows: 900 },
			{ stratum: 'rejected:rougeL', label: 'Rejected: ROUGE-L', rows: 100 }
		];
		const report = buildAuditReport({ ...input, audit: { ...input.audit, stratify: 'verdict', stratumSizes: sizes }, items }, { replicates: 5 });
		// The headline line's reason (weightedHeadline), not "not identified by these data".
		const auto = automaticText(report.estimator, report.audit.overlap);
		expect(auto).toBe("item majority, ties as bounds, weighted by the strata's sizes in the dataset: the audit drew its strata at different rates, and latent truth (Dawid–Skene) pools the items without weights");
		expect(auto).not.toContain('not identified');
		// 1,003 rows judged, 3 of them in a stratum given no items: outside the estimate, and said so.
		const { paragraph } = methodsParagraph(report, { ...facts, frame: { units: 1003, choices: 1003, filtered: true }, stratify: 'verdict', includeRejected: true });
		expect(paragraph).toContain('1,003 rows the automatic filters had judged');
		expect(paragraph).toContain("Weighting each verdict stratum's item majority by its share of the 1,000 rows in the strata the sample drew from (with");
		expect(paragraph).toContain('The other 3 of the 1,003 rows belong to no stratum the sample drew from and are outside the estimate.');
		// Every row in a drawn stratum: nothing to say.
		const whole = methodsParagraph(report, { ...facts, frame: { units: 1000, choices: 1000, filtered: true }, stratify: 'verdict', includeRejected: true }).paragraph;
		expect(whole).toContain('share of the 1,000 rows (with');
		expect(whole).not.toContain('outside the estimate');
	});

	it('describes a latent-truth quality audit with its numbers and references', () => {
		// Reviewers in pairs round a triangle do not identify the model: latent truth headlines only when a researcher picks it, with the caveat.
		const report = buildAuditReport(syntheticQualityInput(200), { replicates: 50, estimator: 'latent' });
		const { paragraph, references } = methodsParagraph(report, facts);
		expect(paragraph).toContain('We audited the dataset "alpaca_data" (5,000 instructions with 5,000 instances when the sample was drawn; rows rejected by the automatic filters were left out).');
		expect(paragraph).toContain('simple random sample of 200 instructions (seed 42), with one randomly chosen instance per instruction');
		expect(paragraph).toContain('Three reviewers labelled the sample; each item was to be labelled by two reviewers independently (400 labels on 200 of the 200 items)');
		expect(paragraph).toContain('guidelines of about 120 words');
		expect(paragraph).toMatch(/Dawid and Skene's latent-class model \(Dawid and Skene, 1979\)/);
		expect(paragraph).toMatch(/95% percentile bootstrap intervals \(50 resamples of items\)/);
		expect(paragraph).toContain('(The latent-class model is not identified by these data, and its estimate depends on where the fit starts: no item was labelled by three or more reviewers');
		const allValid = report.quality!.groups[0].rates[3].headline;
		expect(paragraph).toContain(`All three fields were judged valid for ${(allValid.proportion! * 100).toFixed(1)}% [`);
		expect(paragraph).toMatch(/Fleiss' κ = \d\.\d{3} \(Fleiss, 1971\)/);
		expect(paragraph).toMatch(/Krippendorff's α = \d\.\d{3} \(nominal\) \(Krippendorff, 2004\)/);
		expect(paragraph).toContain('No item was adjudicated');
		expect(references).toEqual([REFERENCES.selfInstruct, REFERENCES.unnatural, REFERENCES.dawidSkene, REFERENCES.efron, REFERENCES.fleiss, REFERENCES.krippendorff]);
		expect(paragraph).not.toMatch(/Wilson|PPI|prediction-powered/);
	});

	it("names the items Fleiss' κ used when their numbers of labels differ, and the generalisation with its source (E6: a k = 3 audit with a partial reviewer)", () => {
		const report = buildAuditReport(syntheticQualityInput(40), { replicates: 5 });
		const agreement = report.quality!.agreement!.map((r) =>
			r.key === 'allValid' ? { ...r, kappa: { method: 'fleiss' as const, value: 0.1, items: 15, reviewers: 3, labelsPerItem: { min: 2, max: 3 } } } : r
		);
		const { paragraph, references } = methodsParagraph({ ...report, quality: { ...report.quality!, agreement } }, facts);
		expect(paragraph).toContain(
			"Fleiss' κ = 0.100 (over all 15 items labelled at least twice, with 2 to 3 labels each: Fleiss' κ generalised to varying numbers of labels per item; Fleiss, 1971; Gwet, 2014)"
		);
		expect(references).toContain(REFERENCES.gwet);
		expect(references).toContain(REFERENCES.fleiss);
	});

	it('says κ and α are undefined because every label was the same, not a bare dash (E6 audit 4)', () => {
		const report = buildAuditReport(syntheticQualityInput(40), { replicates: 5 });
		const agreement = report.quality!.agreement!.map((r) =>
			r.key === 'allValid' ? { ...r, percent: { value: 1, items: 15, pairs: 45 }, kappa: { ...r.kappa, value: null }, alpha: { ...r.alpha, value: null } } : r
		);
		const { paragraph, references } = methodsParagraph({ ...report, quality: { ...report.quality!, agreement } }, facts);
		expect(paragraph).toContain('labelled at least twice); κ and α are undefined: every label was the same.');
		expect(paragraph).not.toContain('κ = —');
		expect(paragraph).not.toContain('α = —');
		expect(references).not.toContain(REFERENCES.krippendorff);
	});

	it('states that reviewers saw a judge\'s suggestions, as a possible source of anchoring, only when they did', () => {
		const input = syntheticQualityInput(50);
		const plain = methodsParagraph(buildAuditReport(input, { replicates: 20 }), facts).paragraph;
		expect(plain).not.toMatch(/pre-filled|anchor/);
		input.audit = { ...input.audit, suggestions: { runId: 9, model: 'judge-m', name: 'j' } };
		const { paragraph } = methodsParagraph(buildAuditReport(input, { replicates: 20 }), facts);
		expect(paragraph).toContain("Reviewers saw a model judge's answers (judge-m, judge run 9) pre-filled on the review screen as labelled suggestions");
		expect(paragraph).toContain('anchored toward the judge');
	});

	it('cites Wilson and Cohen for a majority estimate with two reviewers, and PPI when a judge was used', () => {
		const input = syntheticQualityInput(100, 3);
		// Two reviewers only: Cohen's κ.
		input.labels = input.labels.map((l) => ({ ...l, reviewerId: l.reviewerId === 3 ? 1 : l.reviewerId }));
		input.labels = input.labels.filter((l, i, all) => all.findIndex((m) => m.itemId === l.itemId && m.reviewerId === l.reviewerId) === i);
		const report = buildAuditReport(input, { replicates: 20, estimator: 'majority' });
		const judge: MethodsJudge = {
			model: 'gpt-4o-mini',
			runId: 7,
			judgedItems: 100,
			estimate: { method: 'ppi++', design: 'rows', estimate: 0.6234, lower: 0.5811, upper: 0.6657, confidence: 0.95, lambda: 0.8123, populationRows: 5000, auditedRows: 96, effectiveSampleSize: 212.4, fallback: false },
			note: null
		};
		const { paragraph, references } = methodsParagraph(report, { ...facts, judge });
		expect(paragraph).toMatch(/95% Wilson score intervals \(Wilson, 1927\), counting items whose reviewers tied both ways/);
		expect(paragraph).toMatch(/Cohen's κ = -?\d\.\d{3} \(Cohen, 1960\)/);
		// Two 2023 papers led by Angelopoulos: each in-text key names the authors that tell its reference apart (no a/b the list lacks).
		expect(paragraph).toMatch(/PPI\+\+ \(Angelopoulos, Bates, et al., 2023; Angelopoulos, Duchi, and Zrnic, 2023\)/);
		expect(REFERENCES.ppi).toMatch(/^Angelopoulos, A\. N\., Bates, S\.,.*\(2023\)/);
		expect(REFERENCES.ppiPlusPlus).toMatch(/^Angelopoulos, A\. N\., Duchi, J\. C\., & Zrnic, T\. \(2023\)/);
		expect(paragraph).toContain('A model judge (gpt-4o-mini, judge run 7) answered the same three questions for every row the audit sampled from, 100 of the audited items among them.');
		expect(paragraph).toContain('on all N = 5,000 rows, corrected by the mean of (human − λ × judge) on the n = 96 audited rows with a final label (λ = 0.812,');
		expect(paragraph).toContain('with a 95% normal-approximation interval from the variance of the audited differences with the finite-population correction: 62.3% [58.1%, 66.6%]');
		expect(paragraph).toContain('human-only audit of about 212 rows.');
		expect(references).toContain(REFERENCES.ppi);
		expect(references).toContain(REFERENCES.wilson);
		expect(references).toContain(REFERENCES.cohen);
		expect(references).toContain(REFERENCES.ppiPlusPlus);
		expect(references).not.toContain(REFERENCES.dawidSkene);
		// Tied audited items: the range headlines, as on the report page and the card; the ties-left-out figure is secondary.
		const tied = methodsParagraph(report, { ...facts, judge: { ...judge, estimate: { ...judge.estimate!, auditedRows: 55, estimate: 0.509, lower: 0.391, upper: 0.627, tieRange: { tiedItems: 25, low: 0.35, high: 0.663, lower: 0.26, upper: 0.752 } } } }).paragraph;
		expect(tied).toContain(': 35.0%–66.3% [26.0%, 75.2%] with the 25 audited rows whose reviewers tied counted as "no" and as "yes"; with them left out (n = 55), 50.9% [39.1%, 62.7%];');

		// Rows without a readable judge verdict: said, with how many, and how they were counted.
		const unread = methodsParagraph(report, { ...facts, judge: { ...judge, unreadableRows: 2 } }).paragraph;
		expect(unread).toContain('A model judge (gpt-4o-mini, judge run 7) was asked the same three questions for every row the audit sampled from, 100 of the audited items among them; its reply could not be read for 2 rows, counted as not all valid');
		expect(unread).not.toContain('answered the same three questions for every row');
		// λ = 0: the figure is the human labels' own, and its interval is named for what it is.
		const uninformative = methodsParagraph(report, { ...facts, judge: { ...judge, estimate: { ...judge.estimate!, lambda: 0, estimate: 0.5, lower: 0.33, upper: 0.67, fallback: 'judge-uninformative' } } }).paragraph;
		expect(uninformative).toContain('The judge added nothing to the estimate of the share of the whole dataset with all three fields valid: on the audit the rows it calls good are no likelier to be good than those it rejects (λ = 0). The figure is the audited human labels\' own, with a 95% normal-approximation interval from the variance of the audited human labels with the finite-population correction (the estimate\'s interval at λ = 0): 50.0% [33.0%, 67.0%].');
		expect(uninformative).not.toContain('variance of the audited differences');
		expect(uninformative).not.toContain('human-only audit of about');
		// Every row audited once the ties count: the range is the audit's, and the judge is said to add nothing.
		const full = methodsParagraph(report, {
			...facts,
			judge: { ...judge, estimate: { ...judge.estimate!, populationRows: 40, auditedRows: 36, estimate: 0.304, lower: 0.21, upper: 0.397, effectiveSampleSize: 28, tieRange: { tiedItems: 4, low: 0.2, high: 0.525, lower: 0.2, upper: 0.525, fallback: 'fully-audited' } } }
		}).paragraph;
		expect(full).toContain('The judge added nothing to the estimate of the share of the whole dataset with all three fields valid: every row was audited, so the human labels alone give the rate.');
		expect(full).toContain(': 20.0%–52.5% [20.0%, 52.5%] with the 4 audited rows whose reviewers tied counted as "no" and as "yes"; with them left out (n = 36), PPI++ gives 30.4% [21.0%, 39.7%]');
	});

	it('a k = 2 audit part labelled: "none yet with both labels", then "n with both", and the reason after a colon in lower case', () => {
		const input = syntheticQualityInput(50);
		const firstOnly = (items: number) => {
			const seen = new Set<number>();
			return input.labels.filter((l) => l.itemId <= items && !seen.has(l.itemId) && !!seen.add(l.itemId));
		};
		const partial = methodsParagraph(buildAuditReport({ ...input, labels: firstOnly(30) }, { replicates: 5 }), facts).paragraph;
		expect(partial).toContain('(30 labels on 30 of the 50 items, none yet with both labels)');
		expect(partial).not.toMatch(/with all two/);
		expect(partial).toMatch(/\(The latent-class estimate was not used: [a-z]/);
		const three = methodsParagraph(buildAuditReport({ ...input, labels: [...firstOnly(30), ...input.labels.filter((l) => l.itemId <= 3 && l !== firstOnly(3).find((f) => f.itemId === l.itemId))] }, { replicates: 5 }), facts).paragraph;
		expect(three).toContain('(33 labels on 30 of the 50 items, 3 with both)');
		const one = methodsParagraph(buildAuditReport({ ...input, labels: firstOnly(1) }, { replicates: 5 }), facts).paragraph;
		expect(one).toContain('(1 label on 1 of the 50 items, none yet with both labels)');
	});

	it('says why a calibrated judge gave no estimate, and cites no PPI then', () => {
		const report = buildAuditReport(syntheticQualityInput(50), { replicates: 20 });
		const { paragraph, references } = methodsParagraph(report, {
			...facts,
			judge: { model: 'judge-m', runId: 3, judgedItems: 40, estimate: null, note: 'The judge run has verdicts for 40 of the 5000 rows the audit sampled from.' }
		});
		expect(paragraph).toContain('A model judge (judge-m, judge run 3) answered the same three questions for 40 of the audited items. Its labels were compared with the reviewers\' but not used for the estimate: the judge run has verdicts for 40 of the 5000 rows the audit sampled from.');
		expect(references).not.toContain(REFERENCES.ppi);
	});

	it('states the share of gold in the labels reviewers gave, with its range over reviewers, and the setting only while no gold is labelled', () => {
		const report = buildAuditReport(syntheticQualityInput(24, 3, { overlap: 3, goldCount: 4 }), { replicates: 20 });
		const gold = (r: typeof report) => methodsParagraph(r, { ...facts, goldRate: 0.1 }).paragraph;
		const rows = [
			{ ...report.reviewers[0], items: 20, goldItems: 4 },
			{ ...report.reviewers[1], items: 20, goldItems: 4 },
			{ ...report.reviewers[2], items: 20, goldItems: 4 }
		];
		const seen = { ...report, progress: { ...report.progress, labels: 60, goldLabels: 12 }, reviewers: rows };
		expect(gold(seen)).toContain("4 gold items with known answers were mixed in (gold made up 12 of the 72 labels, 17%; 17% of each reviewer's labels) and are not counted in the rates");
		expect(gold(seen)).not.toContain('10%');
		const uneven = { ...seen, progress: { ...seen.progress, labels: 64, goldLabels: 8 }, reviewers: [rows[0], { ...rows[1], items: 22, goldItems: 2 }, { ...rows[2], items: 22, goldItems: 2 }] };
		expect(gold(uneven)).toContain("(gold made up 8 of the 72 labels, 11%; from 8% to 17% of a reviewer's labels)");
		const none = { ...seen, progress: { ...seen.progress, goldLabels: 0 } };
		expect(gold(none)).toContain("(set to about 10% of each reviewer's items; none labelled yet)");
	});

	it('says a removed reviewer\'s labels were set aside and not counted', () => {
		const input = syntheticQualityInput(24, 3);
		input.reviewers = [...input.reviewers, { id: 99, name: 'r4@x.org', removed: true, setAsideLabels: 8 }];
		const report = buildAuditReport(input, { replicates: 20 });
		expect(report.removedReviewers).toEqual([{ reviewerId: 99, name: 'r4@x.org', setAsideLabels: 8 }]);
		const { paragraph } = methodsParagraph(report, facts);
		expect(paragraph).toContain('Three reviewers labelled the sample');
		expect(paragraph).toContain('One further reviewer was removed from the audit, and their 8 labels were set aside and not counted.');
		expect(paragraph).not.toContain('r4@x.org');
		expect(methodsParagraph(buildAuditReport(syntheticQualityInput(24, 3), { replicates: 20 }), facts).paragraph).not.toContain('removed');
	});

	it('states gold items, qualification, stratification and one reviewer per item', () => {
		const input = syntheticQualityInput(50, 4, { overlap: 1, goldCount: 10, qualification: { items: 5, accuracy: 0.8 } });
		input.labels = input.labels.filter((_, i) => i % 2 === 0);
		const report = buildAuditReport(input, { replicates: 20 });
		const { paragraph } = methodsParagraph(report, { ...facts, stratify: 'classification', instanceMode: 'all', includeRejected: true, goldRate: 0.1, guidelineWords: 0 });
		expect(paragraph).toContain('stratified by classification');
		expect(paragraph).toContain('every instance of each sampled instruction');
		expect(paragraph).toContain('including the rows the automatic filters rejected');
		expect(paragraph).toContain("10 gold items with known answers were mixed in (set to about 10% of each reviewer's items; none labelled yet)");
		expect(paragraph).toMatch(/first five items were gold, and their labels counted only once their accuracy on them reached 80%/);
		expect(paragraph).toContain('each item was labelled by one reviewer');
		expect(paragraph).toContain('no written guidelines');
		expect(paragraph).toContain('agreement between reviewers was not measured');
		expect(paragraph).toMatch(/Wilson score intervals \(Wilson, 1927\)\./);
	});

	it('counts the reviewers whose labels on the sample count, and says apart who took part but did not qualify', () => {
		const input = syntheticQualityInput(30, 4, { goldCount: 2, qualification: { items: 2, accuracy: 0.8 } });
		const [failing, ...passing] = input.reviewers;
		for (const itemId of [901, 902]) {
			input.items.push({ id: itemId, position: itemId, taskId: itemId, instanceId: itemId, stratum: null, isGold: true, isClassification: null, responses: [] });
			input.gold.push({ itemId, instructionValid: true, inputValid: true, outputValid: true, errorReason: null, ratings: [] });
			for (const r of input.reviewers) {
				const right = r.id !== failing.id;
				input.labels.push({ id: itemId * 10 + r.id, itemId, reviewerId: r.id, instructionValid: true, inputValid: right, outputValid: right, errorReason: null, durationMs: 1, activeMs: 1, submittedAt: '2024-01-01T00:00:00.000Z', ratings: [] });
			}
		}
		const report = buildAuditReport(input, { replicates: 20 });
		expect(report.qualification!.reviewers.find((r) => r.reviewerId === failing.id)!.state).toBe('failed');
		expect(report.progress.reviewers).toBe(passing.length);
		const { paragraph } = methodsParagraph(report, facts);
		expect(paragraph).toContain('Two reviewers labelled the sample (one more took part but did not qualify, so none of their labels on sampled items counted)');
		expect(paragraph).not.toContain('Three reviewers labelled');
	});

	it('describes a rating audit with the Wilcoxon test', () => {
		const report = buildAuditReport(syntheticRatingInput(60), { replicates: 20 });
		const text = methodsText(methodsParagraph(report, facts));
		expect(text).toContain("on Self-Instruct's four-level scale (Wang et al., 2023)");
		expect(text).toContain('with the model names hidden');
		expect(text).toContain('Wilcoxon signed-rank test (Wilcoxon, 1945)');
		expect(text).toMatch(/Krippendorff's α = \d\.\d{3} \(ordinal\)/);
		expect(text).toMatch(/\n\nReferences\n- Wang, Y\./);
	});

	it('words a rating audit\'s sample and guidelines for rated responses, not the quality audit\'s instances and questions', () => {
		const report = buildAuditReport(syntheticRatingInput(60), { replicates: 5 });
		const text = methodsParagraph(report, { ...facts, guidelineWords: 0 }).paragraph;
		expect(text).toContain("and took one randomly chosen instance of each, with every rated model's response to it.");
		expect(text).not.toContain("as in Self-Instruct's audit");
		expect(text).toContain("They had no written guidelines beyond the rating scale's four descriptions.");
		expect(text).not.toContain('beyond the questions themselves');
		expect(methodsParagraph(report, { ...facts, instanceMode: 'all', guidelineWords: 0 }).paragraph).toContain('and took every instance of each, with');
	});

	it('gives the sampling frame recorded at draw time, says filters left rows out only if a filter had judged any, and no size for an audit drawn before the frame was kept', () => {
		const report = buildAuditReport(syntheticQualityInput(40), { replicates: 5 });
		const unfiltered = methodsParagraph(report, { ...facts, frame: { units: 5000, choices: 5000, filtered: false } }).paragraph;
		expect(unfiltered).toContain('We audited the dataset "alpaca_data" (5,000 instructions with 5,000 instances when the sample was drawn).');
		expect(unfiltered).not.toContain('rejected');
		const older = methodsParagraph(report, { ...facts, frame: null }).paragraph;
		expect(older).toContain('We audited the dataset "alpaca_data".');
		expect(older).not.toMatch(/5,0\d\d|rejected/);
	});

	it('says how many gold items were left out of the sampling frame', () => {
		const report = buildAuditReport(syntheticQualityInput(40), { replicates: 5 });
		const paragraph = methodsParagraph(report, { ...facts, frame: { units: 4998, choices: 4998, filtered: true, goldExcluded: 2 } }).paragraph;
		expect(paragraph).toContain(
			'We audited the dataset "alpaca_data" (4,998 instructions with 4,998 instances when the sample was drawn; 2 gold instances were left out of the sampling frame; rows rejected by the automatic filters were left out).'
		);
		expect(methodsParagraph(report, { ...facts, frame: { units: 5000, choices: 5000, filtered: false } }).paragraph).not.toContain('sampling frame');
	});

	it('says when guidelines were changed after labelling began, rather than presenting the version on record as what reviewers read', () => {
		const report = buildAuditReport(syntheticQualityInput(40), { replicates: 5 });
		// A legacy audit: one version on record, saved after every label (the text they read not kept).
		const ended = methodsParagraph(report, { ...facts, guidelineWords: 58, guidelinesHistory: { labelsBefore: 120, versions: [{ version: 1, words: 58, labels: 0 }] } }).paragraph;
		expect(ended).toContain('the version on record (about 58 words) was written after labelling ended (all 120 labels were in), so it is not the one they read.');
		expect(ended).not.toContain('They worked from written guidelines of about');
		const midway = methodsParagraph(report, { ...facts, guidelineWords: 58, guidelinesHistory: { labelsBefore: 30, versions: [{ version: 1, words: 58, labels: 90 }] } }).paragraph;
		expect(midway).toContain('of the 120 labels, 30 under an earlier text that was not kept and 90 under the version on record (version 1, about 58 words).');
		const unchanged = methodsParagraph(report, { ...facts, guidelineWords: 58, guidelinesHistory: { labelsBefore: 0, versions: [{ version: 1, words: 40, labels: 0 }, { version: 2, words: 58, labels: 120 }] } }).paragraph;
		expect(unchanged).toContain('They worked from written guidelines of about 58 words.');
	});

	it('says how many labels were changed after a later version was saved, counted under it', () => {
		const report = buildAuditReport(syntheticQualityInput(40), { replicates: 5 });
		const history = { labelsBefore: 0, versions: [{ version: 1, words: 20, labels: 3, changedFromEarlier: 0 }, { version: 2, words: 45, labels: 7, changedFromEarlier: 1 }] };
		const paragraph = methodsParagraph(report, { ...facts, guidelineWords: 45, guidelinesHistory: history }).paragraph;
		expect(paragraph).toContain(
			'of the 10 labels, 3 under version 1 (about 20 words) and 7 under the version on record (version 2, about 45 words). Labels are counted under the version in force when they were last changed: 1 label first given under an earlier version was changed after version 2 was saved.'
		);
	});

	it('keeps a change of guidelines during labelling when a later fix was saved after labelling ended (it was lost: only the last change was kept)', () => {
		const report = buildAuditReport(syntheticQualityInput(40), { replicates: 5 });
		const history = { labelsBefore: 0, versions: [{ version: 1, words: 20, labels: 5 }, { version: 2, words: 45, labels: 5 }, { version: 3, words: 46, labels: 0 }] };
		const paragraph = methodsParagraph(report, { ...facts, guidelineWords: 46, guidelinesHistory: history }).paragraph;
		expect(paragraph).toContain(
			'The written guidelines changed while labels were being given: of the 10 labels, 5 under version 1 (about 20 words) and 5 under version 2 (about 45 words); the version on record (version 3, about 46 words) was saved after labelling ended (all 10 labels were in).'
		);
		expect(paragraph).not.toContain('so it is not the one they read');
	});

	it('describes a pairwise audit by its pairs, with its win rates and agreement, and no adjudication', () => {
		const base = buildAuditReport(syntheticRatingInput(24), { replicates: 5 });
		const labels: PairwiseLabel[] = [];
		for (let item = 0; item < 24; item++)
			for (const reviewerId of [1, 2]) labels.push({ itemId: item, reviewerId, modelA: 'm1', modelB: 'm2', preference: item % 4 === 0 && reviewerId === 2 ? 'b' : item % 6 === 0 ? 'tie' : 'a' });
		const report = { ...base, audit: { ...base.audit, kind: 'pairwise' as const, itemCount: 24, overlap: 2 }, rating: null, pairwise: pairwiseReport(labels) };
		const { paragraph } = methodsParagraph(report, { ...facts, frame: { units: 40, choices: 60, filtered: false } });
		expect(paragraph).toContain('(60 preference pairs on 40 prompts when the sample was drawn)');
		expect(paragraph).toContain('We drew a simple random sample of 24 preference pairs (seed 42), at most one per prompt.');
		expect(paragraph).not.toMatch(/instructions|instance per instruction|Self-Instruct's audit|adjudicated/);
		const m1 = report.pairwise.records[0];
		// A model's name keeps its case: it never starts a sentence (was "M1 against m2").
		expect(paragraph).toContain(`By model pair: m1 against m2, ${m1.wins} wins, ${m1.ties} ties and ${m1.losses} losses in 48 comparisons, a win rate of ${(m1.winRate.proportion! * 100).toFixed(1)}% [`);
		expect(paragraph).not.toContain('M1');
		expect(paragraph).toMatch(/Reviewers agreed on \d+\.\d% of the pairs of choices made on the same item \(\d+ of 24, over the 24 items chosen on at least twice\)/);
	});

	it('claims no shuffle and gives no position verdict for a non-blind pairwise audit (its order was fixed); a blind one keeps its test', () => {
		const base = buildAuditReport(syntheticRatingInput(12), { replicates: 5 });
		const labels: PairwiseLabel[] = Array.from({ length: 12 }, (_, item) => ({ itemId: item, reviewerId: 1, modelA: 'm1', modelB: 'm2', preference: item % 4 ? 'a' : 'b', screenChoice: item % 4 ? 'A' : 'B' }));
		const pairwise = (order: 'fixed' | 'shuffled') => ({ ...base, audit: { ...base.audit, kind: 'pairwise' as const, itemCount: 12, overlap: 1 }, rating: null, pairwise: pairwiseReport(labels, 0.95, order) });
		const fixed = methodsParagraph(pairwise('fixed'), facts).paragraph;
		expect(fixed).not.toMatch(/shuffled|position bias\.|differed from half/);
		expect(fixed).toContain('The audit was not blind: every reviewer saw each pair\'s two responses in the same fixed order, so position bias could not be told apart from preference for the model shown first and was not tested.');
		const blind = methodsParagraph(pairwise('shuffled'), facts).paragraph;
		expect(blind).toContain('Each reviewer saw the two responses in a shuffled order;');
		expect(blind).not.toContain('not blind');
	});

	it('describes pairs without model names as their first and second responses, never as models, and keeps the stand-in names as they are', () => {
		const base = buildAuditReport(syntheticRatingInput(8), { replicates: 5 });
		const labels: PairwiseLabel[] = Array.from({ length: 8 }, (_, item) => ({ itemId: item, reviewerId: 1, modelA: 'completion_a', modelB: 'completion_b', preference: item % 3 ? 'a' : 'b' }));
		const report = { ...base, audit: { ...base.audit, kind: 'pairwise' as const, itemCount: 8, overlap: 1 }, rating: null, pairwise: pairwiseReport(labels) };
		const { paragraph } = methodsParagraph(report, facts);
		expect(paragraph).toContain("the pairs' first and second responses (the source names no models) are compared");
		expect(paragraph).toContain('The pairs carry no model names, so their two sides are compared under the stand-in names the import gave them: completion_a against completion_b, ');
		expect(paragraph).not.toMatch(/Completion_a|models are compared/);
	});

	it('describes a conversation audit by its conversations, with correctness, ties and agreement, and no adjudication', () => {
		const base = buildAuditReport(syntheticRatingInput(16), { replicates: 5 });
		const labels: ConversationLabel[] = [];
		// 16 conversations, two reviewers each: reviewer 1 passes every one, reviewer 2 fails 14.
		for (let item = 0; item < 16; item++)
			for (const reviewerId of [1, 2]) labels.push({ itemId: item, reviewerId, turns: [{ valid: true, rating: 'A' }, { valid: reviewerId === 1 || item < 2, rating: 'B' }] });
		const conversation = conversationReport(labels);
		expect(conversation.agreement.percent).toEqual({ value: 2 / 16, items: 16, pairs: 16 });
		const report = { ...base, audit: { ...base.audit, kind: 'conversation' as const, itemCount: 16, overlap: 2 }, rating: null, conversation, basis: { ...base.basis, tied: 14 } };
		const { paragraph, references } = methodsParagraph(report, { ...facts, frame: { units: 30, choices: 30, filtered: false } });
		expect(paragraph).toContain('(30 conversations with an assistant reply when the sample was drawn)');
		expect(paragraph).toContain('We drew a simple random sample of 16 conversations (seed 42), at most one per opening prompt.');
		expect(paragraph).toContain('By item majority, 2 of the 16 conversations had every reply judged valid and 14 were tied (their reviewers split), so the share lies between 12.5% and 100.0% [');
		expect(paragraph).toContain("Agreement between reviewers on whether every reply of a conversation is valid was 12.5% (mean share of agreeing pairs; n = 16 conversations judged at least twice), Cohen's κ = ");
		// Reply by reply: reply 1 always agreed, reply 2 on two of 16 conversations (18 of 32 replies).
		expect(conversation.replyAgreement!.percent).toEqual({ value: 18 / 32, items: 32, pairs: 32 });
		expect(paragraph).toContain('Reply by reply (whether each reply is valid), agreement was 56.3% (n = 32 replies judged at least twice), Cohen');
		expect(paragraph).not.toMatch(/instructions|Self-Instruct's audit|adjudicated|counted both ways in the majority bounds/);
		expect(references).toContain(REFERENCES.wilson);
	});

	it('words the latent headline by what it averages over: labelled items, tied ones included, as the model estimates them', () => {
		const report = buildAuditReport(syntheticQualityInput(200), { replicates: 20, estimator: 'latent' });
		expect(report.quality!.groups[0].rates[3].headline.estimator).toBe('latent');
		// Chosen by the data, the headline of these pairs-only data is the majority bounds, with the reason.
		expect(buildAuditReport(syntheticQualityInput(200), { replicates: 5 }).quality!.groups[0].rates[3].headline).toMatchObject({ estimator: 'majority', requested: 'auto', fallback: expect.stringMatching(/^No item was labelled by three or more reviewers/) });
		const { paragraph } = methodsParagraph(report, facts);
		expect(paragraph).toMatch(/of the n = 200 labelled items \(latent truth, Dawid–Skene: each item's posterior probability, tied items included\); by the same model, the instruction was valid for \d+\.\d% \[[^\]]+\], the input for /);
		expect(paragraph).not.toContain('with a final label');
		expect(paragraph).not.toContain('reviewers accepted');
		const majority = methodsParagraph(buildAuditReport(syntheticQualityInput(200), { replicates: 5, estimator: 'majority' }), facts).paragraph;
		expect(majority).toMatch(/items with a final label or a tie \(item majority, ties as bounds\); reviewers accepted the instruction for/);
	});

	it('words a label-level headline as a share of labels, with both counts, never as a share of items', () => {
		const report = buildAuditReport(syntheticQualityInput(60), { replicates: 5, estimator: 'label' });
		const allValid = report.quality!.groups[0].rates[3];
		expect(allValid.headline.estimator).toBe('label');
		const { paragraph } = methodsParagraph(report, facts);
		expect(allValid.label.labels).toBeGreaterThan(allValid.headline.n);
		expect(paragraph).toContain(`of the ${allValid.label.labels} labels given to the n = 60 items (label level: a share of reviewers' answers, not of items); reviewers accepted the instruction in `);
		expect(paragraph).not.toMatch(/of the n = 60 (labelled )?items \(label level\)/);
	});

	it('says a rating audit shares each response among its reviewers\' ratings, and names tasks left out of a comparison', () => {
		const report = buildAuditReport(syntheticRatingInput(60), { replicates: 5 });
		const text = methodsParagraph(report, facts).paragraph;
		expect(text).toContain("shared evenly among its reviewers' A–D ratings");
		expect(text).toContain('no response is left out because its reviewers disagree');
		expect(text).toContain("each response scored by the mean of its reviewers' ratings (A = 4 to D = 1)");
		expect(text).not.toContain('tied are left out');
		const c = report.rating!.comparisons[0];
		if (c.notRatedByBoth) expect(text).toContain(`${c.notRatedByBoth} of ${c.tasks} for ${c.first} vs ${c.second}`);
		else expect(text).toContain('Every task showing both models was compared.');
	});

	it('gives a rating audit\'s results: each model\'s share rated A or B with its interval and n, and each paired comparison with its p-values', () => {
		const report = buildAuditReport(syntheticRatingInput(60), { replicates: 5 });
		const text = methodsParagraph(report, facts).paragraph;
		for (const m of report.rating!.models) expect(text).toContain(`${m.model} `);
		expect(text).toMatch(/Rated A or B: [^.]+ \d+\.\d% \[\d+\.\d%, \d+\.\d%\] \(n = \d+ responses/);
		const c = report.rating!.comparisons[0];
		expect(text).toContain(`${c.first} was rated better than ${c.second} on ${c.firstBetter} of ${c.pairs} tasks, worse on ${c.secondBetter} and the same on ${c.same} (Wilcoxon p`);
	});
});

describe('three models compared pairwise (E6 audit 1: three raw p-values, nothing said of it)', () => {
	it('gives each p-value Holm-adjusted over the three comparisons beside the raw one, in the report, the methods paragraph, the CSV and the paper table', async () => {
		const report = buildAuditReport(syntheticRatingInput(60), { replicates: 5 });
		const comparisons = report.rating!.comparisons;
		expect(comparisons).toHaveLength(3);
		// Holm by hand: sorted raw p times 3, 2, 1, then the running maximum, capped at 1.
		for (const test of ['wilcoxon', 'sign'] as const) {
			const raw = comparisons.map((c) => c[test].pValue);
			const order = [0, 1, 2].sort((a, b) => raw[a] - raw[b]);
			let running = 0;
			const expected: number[] = [];
			order.forEach((i, rank) => (expected[i] = running = Math.max(running, Math.min(1, (3 - rank) * raw[i]))));
			comparisons.forEach((c, i) => {
				expect(c.family).toBe(3);
				expect(c[test].holmPValue).toBeCloseTo(expected[i], 12);
			});
		}
		const { paragraph, references } = methodsParagraph(report, facts);
		expect(paragraph).toContain("The three comparisons are read together, so beside each unadjusted p-value we give it adjusted by Holm's step-down method over the three (Holm, 1979)");
		expect(paragraph).toMatch(/\(Wilcoxon p [<=] [\d.]+, Holm-adjusted p [<=] [\d.]+, sign test p [<=] [\d.]+, Holm-adjusted p [<=] [\d.]+\)/);
		expect(references).toContain(REFERENCES.holm);
		const { reportCsvRows } = await import('./flatten');
		const rows = reportCsvRows(report).filter((r) => r.section === 'model_comparison');
		const group = `${comparisons[0].first} vs ${comparisons[0].second}`;
		expect(rows.find((r) => r.group === group && r.key === 'wilcoxon_p')!.note).toContain('unadjusted, one of 3 comparisons');
		expect(rows.find((r) => r.group === group && r.key === 'wilcoxon_p_holm')).toMatchObject({ value: comparisons[0].wilcoxon.holmPValue, note: 'Holm-adjusted over the 3 model comparisons (Holm 1979)' });
		expect(rows.find((r) => r.group === group && r.key === 'sign_p_holm')!.value).toBe(comparisons[0].sign.holmPValue);
		const { reportPaperTables } = await import('./paper-tables');
		const table = reportPaperTables(report).find((t) => t.id === 'comparisons')!.table;
		expect(table.columns.map((c) => c.heading)).toContain('Wilcoxon p (Holm)');
		expect(table.notes!.join(' ')).toContain("(Holm) adjusted by Holm's step-down method over the 3 comparisons");
	});
});

describe('a classification stratification that stratified nothing', () => {
	it('is not called stratified: every instruction was in one stratum, and the paragraph says which', () => {
		const report = buildAuditReport(syntheticQualityInput(24, 3), { replicates: 20 });
		const one = methodsParagraph(report, { ...facts, stratify: 'classification', frame: { units: 50, choices: 50, filtered: false, classificationStrata: ['unknown'] } }).paragraph;
		expect(one).not.toContain('stratified by classification');
		expect(one).toContain('Stratifying by classification was asked for, but every instruction was in the one stratum "unknown", so the sample is unstratified.');
		const two = methodsParagraph(report, { ...facts, stratify: 'classification', frame: { units: 50, choices: 50, filtered: false, classificationStrata: ['classification', 'unknown'] } }).paragraph;
		expect(two).toContain('stratified by classification');
		expect(two).not.toContain('one stratum');
	});
});

describe('methodsParagraph, when the questions\' headlines come from different estimators', () => {
	it('names the estimator of every figure (the tester\'s E-gold read "Wilson score intervals … the instruction for 100.0% [100.0%, 100.0%]", a latent figure)', () => {
		// 40 items, three reviewers each right 85% of the time on input and output; every instruction
		// answer is yes, so latent truth is not identified there (the item majority headlines it).
		const random = new SeededRandom(3);
		const answers: Record<number, string> = { 1: '', 2: '', 3: '' };
		for (let item = 0; item < 40; item++) {
			const truth = [random.float() < 0.8, random.float() < 0.6];
			for (const reviewer of [1, 2, 3]) answers[reviewer] += '1' + truth.map((t) => ((random.float() < 0.85 ? t : !t) ? '1' : '0')).join('');
		}
		const report = buildAuditReport(testerAudit({ name: 'mixed', overlap: 3, sampled: 40, answers, gold: '', adjudicated: {} }), { replicates: 50 });
		const rates = report.quality!.groups[0].rates;
		const by = (key: string) => rates.find((r) => r.key === key)!.headline;
		expect(rates.map((r) => [r.key, r.headline.estimator])).toEqual([
			['instruction', 'majority'],
			['input', 'latent'],
			['output', 'latent'],
			['allValid', 'latent']
		]);
		const { paragraph } = methodsParagraph(report, facts);
		expect(paragraph).toContain('The estimator differs by question, as the data allow: all three fields, the input and the output by latent truth (Dawid–Skene); the instruction by item majority, ties as bounds.');
		expect(paragraph).toContain("For all three fields, the input and the output: we estimated each rate with Dawid and Skene's latent-class model");
		expect(paragraph).toContain('For the instruction: each item\'s final label is a researcher\'s adjudication where there is one, else the majority of its reviewers\' answers; we report the share of items answered "yes" with 95% Wilson score intervals');
		expect(paragraph).toMatch(/\(The latent-class estimate was not used for the instruction: every answer is the same/);
		expect(paragraph).toContain(
			`The share judged valid was, by latent truth (Dawid–Skene): all three fields ${headlineText(by('allValid'))} (n = 40), the input ${headlineText(by('input'))} (n = 40), the output ${headlineText(by('output'))} (n = 40); by item majority, ties as bounds: the instruction ${headlineText(by('instruction'))} (n = 40).`
		);
		expect(paragraph).not.toContain('by the same model');
		expect(paragraph).not.toContain('reviewers accepted');
	});

	it('the line above the figures names the headline estimator in use, not the majority under a Dawid–Skene headline (audit "Q k3")', () => {
		const random = new SeededRandom(3);
		const answers: Record<number, string> = { 1: '', 2: '', 3: '' };
		for (let item = 0; item < 40; item++) {
			const truth = [random.float() < 0.8, random.float() < 0.6];
			for (const reviewer of [1, 2, 3]) answers[reviewer] += '1' + truth.map((t) => ((random.float() < 0.85 ? t : !t) ? '1' : '0')).join('');
		}
		const input = testerAudit({ name: 'mixed', overlap: 3, sampled: 40, answers, gold: '', adjudicated: {} });
		const mixed = describeBasis(buildAuditReport(input, { replicates: 50 }));
		expect(mixed).toMatch(
			/^The headline rates are by latent truth \(Dawid–Skene\) for all three fields, the input and the output, and by the item majority for the instruction, from k = 3 reviewers per item: latent truth estimates each item's true answer from all its reviewers' labels, weighing each reviewer by their estimated error rates; in the item majority, each item's label is the majority of its reviewers' labels\./
		);
		// Every question varying, latent truth headlines all four.
		const varied: Record<number, string> = { 1: '', 2: '', 3: '' };
		for (let item = 0; item < 40; item++) {
			const truth = [random.float() < 0.7, random.float() < 0.8, random.float() < 0.6];
			for (const reviewer of [1, 2, 3]) varied[reviewer] += truth.map((t) => ((random.float() < 0.85 ? t : !t) ? '1' : '0')).join('');
		}
		const all = buildAuditReport(testerAudit({ name: 'varied', overlap: 3, sampled: 40, answers: varied, gold: '', adjudicated: {} }), { replicates: 50, estimator: 'latent' });
		expect(all.quality!.groups[0].rates.map((r) => r.headline.estimator)).toEqual(['latent', 'latent', 'latent', 'latent']);
		const latent = describeBasis(all);
		expect(latent).toMatch(/^The headline rates are by latent truth \(Dawid–Skene\), from k = 3 reviewers per item: latent truth estimates/);
		expect(latent).not.toMatch(/^Each item's label is the majority/);
		const label = describeBasis(buildAuditReport(input, { replicates: 50, estimator: 'label' }));
		expect(label).toMatch(/^The headline rates are at the label level, from k = 3 reviewers per item: the label level is the share of all reviewers' labels, with an interval clustered by item; in the item majority/);
		expect(describeBasis(buildAuditReport(input, { replicates: 50, estimator: 'majority' }))).toMatch(/^Each item's label is the majority of its reviewers' labels \(k = 3 per item\)\./);
	});

	it('a verdict-stratified audit: a stratified random sample, N from each stratum, and the report\'s stratum-weighted headline as the population\'s figure (the export\'s and card\'s)', () => {
		const input = syntheticQualityInput(50);
		const stratumSizes = [
			{ stratum: 'kept', label: 'Kept by the filters', rows: 323 },
			{ stratum: 'rejected:rougeL', label: 'Rejected: Too similar to the pool (ROUGE-L)', rows: 277 }
		];
		const report = buildAuditReport(
			{ ...input, audit: { ...input.audit, stratify: 'verdict', stratumSizes }, items: input.items.map((i, n) => ({ ...i, stratum: n < 30 ? 'kept' : 'rejected:rougeL' })) },
			{ replicates: 5, estimator: 'majority' }
		);
		const headline = report.quality!.groups[0].rates.find((r) => r.key === 'allValid')!.headline;
		expect(headline.weighted).toBe(true);
		const verdictWeighted = { strata: [{ stratum: 'kept', label: 'Kept by the filters', rows: 323, items: 30 }, { stratum: 'rejected:rougeL', label: 'Rejected: Too similar to the pool (ROUGE-L)', rows: 277, items: 20 }], rate: null, low: 0.3488, high: 0.5847, lower: 0.232, upper: 0.71 };
		const { paragraph } = methodsParagraph(report, { ...facts, stratify: 'verdict', includeRejected: true, verdictWeighted });
		expect(paragraph).toContain('We drew a stratified random sample of 50 instructions by the automatic filters\' verdict (seed ');
		expect(paragraph).toContain('30 from the stratum "Kept by the filters" (323 rows) and 20 from the stratum "Rejected: Too similar to the pool (ROUGE-L)" (277 rows), weighted by the strata\'s sizes in the estimate.');
		expect(paragraph).not.toContain('simple random sample');
		expect(paragraph).toContain(`all three fields were judged valid for ${headlineText(headline)} of the population (n = ${headline.n} items); weighted likewise, reviewers accepted the instruction for `);
		expect(paragraph).not.toContain('unweighted');
	});

	it('questions that fell back to the majority for different reasons: each reason with its questions, none left unsaid', () => {
		const report = buildAuditReport(syntheticQualityInput(50), { replicates: 5, estimator: 'majority' });
		const reasons: Record<string, string> = { allValid: 'The reviewers\' answers barely tell the classes apart.', instruction: 'Only 2 reviewers tell the classes apart.', input: 'Only 2 reviewers tell the classes apart.', output: 'Only one reviewer tells the classes apart.' };
		for (const r of report.quality!.groups[0].rates) r.headline = { ...r.headline, estimator: 'majority', fallback: reasons[r.key] };
		const { paragraph } = methodsParagraph(report, facts);
		expect(paragraph).toContain('(The latent-class estimate was not used for all three fields: the reviewers\' answers barely tell the classes apart.)');
		expect(paragraph).toContain('(The latent-class estimate was not used for the instruction and the input: only 2 reviewers tell the classes apart.)');
		expect(paragraph).toContain('(The latent-class estimate was not used for the output: only one reviewer tells the classes apart.)');
		// One reason for every question: said once, as before.
		for (const r of report.quality!.groups[0].rates) r.headline = { ...r.headline, fallback: reasons.allValid };
		expect(methodsParagraph(report, facts).paragraph).toContain('(The latent-class estimate was not used: the reviewers\' answers barely tell the classes apart.)');
	});
});
