import { z } from 'zod';
import { blankIsMissing, checkbox } from '../forms';
import { parseGold, GoldParseError } from '../../audits/gold';
import { MAX_GUIDELINES_LENGTH } from '../../audits/guidelines';
import { AuditError } from './errors';
import type { CreateAuditInput } from './create';

/** The audit creation form (page) → createAudit's input; the same rules as the CLI. */

const ids = z
	.union([z.string(), z.array(z.string())])
	.optional()
	.transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map(Number).filter((n) => Number.isInteger(n) && n > 0));
const names = z
	.union([z.string(), z.array(z.string())])
	.optional()
	.transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((s) => s.trim()).filter(Boolean));

export const auditFormSchema = z.object({
	datasetId: z.coerce.number({ message: 'Choose a dataset.' }).int().positive('Choose a dataset.'),
	kind: z.enum(['quality', 'rating', 'conversation', 'pairwise'], { message: 'Choose the kind of audit.' }),
	name: z.string().trim().max(200, 'At most 200 characters.').default(''),
	sampleSize: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).int('A whole number.').min(1, 'At least 1.').max(100_000, 'At most 100,000.')),
	seed: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).int('A whole number.').min(0, 'At least 0.').max(Number.MAX_SAFE_INTEGER)),
	instanceMode: z.enum(['one', 'all']).default('one'),
	/** A radio: none, classification or verdict ("on" from an older form's checkbox = classification). */
	stratify: z
		.enum(['none', 'classification', 'verdict', 'on', ''])
		.optional()
		.transform((v) => (v === 'on' ? 'classification' : v === 'classification' || v === 'verdict' ? v : 'none')),
	/** Verdict strata: parallel lists of stratum keys and the rows to draw from each (blank = 0). */
	stratumKey: names,
	stratumSize: z
		.union([z.string(), z.array(z.string())])
		.optional()
		.transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((s) => (s.trim() === '' ? 0 : Number(s)))),
	includeRejected: checkbox,
	models: names,
	/** Conversation audits: judge each reply (turn) or the conversation as a whole. */
	conversationUnit: z.enum(['turn', 'conversation']).default('turn'),
	/** Pairwise audits: build pairs from the dataset's responses of these two models (both blank: use the dataset's pairs). */
	pairModelA: z.string().trim().max(200).default(''),
	pairModelB: z.string().trim().max(200).default(''),
	overlap: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).int('A whole number.').min(1, 'At least 1.').max(10, 'At most 10.')),
	reviewers: ids,
	blind: checkbox,
	leaseMinutes: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).int('A whole number.').min(1, 'At least 1 minute.').max(1440, 'At most a day.')),
	guidelines: z.string().max(MAX_GUIDELINES_LENGTH, 'The guidelines are too long.').default(''),
	gold: z.string().max(2_000_000, 'Too much gold data.').default(''),
	goldPercent: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).min(0, 'At least 0%.').max(50, 'At most 50%.').default(10)),
	pilot: checkbox,
	qualificationItems: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).int('A whole number.').min(0, 'At least 0.').max(1000, 'At most 1,000.').default(0)),
	qualificationPercent: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).gt(0, 'Above 0%.').max(100, 'At most 100%.').default(80)),
	/** Quality audits: a judge run whose answers pre-fill the review screen ('' = off, the default). */
	suggestionRunId: z.string().trim().max(20).default('')
});

export type AuditForm = z.infer<typeof auditFormSchema>;

export function auditFormToInput(form: AuditForm, createdBy: number): CreateAuditInput {
	let gold;
	try {
		gold = form.gold.trim() ? parseGold(form.gold, form.kind) : undefined;
	} catch (err) {
		if (err instanceof GoldParseError) throw new AuditError(err.message, 400, 'invalid', 'gold');
		throw err;
	}
	return {
		datasetId: form.datasetId,
		kind: form.kind,
		name: form.name,
		sampleSize: form.sampleSize,
		seed: form.seed,
		instanceMode: form.instanceMode,
		stratify: form.stratify,
		strataSizes: form.stratify === 'verdict' ? Object.fromEntries(form.stratumKey.map((k, i) => [k, form.stratumSize[i] ?? 0])) : undefined,
		includeRejected: form.includeRejected,
		models: form.kind === 'rating' && form.models.length ? form.models : undefined,
		conversationUnit: form.kind === 'conversation' ? form.conversationUnit : undefined,
		pairModels: pairModelsOf(form),
		overlap: form.overlap,
		reviewerIds: form.reviewers,
		blind: form.blind,
		leaseMinutes: form.leaseMinutes,
		guidelines: form.guidelines,
		gold,
		goldRate: gold ? form.goldPercent / 100 : 0,
		routing: form.pilot ? 'depth' : 'breadth',
		qualificationItems: gold ? form.qualificationItems : 0,
		qualificationAccuracy: form.qualificationPercent / 100,
		suggestionRunId: form.kind === 'quality' && form.suggestionRunId ? Number(form.suggestionRunId) : null,
		createdBy
	};
}

/** Pairwise audits: the two models to build pairs from, or undefined (the dataset's own pairs); one given alone is an error. */
function pairModelsOf(form: AuditForm): [string, string] | undefined {
	if (form.kind !== 'pairwise' || (!form.pairModelA && !form.pairModelB)) return undefined;
	if (!form.pairModelA || !form.pairModelB) throw new AuditError('Choose both models to pair (or neither, to use the dataset’s preference pairs).', 400, 'invalid', 'pairModels');
	return [form.pairModelA, form.pairModelB];
}
