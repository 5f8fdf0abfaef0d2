/**
 * The filters an export combines (all must hold), written the same way everywhere: as
 * `key` or `key=value` clauses — `--where` on the CLI, `where=` parameters of /api/exports, and
 * the list the manifest records. Each filter turns into one SQL predicate over `t` (tasks),
 * `i` (instances) and, when exporting model responses, `r` (responses); the human-label filters
 * are predicates over the final labels of human-labels.ts.
 */
import { DomainError } from '$lib/errors';
import { TASK_ORIGINS, type TaskOrigin } from '../db/schema/task-origins';
import type { SqlQuery } from './sql';
import { unjudgedKeptText, type AutomaticFiltersNote } from '$lib/cards/automatic-filters';
import { RATING_KEYS, type RatingLevel } from '$lib/audits/rubric';
import { QUALITY_ALL_YES, QUALITY_NOT_ALL_YES, levelsAtLeast, ratedAtLeastSql, withQualityFinal, withRatingFinal, type AuditScope } from './human-labels';

export class ExportFilterError extends DomainError {
	constructor(
		message: string,
		readonly clause?: string
	) {
		super(message, 400, 'invalid-filter');
	}
}

export interface ExportFilters {
	/** yes: neither the task nor the instance was rejected by the automatic filters (unfiltered rows count as kept); no: one of them was. */
	kept?: 'yes' | 'no';
	classification?: 'yes' | 'no' | 'unknown';
	/** Generation runs: the instance's run, or its task's when the instance has none. */
	runs?: number[];
	origins?: TaskOrigin[];
	input?: 'empty' | 'nonempty';
	/** Human labels: which audits count (default: every audit of the dataset). */
	audits?: number[];
	/** Human labels: all fields valid in the final label (the adjudication, else the majority of each reviewer's own all-valid answer). */
	allYes?: boolean;
	/**
	 * Human labels (responses only): rated at least this good — adjudicated, else by the reviewers'
	 * majority on the two sides of that line (A and B pass B; B and C, split across it, do not).
	 */
	minRating?: RatingLevel;
	/** Human labels: leave out items whose reviewers disagree and that no researcher adjudicated. */
	agreed?: boolean;
	/** Human labels: yes = only items with a final label or adjudication; no = only items without. */
	audited?: 'yes' | 'no';
	/**
	 * Human labels: leave out audited items whose final label says not all valid (responses: rated
	 * C or D); unaudited rows stay. With kept = yes: "kept by the filters and not rejected by people".
	 */
	notRejected?: boolean;
	/** A model judge: which judge run the judge filter, the precision and the manifest's judge estimate use. */
	judgeRun?: number;
	/** A model judge: only rows the judge run answered yes to on all three questions (needs judgeRun; unparsed rows left out). */
	judgeValid?: boolean;
}

export interface FilterHelp {
	key: string;
	values: string;
	description: string;
	humanLabel: boolean;
}

/** What `rating=` means, for `--help`, the page and the manifest: the line, not the plurality letter. */
const RATING_LINE_HELP =
	'response rated at least this level (needs --responses <model>): a researcher\'s adjudicated rating, else most of its reviewers on that side of the line (rated A and B: passes rating=B; split evenly across the line, as B and C for rating=B: left out)';

/** For `--help` and the page, in the order they are shown. */
export const FILTER_HELP: readonly FilterHelp[] = [
	{ key: 'kept', values: 'yes|no', description: 'kept by the automatic filters (task and instance not rejected); "kept" alone means yes', humanLabel: false },
	{ key: 'classification', values: 'yes|no|unknown', description: 'classification tasks or not', humanLabel: false },
	{ key: 'run', values: '<id>[,<id>…]', description: 'from these generation runs', humanLabel: false },
	{ key: 'origin', values: 'seed|generated|imported[,…]', description: 'task origin', humanLabel: false },
	{ key: 'input', values: 'empty|nonempty', description: 'instances with an empty or a non-empty input', humanLabel: false },
	{ key: 'audit', values: '<id>[,<id>…]', description: 'which audits the human-label filters and the estimate use (default: all of the dataset)', humanLabel: true },
	{ key: 'all-yes', values: '', description: 'all fields valid in the final label: a researcher\'s adjudication, else the majority of the reviewers\' own all-valid answers', humanLabel: true },
	{ key: 'rating', values: 'A|B|C|D', description: RATING_LINE_HELP, humanLabel: true },
	{ key: 'agreed', values: '', description: 'without items in unresolved disagreement (reviewers disagree, no adjudication)', humanLabel: true },
	{ key: 'audited', values: 'yes|no', description: 'only items with a human label (yes) or only items without one (no)', humanLabel: true },
	{
		key: 'not-rejected',
		values: '',
		description: 'kept by the automatic filters and not rejected by people: audited items whose final label says not all valid (responses: rated C or D) are dropped, unaudited kept rows stay — for an audit that is a sample',
		humanLabel: true
	},
	{ key: 'judge-run', values: '<id>', description: 'which judge run judge-valid, its precision and the manifest\'s judge estimate use (the estimate defaults to the newest calibrated one; judge-valid needs it named)', humanLabel: false },
	{ key: 'judge-valid', values: '', description: 'the judge run said all three questions yes (needs judge-run); its precision on the audit is reported', humanLabel: false }
];

function oneOf<T extends string>(option: string, clause: string, value: string, allowed: readonly T[]): T {
	if ((allowed as readonly string[]).includes(value)) return value as T;
	throw new ExportFilterError(`${option} ${clause}: expected ${allowed.join(', ')}, got "${value}".`, clause);
}

function ids(option: string, clause: string, value: string): number[] {
	const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
	if (!parts.length || parts.some((p) => !/^\d+$/.test(p))) {
		throw new ExportFilterError(`${option} ${clause}: expected one or more numeric ids separated by commas.`, clause);
	}
	return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

const YES_WORDS = new Set(['yes', 'true', '1', 'on']);
const NO_WORDS = new Set(['no', 'false', '0', 'off']);

function yesNo(option: string, clause: string, value: string | undefined): 'yes' | 'no' {
	if (value === undefined || YES_WORDS.has(value)) return 'yes';
	if (NO_WORDS.has(value)) return 'no';
	throw new ExportFilterError(`${option} ${clause}: expected yes or no, got "${value}".`, clause);
}

/**
 * The filters that only select (`all-yes`, `agreed`, `not-rejected`, `judge-valid`) and what
 * their `=no` would have to mean. Their negation is not offered: "not all valid" would have to
 * say what becomes of unaudited rows and of ties, and the estimate beside the export would be
 * about rows the filter did not pick; `=no` is refused rather than dropped to every row.
 */
const YES_ONLY: Record<string, string> = {
	'all-yes': 'use audited=yes for the labelled rows, or leave all-yes out for every row',
	valid: 'use audited=yes for the labelled rows, or leave valid out for every row',
	agreed: 'leave agreed out to keep items in unresolved disagreement',
	'not-rejected': 'use kept=no for rows the automatic filters rejected, or leave not-rejected out',
	'judge-valid': 'leave judge-valid out for every row'
};

function yesOnly(option: string, clause: string, key: string, value: string | undefined): true {
	if (yesNo(option, clause, value) === 'yes') return true;
	throw new ExportFilterError(`${option} ${clause}: ${key} can only be yes (given alone); ${YES_ONLY[key]}.`, clause);
}

/**
 * Reads `key` / `key=value` clauses (case-insensitive keys and values, except ids). Every clause
 * must hold, so a key given twice with different values is refused (an identical repeat is
 * fine) rather than the later one silently replacing the earlier. Refusals name a clause as
 * `<option> <clause>`: the caller's name for the option (the CLI's --where; a page's "filter").
 */
export function parseWhere(clauses: readonly string[], option = '--where'): ExportFilters {
	const filters: ExportFilters = {};
	/** Which clause set each field, to name both when a later one contradicts it. */
	const setBy = new Map<keyof ExportFilters, string>();
	const set = <K extends keyof ExportFilters>(clause: string, field: K, value: ExportFilters[K]) => {
		const before = setBy.get(field);
		if (before !== undefined && JSON.stringify(filters[field]) !== JSON.stringify(value)) {
			throw new ExportFilterError(`${option} ${clause} contradicts ${option} ${before}: every filter must hold, so give each one once.`, clause);
		}
		if (before === undefined) setBy.set(field, clause);
		filters[field] = value;
	};
	for (const raw of clauses) {
		const clause = raw.trim();
		if (!clause) continue;
		const eq = clause.indexOf('=');
		const key = (eq === -1 ? clause : clause.slice(0, eq)).trim().toLowerCase();
		const value = eq === -1 ? undefined : clause.slice(eq + 1).trim().toLowerCase();
		const need = () => {
			if (value === undefined || value === '') throw new ExportFilterError(`${option} ${clause}: give a value, e.g. ${key}=…`, clause);
			return value;
		};
		switch (key) {
			case 'kept':
				set(clause, 'kept', yesNo(option, clause, value));
				break;
			case 'rejected':
				set(clause, 'kept', yesNo(option, clause, value) === 'yes' ? 'no' : 'yes');
				break;
			case 'classification':
				set(clause, 'classification', value === undefined ? 'yes' : oneOf(option, clause, value, ['yes', 'no', 'unknown'] as const));
				break;
			case 'run':
			case 'runs':
				set(clause, 'runs', ids(option, clause, need()));
				break;
			case 'origin':
				// Sorted, as ids are: the same origins in another order are the same filter.
				set(clause, 'origins', [...new Set(need().split(',').map((o) => oneOf(option, clause, o.trim(), TASK_ORIGINS)))].sort());
				break;
			case 'input':
				set(clause, 'input', oneOf(option, clause, need(), ['empty', 'nonempty'] as const));
				break;
			case 'audit':
			case 'audits':
				set(clause, 'audits', ids(option, clause, need()));
				break;
			case 'all-yes':
			case 'valid':
				set(clause, 'allYes', yesOnly(option, clause, key, value));
				break;
			case 'rating':
				set(clause, 'minRating', oneOf(option, clause, need().toUpperCase(), RATING_KEYS));
				break;
			case 'agreed':
				set(clause, 'agreed', yesOnly(option, clause, key, value));
				break;
			case 'audited':
				set(clause, 'audited', yesNo(option, clause, value));
				break;
			case 'not-rejected':
				set(clause, 'notRejected', yesOnly(option, clause, key, value));
				set(clause, 'kept', 'yes');
				break;
			case 'judge-run': {
				const [id, ...more] = ids(option, clause, need());
				if (more.length) throw new ExportFilterError(`${option} ${clause}: give one judge run.`, clause);
				set(clause, 'judgeRun', id);
				break;
			}
			case 'judge-valid':
				set(clause, 'judgeValid', yesOnly(option, clause, key, value));
				break;
			default:
				throw new ExportFilterError(
					`${option} ${clause}: unknown filter "${key}". Known: ${FILTER_HELP.map((f) => f.key).join(', ')}.`,
					clause
				);
		}
	}
	if (filters.judgeValid && filters.judgeRun === undefined) {
		// Said to the web API and the command line alike: the filter's own words first, each face's spelling after.
		throw new ExportFilterError('judge-valid needs the judge run it means: add judge-run=<id> (on the command line, --where judge-run=12 or --judge-run 12).', 'judge-valid');
	}
	return filters;
}

/** The canonical clauses of a filter set (what parseWhere reads back to the same filters). */
export function whereClauses(filters: ExportFilters): string[] {
	const out: string[] = [];
	if (filters.kept) out.push(filters.kept === 'yes' ? 'kept' : 'kept=no');
	if (filters.classification) out.push(`classification=${filters.classification}`);
	if (filters.runs?.length) out.push(`run=${filters.runs.join(',')}`);
	if (filters.origins?.length) out.push(`origin=${filters.origins.join(',')}`);
	if (filters.input) out.push(`input=${filters.input}`);
	if (filters.audits?.length) out.push(`audit=${filters.audits.join(',')}`);
	if (filters.allYes) out.push('all-yes');
	if (filters.minRating) out.push(`rating=${filters.minRating}`);
	if (filters.agreed) out.push('agreed');
	if (filters.audited) out.push(`audited=${filters.audited}`);
	if (filters.notRejected) out.push('not-rejected');
	if (filters.judgeRun !== undefined) out.push(`judge-run=${filters.judgeRun}`);
	if (filters.judgeValid) out.push('judge-valid');
	return out;
}

/**
 * One sentence per filter, for the manifest and the page. `neverFiltered`: no automatic filter has
 * been run on the dataset, so `kept` is every row (and `kept=no` none) — said so rather than
 * "kept by the automatic filters".
 */
export function describeFilters(
	filters: ExportFilters,
	context: { neverFiltered?: boolean; unjudged?: AutomaticFiltersNote['unjudgedInstances'] } = {}
): { where: string; description: string }[] {
	return whereClauses(filters).map((where) => ({ where, description: describeClause(filters, where, context.neverFiltered ?? false, context.unjudged) }));
}

/**
 * What the dataset card, the CLI and the export page say of `kept` on a dataset no filter run has
 * seen. Plain text (quotes, not Markdown backticks): the manifest is JSON and the card escapes it.
 */
export const NEVER_FILTERED_KEPT = 'no automatic filter has been run on this dataset; "kept" is every row';

function describeClause(f: ExportFilters, where: string, neverFiltered: boolean, unjudged: AutomaticFiltersNote['unjudgedInstances']): string {
	const key = where.split('=')[0];
	switch (key) {
		case 'kept':
			if (neverFiltered) return f.kept === 'yes' ? NEVER_FILTERED_KEPT : 'no automatic filter has been run on this dataset; "kept=no" is no row';
			if (f.kept === 'no') return 'rejected by the automatic filters (the task or the instance)';
			return `kept by the automatic filters: neither the task nor the instance was rejected${keptIncludesText(unjudged)}`;
		case 'classification':
			return f.classification === 'unknown' ? 'classification unknown' : f.classification === 'yes' ? 'classification tasks' : 'non-classification tasks';
		case 'run':
			return `from generation run${f.runs!.length > 1 ? 's' : ''} ${f.runs!.join(', ')}`;
		case 'origin':
			return `task origin ${f.origins!.join(' or ')}`;
		case 'input':
			return f.input === 'empty' ? 'instances with an empty input (and tasks without an instance, which have no input)' : 'instances with a non-empty input';
		case 'audit':
			return `human labels from audit${f.audits!.length > 1 ? 's' : ''} ${f.audits!.join(', ')}`;
		case 'all-yes':
			return 'all fields valid in the final label (a researcher\'s adjudication, else the majority of the reviewers\' own all-valid answers)';
		case 'rating': {
			const levels = levelsAtLeast(f.minRating!);
			if (levels.length === RATING_KEYS.length) return 'response rated (any level, A to D)';
			const line = levels.join(' or ');
			const below = RATING_KEYS[levels.length];
			const both = levels.length > 1 ? `rated ${levels.at(-2)} and ${levels.at(-1)}: in; ` : '';
			return `response rated ${line}: a researcher's adjudicated rating, else more of its reviewers' ratings ${line} than worse (${both}split evenly across the line, as ${levels.at(-1)} and ${below}: left out)`;
		}
		case 'agreed':
			return 'without items in unresolved disagreement (reviewers disagree and no researcher adjudicated)';
		case 'audited':
			return f.audited === 'yes' ? 'only items with a human label' : 'only items without a human label';
		case 'judge-run':
			return `model judge: judge run ${f.judgeRun}`;
		case 'judge-valid':
			return `the model judge (run ${f.judgeRun}) said all three questions yes; rows it could not judge or whose reply was unreadable left out`;
		case 'not-rejected':
			return 'not rejected by people: audited items whose final label says not all valid (responses: rated C or D) left out, unaudited rows kept';
		default:
			return where;
	}
}

/** "; includes 175 instances of seed tasks, … (origin=generated,imported leaves them out)", or '' when `kept` includes none. */
export function keptIncludesText(unjudged: AutomaticFiltersNote['unjudgedInstances']): string {
	const text = unjudgedKeptText(unjudged);
	if (!text) return '';
	return `; ${text}${unjudged?.seeds ? ' — origin=generated,imported leaves seed tasks out' : ''}`;
}

export function usesHumanLabels(filters: ExportFilters): boolean {
	return !!(filters.allYes || filters.minRating || filters.agreed || filters.audited || filters.notRejected);
}

/** The filters without the human-label ones: the population the audit estimate is about. */
export function withoutHumanLabels(filters: ExportFilters): ExportFilters {
	const { allYes: _a, minRating: _m, agreed: _g, audited: _d, notRejected: _n, ...rest } = filters;
	return rest;
}

export interface FilterContext {
	/** Set when the export's rows are a model's responses (alias `r`) rather than instance outputs. */
	responses: boolean;
	/** Which audits' labels the human-label filters count (asked only when one is given). */
	labels: () => AuditScope;
}

/**
 * Adds every filter's predicate to the query. A row's id is tested against a subquery's ids as
 * `+i.id IN (…)`: without the unary plus SQLite may walk instances by (task, id) once per id
 * of the list, for every task — 84 s instead of 0.2 s over 50,000 audited instances.
 */
export function applyFilters(q: SqlQuery, filters: ExportFilters, ctx: FilterContext): void {
	if (filters.kept === 'yes') q.where("t.filter_status IS NOT 'rejected' AND i.filter_status IS NOT 'rejected'");
	if (filters.kept === 'no') q.where("t.filter_status IS 'rejected' OR i.filter_status IS 'rejected'");
	if (filters.classification === 'yes') q.where('t.is_classification = 1');
	if (filters.classification === 'no') q.where('t.is_classification = 0');
	if (filters.classification === 'unknown') q.where('t.is_classification IS NULL');
	if (filters.runs?.length) q.where(`coalesce(i.run_id, t.run_id) IN (${q.list(filters.runs)})`);
	if (filters.origins?.length) q.where(`t.origin IN (${q.list(filters.origins)})`);
	// A task without an instance (a preference pair's prompt, say) has no input: empty, not unknown, so it is counted, not silently dropped.
	if (filters.input === 'empty') q.where('(i.input_words = 0 OR i.id IS NULL)');
	if (filters.input === 'nonempty') q.where('i.input_words > 0');

	if (filters.judgeValid && filters.judgeRun !== undefined) {
		if (ctx.responses) {
			throw new ExportFilterError('--where judge-valid: the judge answers the three questions about instances; it cannot filter a model\'s responses.', 'judge-valid');
		}
		q.where(
			`+i.id IN (SELECT jl.instance_id FROM judge_labels jl WHERE jl.run_id = ${q.param(filters.judgeRun)} AND jl.status = 'parsed' AND jl.instruction_valid = 1 AND jl.input_valid = 1 AND jl.output_valid = 1)`
		);
	}

	if (filters.minRating && !ctx.responses) {
		throw new ExportFilterError(
			'--where rating: A–D ratings are given to model responses; export a model\'s responses (--responses <model>) to filter on them.',
			`rating=${filters.minRating}`
		);
	}
	const scope = usesHumanLabels(filters) ? ctx.labels() : null;
	if (!scope) return;
	if (filters.allYes) {
		const qf = withQualityFinal(q, scope);
		q.where(`+i.id IN (SELECT qf.instance_id FROM ${qf} qf WHERE ${QUALITY_ALL_YES})`);
	}
	if (filters.minRating) {
		const rf = withRatingFinal(q, scope);
		q.where(`+r.id IN (SELECT rf.response_id FROM ${rf} rf WHERE ${ratedAtLeastSql(filters.minRating)} = 1)`);
	}
	if (filters.agreed) {
		const qf = withQualityFinal(q, scope);
		q.where(`i.id NOT IN (SELECT qf.instance_id FROM ${qf} qf WHERE qf.disagreement)`);
		if (ctx.responses) {
			const rf = withRatingFinal(q, scope);
			q.where(`r.id NOT IN (SELECT rf.response_id FROM ${rf} rf WHERE rf.disagreement)`);
		}
	}
	if (filters.notRejected) {
		if (ctx.responses) {
			const rf = withRatingFinal(q, scope);
			// Rated C or D on the line's terms (a C and a D: rejected; a B and a C: a tie, kept), as the estimate counts it.
			q.where(`r.id NOT IN (SELECT rf.response_id FROM ${rf} rf WHERE ${ratedAtLeastSql('B')} = 0)`);
		} else {
			const qf = withQualityFinal(q, scope);
			q.where(`i.id NOT IN (SELECT qf.instance_id FROM ${qf} qf WHERE ${QUALITY_NOT_ALL_YES})`);
		}
	}
	if (filters.audited) {
		// What judges a row: quality labels on the instance, or A–D ratings on the response.
		const labelled = ctx.responses
			? `+r.id IN (SELECT response_id FROM ${withRatingFinal(q, scope)})`
			: `+i.id IN (SELECT instance_id FROM ${withQualityFinal(q, scope)})`;
		q.where(filters.audited === 'yes' ? labelled : `NOT (${labelled})`);
	}
}
