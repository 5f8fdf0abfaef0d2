import { CliError, usageError } from '../cli-error';
import { parseCommandArgs, refuseExtraPositionals } from '../args';
import { printJson } from '../output';
import { resolveDataset } from '$lib/server/datasets/datasets';
import { nearDuplicateReport } from '$lib/server/filters/near-duplicates';
import { LINKAGES, isLinkage } from '$lib/rouge/clusters';
import { parseNearDuplicateThreshold } from '$lib/rouge/threshold';
import { formatScoreAbove } from '$lib/rouge/score-text';
import { formatCount, formatNumber } from '$lib/text/words';

const USAGE = `Usage: npx instruct-audit near-duplicates <dataset> [--threshold 0.7] [--linkage components|centre] [--json]

Lists every group of near-duplicate instructions in the dataset (pairs with ROUGE-L F above the
threshold), as the dataset's Near-duplicates page does, all groups at once: --json gives each
group's members and its listed pairs (each instruction lists its 20 closest earlier ones).
--linkage centre groups each instruction with those within the threshold of it; components
(the default) joins chains of such pairs.`;

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(argv, { threshold: { type: 'string' }, linkage: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
	if (!positionals[0]) throw usageError('Missing the dataset.', USAGE);
	refuseExtraPositionals(positionals, 1, USAGE);
	const threshold = parseNearDuplicateThreshold(values.threshold ?? null, { blank: 'refused' });
	if (threshold.error) throw new CliError(`--threshold: ${threshold.error}`, 2);
	const linkage = values.linkage ?? 'components';
	if (!isLinkage(linkage)) throw new CliError(`--linkage: unknown grouping "${linkage}": use ${LINKAGES.join(' or ')}.`, 2);
	const dataset = resolveDataset(positionals[0]);
	const report = await nearDuplicateReport(dataset.id, threshold.value, undefined, linkage);
	const groups = report.groups.map((g, i) => ({
		number: i + 1,
		size: g.members.length,
		pairCount: g.pairCount,
		listedPairs: g.pairs.length,
		maxScore: g.maxScore,
		centre: g.centre ?? null,
		members: g.members,
		pairs: g.pairs
	}));
	const summary = {
		dataset: dataset.name,
		threshold: report.threshold,
		linkage: report.linkage,
		instructions: report.instructions,
		instructionsInGroups: report.instructionsInGroups,
		groupCount: groups.length,
		stoppedAt: report.stoppedAt ?? null
	};
	if (values.json) {
		printJson({ ...summary, groups });
		return;
	}
	console.log(
		`"${dataset.name}": ${formatCount(groups.length, 'group')} ${groups.length === 1 ? 'holds' : 'hold'} ${formatNumber(report.instructionsInGroups)} of ${formatCount(report.instructions, 'instruction')} (ROUGE-L F > ${report.threshold}, ${report.linkage}).`
	);
	if (report.stoppedAt)
		console.log(`Stopped after the first ${report.stoppedAt.instructionsRead} instructions: they already hold more than ${report.stoppedAt.pairLimit} pairs. Raise the threshold.`);
	for (const g of groups) {
		console.log(`\nGroup ${g.number}: ${formatCount(g.size, 'instruction')}, ${formatCount(g.pairCount, 'pair')}, highest ROUGE-L ${formatScoreAbove(g.maxScore, report.threshold)}`);
		for (const m of g.members) console.log(`  ${String(m.id).padStart(8)}${m.id === g.centre ? ' *' : '  '} ${m.instruction.replace(/\s+/g, ' ')}`);
	}
}
