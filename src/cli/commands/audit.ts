import fs from 'node:fs';
import { CliError, usageError, notFound } from '../cli-error';
import { requireReadableFile, requireWritableFile } from '../files';
import { writeThroughPartial } from '$lib/server/files';
import { parseCommandArgs, intOption, refuseExtraPositionals } from '../args';
import { printJson, printOutcome, printTable } from '../output';
import { plural } from '$lib/reports/format';
import { resolveDataset, DatasetError, datasetModels } from '$lib/server/datasets/datasets';
import { modelNamesFromOption } from '$lib/audits/model-names';
import { findUserByEmail } from '$lib/server/auth/users';
import {
	AuditError,
	addReviewers,
	auditProgress,
	closeAudit,
	createAuditInBatches,
	listAudits,
	removeReviewer,
	workStoppedByArchiving,
	reopenAudit,
	requireAudit,
	previewSample,
	updateGuidelines,
	type CreateAuditInput
} from '$lib/server/audits';
import { GoldParseError, parseGold } from '$lib/audits/gold';
import {
	ArchiveError,
	archiveAudit,
	deleteAudit,
	purgeAudit,
	purgeReviewerLabels,
	restoreAudit,
	restoreReviewerLabels
} from '$lib/server/archive';
import { auditBundleLines, auditName, BundleError, importAuditBundle } from '$lib/server/bundles';
import { BackupError } from '$lib/server/backups';
import { actor, admin, reportPurge, researcher } from '../actor';
import { interruptible } from '../interrupt';
import { resolveAuditRef } from '../audit-ref';
import { DEFAULT_SAMPLE_SIZE, goldExcludedSentence, rejectedExcludedSentence, singleStratumNote } from '$lib/audits/sampling';
import { closingConsequence } from '$lib/audits/closing';

const USAGE = `Usage:
  npx instruct-audit audit create --dataset <name|id> --kind quality|rating|conversation|pairwise --reviewers a@x,b@y
        [--size ${DEFAULT_SAMPLE_SIZE}] [--seed <n>] [--overlap 1] [--name <text>]
        [--instances one|all] [--stratify none|classification] [--include-rejected]
        [--stratify verdict --strata kept=100,rougeL=40,wordCount=20]
        [--models m1 [--models m2]] [--unit turn|conversation] [--pair-models m1 --pair-models m2]
        [--not-blind] [--lease-minutes 30]
        [--guidelines <file.md>] [--gold <file.jsonl> [--gold-rate 0.1]
        [--qualify <n> [--qualify-accuracy 0.8]]] [--pilot]
        [--suggestions-from <judge run id>] [--json]
  npx instruct-audit audit strata <dataset> [--json]
  npx instruct-audit audit list [--dataset <name|id>] [--archived] [--json]
  npx instruct-audit audit show <id> [--json]
  npx instruct-audit audit guidelines <id> --guidelines <file.md> [--as <email>] [--json]
  npx instruct-audit audit close <id>
  npx instruct-audit audit reopen <id>
  npx instruct-audit audit add-reviewers <id> --reviewers a@x,b@y
  npx instruct-audit audit remove-reviewer <id> --reviewer a@x [--set-aside-labels]
  npx instruct-audit audit restore-labels <id> --reviewer a@x
  npx instruct-audit audit purge-labels <id> --reviewer a@x --confirm a@x --as <admin email>
  npx instruct-audit audit delete <id> --confirm <audit name>
  npx instruct-audit audit archive <id> [--as <email>]
  npx instruct-audit audit restore <id>
  npx instruct-audit audit purge <id> --confirm <audit name> --as <admin email>
  npx instruct-audit audit export <id> [--out <bundle.jsonl> [--force]] [--json]
  npx instruct-audit audit import <bundle.jsonl> --dataset <name|id> [--as <email>] [--json]

<id> is the audit's id, or its name when no other audit has it.
create prints the new audit's id. --size counts instructions (one random instance each unless
--instances all); the same --seed on the same data draws the same sample. --pilot fills each item
to k before starting new ones (agreement exists early); --qualify n makes each reviewer's first n
items gold, their labels counting once the share of their answers on those that are right
reaches --qualify-accuracy (each answer counts apart: a quality item's three questions are three;
\`audit show\` counts whole gold items instead: goldCorrect of goldAnswered have every answer right;
both score the first answer sent on each gold item, so later edits change neither).
--stratify verdict (data quality) draws rows from the rows the filters kept and from each
rule's rejected rows, as many as --strata names per stratum ('kept' or a rule, as in the
funnel; strata not named get none); \`audit strata <dataset>\` lists them with their rows, and
\`report <id> --filters\` is the filter report.
--suggestions-from (quality audits; off by default, as suggestions anchor reviewers): the review
screen starts each item's three answers from that judge run's verdicts (a quality judge run
over the same dataset), labelled as the model's suggestion; the report then says so.
--models (rating audits): the models whose responses are rated (default: all); repeat it, one
model each (--models "m (t=0.7, p=1)" --models m2), or list them with commas; a value that is
exactly one of the dataset's model names is taken whole, commas and all.
--unit (conversation audits): judge each assistant reply (turn, default) or each conversation
as a whole. --pair-models (pairwise audits): build pairs from the dataset's own responses of
two models (one per prompt both answered; built once, reused) and sample those pairs; without
it the dataset's preference pairs (imported comparison data) are sampled. Gold lines by kind:
quality {"instance", "instruction", "input", "output"}, rating {"task", "ratings"},
conversation {"conversation": <id>, "valid": "yes"|"no"}, pairwise {"pair": <id>,
"preference": "a"|"b"|"tie"|"both_bad"} (the pair's own A/B order).

guidelines replaces an audit's guidelines with the file's text, as the audit page's editor does:
each version is kept, reviewers working are told, and the methods paragraph counts the labels given
under each; --as (a researcher or administrator) is recorded as who saved it.

Labels are never deleted by a delete: an audit holding any is refused and can be archived
(hidden, read-only, restorable). --set-aside-labels (formerly --discard-labels) stops a removed
reviewer's labels from counting and keeps them (restore-labels brings them back). Only an
administrator (--as) purges, typing the name, after a verified backup is written.
export writes the audit, of any kind, as a bundle (JSON Lines; standard output without --out; an
existing --out file is overwritten only with --force) that import turns into a new audit on a
dataset of another installation holding the same data (pairs found by prompt and both responses,
conversations by their turns); --as names the account recorded as its importer (without it, none
is recorded).`;

/** What removing a reviewer did: held items lapse back to the pool, drafts stay for a re-add. */
function removedReviewerSummary(result: { released: number; setAside: number }): string {
	const held = result.released
		? `${plural(result.released, 'held item')} ${result.released === 1 ? 'goes' : 'go'} back to the pool (drafts kept for a re-add)`
		: 'no held items';
	const setAside = result.setAside ? `, ${plural(result.setAside, 'label')} set aside (kept; bring them back with restore-labels)` : '';
	return `removed; ${held}${setAside}`;
}

function emails(value: string | undefined, option: string): number[] {
	if (!value) throw usageError(`Missing --${option}.`, USAGE);
	return value
		.split(',')
		.map((e) => e.trim())
		.filter(Boolean)
		.map((email) => {
			const user = findUserByEmail(email);
			if (!user) throw notFound(`No account for ${email}.`);
			return user.id;
		});
}

function auditId(positionals: string[]): number {
	const raw = positionals[1];
	if (!raw) throw usageError(`Give the audit id or name.`, USAGE);
	return requireAudit(resolveAuditRef(raw, 'npx instruct-audit audit list')).id;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], option: string): T | undefined {
	if (value === undefined) return undefined;
	if (!allowed.includes(value as T)) throw new CliError(`--${option} must be one of ${allowed.join(', ')}.`, 2);
	return value as T;
}

function readText(file: string | undefined, option: string): string | undefined {
	if (!file) return undefined;
	try {
		return fs.readFileSync(file, 'utf8');
	} catch (err) {
		throw new CliError(`Cannot read --${option} ${file}: ${(err as Error).message}`);
	}
}

/** "kept=100,rougeL=40" → { kept: 100, rougeL: 40 }. */
function parseStrata(text: string): Record<string, number> {
	const sizes: Record<string, number> = {};
	for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
		const m = /^([^=\s]+)\s*=\s*(\d+)$/.exec(part);
		if (!m) throw new CliError(`--strata: "${part}" is not stratum=rows (e.g. kept=100,rougeL=40).`, 2);
		sizes[m[1]] = Number(m[2]);
	}
	return sizes;
}

export async function run(argv: string[]): Promise<void> {
	const { values, positionals } = parseCommandArgs(
		argv,
		{
			dataset: { type: 'string' },
			kind: { type: 'string' },
			size: { type: 'string' },
			seed: { type: 'string' },
			overlap: { type: 'string' },
			reviewers: { type: 'string' },
			reviewer: { type: 'string' },
			name: { type: 'string' },
			instances: { type: 'string' },
			stratify: { type: 'string' },
			strata: { type: 'string' },
			'include-rejected': { type: 'boolean' },
			models: { type: 'string', multiple: true },
			unit: { type: 'string' },
			'pair-models': { type: 'string', multiple: true },
			'not-blind': { type: 'boolean' },
			'lease-minutes': { type: 'string' },
			guidelines: { type: 'string' },
			gold: { type: 'string' },
			'gold-rate': { type: 'string' },
			'set-aside-labels': { type: 'boolean' },
			qualify: { type: 'string' },
			'qualify-accuracy': { type: 'string' },
			pilot: { type: 'boolean' },
			'suggestions-from': { type: 'string' },
			'discard-labels': { type: 'boolean' },
			archived: { type: 'boolean' },
			confirm: { type: 'string' },
			as: { type: 'string' },
			out: { type: 'string' },
			force: { type: 'boolean' },
			json: { type: 'boolean' }
		},
		USAGE
	);
	const action = positionals[0] ?? 'list';
	refuseExtraPositionals(positionals, action === 'list' ? 1 : 2, USAGE);
	try {
		switch (action) {
			case 'create': {
				if (!values.dataset) throw usageError(`Missing --dataset.`, USAGE);
				const kind = oneOf(values.kind, ['quality', 'rating', 'conversation', 'pairwise'] as const, 'kind');
				if (!kind) throw usageError(`Missing --kind quality|rating|conversation|pairwise.`, USAGE);
				const dataset = resolveDataset(values.dataset);
				const goldText = readText(values.gold, 'gold');
				const goldRate = values['gold-rate'] === undefined ? undefined : Number(values['gold-rate']);
				if (goldRate !== undefined && !Number.isFinite(goldRate)) throw new CliError('--gold-rate must be a number such as 0.1.', 2);
				const input: CreateAuditInput = {
					datasetId: dataset.id,
					kind,
					name: values.name,
					sampleSize: intOption(values.size, 'size', DEFAULT_SAMPLE_SIZE),
					seed: values.seed === undefined ? undefined : intOption(values.seed, 'seed', 0),
					overlap: intOption(values.overlap, 'overlap', 1),
					reviewerIds: emails(values.reviewers, 'reviewers'),
					instanceMode: oneOf(values.instances, ['one', 'all'] as const, 'instances'),
					stratify: oneOf(values.stratify, ['none', 'classification', 'verdict'] as const, 'stratify'),
					strataSizes: values.strata === undefined ? undefined : parseStrata(values.strata),
					includeRejected: values['include-rejected'],
					models: values.models ? modelNamesFromOption(values.models, datasetModels(dataset.id).map((m) => m.model)) : undefined,
					blind: !values['not-blind'],
					leaseMinutes: values['lease-minutes'] === undefined ? undefined : intOption(values['lease-minutes'], 'lease-minutes', 30),
					guidelines: readText(values.guidelines, 'guidelines'),
					conversationUnit: oneOf(values.unit, ['turn', 'conversation'] as const, 'unit'),
					pairModels: pairModelsOption(values['pair-models'], dataset.id),
					gold: goldText ? parseGold(goldText, kind) : undefined,
					goldRate,
					routing: values.pilot ? 'depth' : 'breadth',
					qualificationItems: values.qualify === undefined ? 0 : intOption(values.qualify, 'qualify', 0),
					qualificationAccuracy: values['qualify-accuracy'] === undefined ? undefined : Number(values['qualify-accuracy']),
					suggestionRunId: values['suggestions-from'] === undefined ? null : intOption(values['suggestions-from'], 'suggestions-from', 1)
				};
				if (input.qualificationAccuracy !== undefined && !Number.isFinite(input.qualificationAccuracy)) throw new CliError('--qualify-accuracy must be a share such as 0.8.', 2);
				const audit = await interruptible('no audit was created.', (signal) => createAuditInBatches(input, undefined, { signal }));
				const unit = { quality: 'instructions', rating: 'instructions', conversation: 'conversations', pairwise: 'pairs' }[kind];
				if (input.sampleSize !== undefined && values.size !== undefined && !input.strataSizes && audit.sampleSize < input.sampleSize) {
					const leftOut = [goldExcludedSentence(kind, audit.samplingFrame), rejectedExcludedSentence(kind, audit.samplingFrame, '--include-rejected')].filter(Boolean).join('; ');
					console.error(`note: --size ${input.sampleSize}, but only ${audit.sampleSize} ${unit} to draw from${leftOut ? ` (${leftOut})` : ''}: drew all ${audit.sampleSize}.`);
				}
				const oneStratum = singleStratumNote(audit.stratify, audit.samplingFrame);
				if (oneStratum) console.error(`warning: ${oneStratum}`);
				// Under --json the warning is in the document too, where a script reads it.
				if (values.json) printJson(oneStratum ? { ...audit, warning: oneStratum } : audit);
				else console.log(audit.id);
				return;
			}
			case 'strata': {
				const name = positionals[1] ?? values.dataset;
				if (!name) throw usageError(`Give the dataset: audit strata <name|id>.`, USAGE);
				const strata = previewSample(resolveDataset(name).id, { kind: 'quality' }).verdictStrata;
				if (values.json) printJson(strata);
				else printTable(strata.map((s) => ({ stratum: s.key, rows: s.population, label: s.label })));
				return;
			}
			case 'list': {
				const rows = listAudits({ datasetId: values.dataset ? resolveDataset(values.dataset).id : undefined, archived: values.archived });
				// Dates as ISO strings, as audit show and report --list give them.
				if (values.json) printJson(rows.map((a) => ({ ...a, createdAt: new Date(a.createdAt).toISOString(), archivedAt: a.archivedAt === null ? null : new Date(a.archivedAt).toISOString() })));
				else
					printTable(
						rows.map((a) => ({
							id: a.id,
							name: a.name,
							dataset: a.datasetName,
							kind: a.kind,
							// An archived audit keeps its open/closed state for when it is restored; archived is what it is now.
							status: a.archivedAt !== null ? `archived (${a.status})` : a.status,
							items: a.itemCount,
							k: a.overlap,
							reviewers: a.reviewers,
							labels: `${a.labels}/${a.itemCount * a.overlap}`
						}))
					);
				return;
			}
			case 'show': {
				const id = auditId(positionals);
				const audit = requireAudit(id);
				const progress = auditProgress(id);
				if (values.json) {
					printJson({ audit, progress });
					return;
				}
				console.log(`${audit.name} (#${audit.id}) — ${audit.kind}, ${audit.status}`);
				console.log(
					`sample ${audit.itemCount} items (size ${audit.sampleSize}, seed ${audit.seed}, ${audit.instanceMode} instance${audit.instanceMode === 'one' ? '' : 's'}, stratify ${audit.stratify}), k = ${audit.overlap}, ${audit.blind ? 'blind' : 'not blind'}`
				);
				if (audit.strata) console.log(`strata (drawn/rows): ${audit.strata.map((s) => `${s.key} ${s.size}/${s.population}`).join(', ')}`);
				const goldLeftOut = goldExcludedSentence(audit.kind, audit.samplingFrame);
				if (goldLeftOut) console.log(`${goldLeftOut} (${audit.samplingFrame!.choices} left to draw from)`);
				if (audit.suggestionRunId) console.log(`judge suggestions: reviewers see judge run ${audit.suggestionRunId}'s answers pre-filled`);
				console.log(
					`labels ${progress.labels}/${progress.needed}, complete items ${progress.completeItems}/${progress.items}, stuck ${progress.stuckItems}, skips ${progress.skips}, ${progress.leasesOpenAtClose === null ? `being labelled now ${progress.activeLeases}` : `being labelled when closed ${progress.leasesOpenAtClose} (not accepted)`}`
				);
				printTable(
					progress.reviewers.map((r) => ({
						reviewer: r.email,
						status: r.removed ? 'removed' : r.disabled ? 'disabled' : 'active',
						labelled: r.labelled,
						skipped: r.skipped,
						holding: r.holding,
						'median active s': r.medianActiveSeconds === null ? '' : r.medianActiveSeconds.toFixed(1),
						'gold items all right': r.goldAnswered ? `${r.goldCorrect} of ${r.goldAnswered}` : ''
					}))
				);
				return;
			}
			case 'guidelines': {
				const id = auditId(positionals);
				const text = readText(values.guidelines, 'guidelines');
				if (text === undefined) throw usageError('Missing --guidelines: the Markdown file with the new guidelines.', USAGE);
				const savedBy = values.as ? researcher(values.as, 'change guidelines').id : null;
				const before = requireAudit(id).guidelines;
				updateGuidelines(id, text, savedBy);
				const changed = requireAudit(id).guidelines !== before;
				printOutcome(values.json, { audit: id, changed }, changed ? 'guidelines saved' : 'guidelines unchanged (the same text)');
				return;
			}
			case 'close':
			case 'reopen': {
				const id = auditId(positionals);
				if (action === 'close') {
					const closed = closeAudit(id);
					const consequence = closingConsequence(closed.beingLabelled, closed.reviewers, 'were');
					printOutcome(values.json, { audit: id, status: 'closed', ...closed }, `closed${consequence ? `; ${consequence}` : ''}`);
					return;
				}
				reopenAudit(id);
				printOutcome(values.json, { audit: id, status: 'open' }, 'open');
				return;
			}
			case 'add-reviewers': {
				const id = auditId(positionals);
				const added = addReviewers(id, emails(values.reviewers, 'reviewers'));
				printOutcome(values.json, { audit: id, added }, `added ${added}`);
				return;
			}
			case 'remove-reviewer': {
				const [userId] = emails(values.reviewer, 'reviewer');
				const setAsideLabels = values['set-aside-labels'] || values['discard-labels'];
				const id = auditId(positionals);
				const result = removeReviewer(id, userId, { setAsideLabels, actorId: values.as ? actor(values.as).id : null });
				printOutcome(values.json, { audit: id, removed: values.reviewer, ...result }, removedReviewerSummary(result));
				return;
			}
			case 'restore-labels': {
				const [userId] = emails(values.reviewer, 'reviewer');
				const result = restoreReviewerLabels(auditId(positionals), userId);
				if (values.json) printJson(result);
				else console.log(`brought back ${result.restored} label(s)${result.kept.length ? `; ${result.kept.length} stay set aside:\n${result.kept.map((k) => `  item ${k.itemPosition + 1}: ${k.reason}`).join('\n')}` : ''}`);
				return;
			}
			case 'purge-labels': {
				const [userId] = emails(values.reviewer, 'reviewer');
				const result = await purgeReviewerLabels(auditId(positionals), userId, admin(values.as), values.confirm);
				reportPurge(result, values.json);
				return;
			}
			case 'delete': {
				const id = auditId(positionals);
				const audit = requireAudit(id);
				if (values.confirm !== audit.name) throw new CliError(`Give --confirm "${audit.name}" to delete the audit.`, 2);
				await deleteAudit(id);
				printOutcome(values.json, { deleted: id }, `deleted audit ${id}`);
				return;
			}
			case 'archive': {
				const id = auditId(positionals);
				const stopped = workStoppedByArchiving(id);
				archiveAudit(id, values.as ? actor(values.as).id : null);
				const consequence = closingConsequence(stopped.beingLabelled, stopped.reviewers, 'were', 'archived');
				printOutcome(values.json, { archived: id, ...stopped }, `archived${consequence ? `; ${consequence}` : ''}`);
				return;
			}
			case 'restore': {
				const id = auditId(positionals);
				restoreAudit(id);
				printOutcome(values.json, { restored: id }, 'restored');
				return;
			}
			case 'purge': {
				const result = await purgeAudit(auditId(positionals), admin(values.as), values.confirm);
				reportPurge(result, values.json);
				return;
			}
			case 'export': {
				const id = auditId(positionals);
				// The bundle is JSON Lines, not the one JSON document --json promises: it needs a file.
				if (values.json && !values.out) throw usageError(`audit export --json needs --out: the bundle is JSON Lines, written to a file (--json then prints what was written).`, USAGE);
				auditName(id); // refuses an unknown audit before a file is created
				if (values.out) {
					requireWritableFile(values.out, !!values.force);
					writeThroughPartial(values.out, auditBundleLines(id));
					if (values.json) printJson({ wrote: values.out });
					else console.error(`wrote ${values.out}`);
				} else {
					for (const line of auditBundleLines(id)) process.stdout.write(line);
				}
				return;
			}
			case 'import': {
				const file = positionals[1];
				if (!file) throw usageError(`Give the bundle file.`, USAGE);
				if (!values.dataset) throw usageError(`Missing --dataset: the dataset (here) the audit is about.`, USAGE);
				requireReadableFile(file);
				// --as: the account recorded as the importer (the audit's page and report say who imported it).
				const importer = values.as ? researcher(values.as, 'import an audit').id : null;
				const result = await importAuditBundle(fs.createReadStream(file), { fileName: file, datasetId: resolveDataset(values.dataset).id, createdBy: importer });
				if (values.json) printJson(result);
				else
					console.log(
						`imported as audit ${result.auditId} "${result.name}": ${result.items} items (${result.gold} gold), ${result.labels} labels from ${result.labelReviewers} reviewers, ${result.skips} skips, ${result.adjudications} adjudications${result.archivedLabels ? `, ${result.archivedLabels} set-aside labels of ${result.setAsideReviewers} removed reviewers` : ''}`
					);
				return;
			}
			default:
				throw usageError(`Unknown action "${action}".`, USAGE);
		}
	} catch (err) {
		if (err instanceof AuditError || err instanceof DatasetError || err instanceof GoldParseError || err instanceof ArchiveError || err instanceof BundleError || err instanceof BackupError) {
			throw err;
		}
		throw err;
	}
}

/** --pair-models m1,m2 or --pair-models m1 --pair-models m2: exactly two model names (a value naming a model is taken whole, commas and all). */
function pairModelsOption(values: string[] | undefined, datasetId: number): [string, string] | undefined {
	if (values === undefined) return undefined;
	const models = modelNamesFromOption(values, datasetModels(datasetId).map((m) => m.model));
	if (models.length !== 2) throw new CliError('--pair-models takes two model names: --pair-models m1,m2, or --pair-models m1 --pair-models m2 when a name holds a comma.', 2);
	return [models[0], models[1]];
}
