/**
 * What judged a dataset's `kept` verdicts, as an export's manifest records it, and how the
 * manifest's readers (the dataset card, the CLI, the export page) name it. Pure.
 */
import { formatCount } from '$lib/text/words';

/**
 * The dataset's latest *Apply filters* run (its verdicts replace any before), else the generation
 * runs that wrote the dataset, whose filters (ROUGE-L, word count, blacklist…; Unnatural's
 * missing fields, copies, duplicates) judged each candidate as it was generated.
 */
export interface AutomaticFiltersNote {
	/** The *Apply filters* run, or null when the verdicts are the generation runs' own. */
	filterRunId: number | null;
	/** That filter run's settings in words (filterConfigSummary); empty when the verdicts are the generation runs' own. */
	filterRunSettings: string[];
	/** The generation runs whose filters judged the rows (empty when a filter run did), each with its filters in words. */
	generationRuns: { id: number; pipeline: string; filters: string[] }[];
	/** When the verdicts were made: the filter run's start, or the generation runs' last update. */
	appliedAt: string;
	/** Exported instances whose task or instance the filters rejected. */
	rejectedInstances: number;
	/**
	 * With `kept`: exported instances no filter judged (countUnjudged) — seed tasks' and others'
	 * (added since the run). Absent without `kept` and in manifests of earlier versions.
	 */
	unjudgedInstances?: { seeds: number; other: number };
}

/**
 * What `kept` includes besides the rows the filters kept: "175 instances of seed tasks, which
 * the filters do not judge (…)", or null when there are none. Self-Instruct's
 * prepare_for_finetuning leaves seed tasks out unless asked, so this is said wherever `kept` is.
 */
export function unjudgedKeptText(unjudged: AutomaticFiltersNote['unjudgedInstances']): string | null {
	if (!unjudged) return null;
	const parts = [
		unjudged.seeds ? `${formatCount(unjudged.seeds, 'instance')} of seed tasks, which the filters do not judge (they are the pool the other instructions are compared with)` : '',
		unjudged.other ? `${formatCount(unjudged.other, 'instance')} of tasks no filter has judged (added since the filters ran)` : ''
	].filter(Boolean);
	return parts.length ? `includes ${parts.join(' and ')}` : null;
}

/**
 * Who judged the rows, in words: "the dataset's automatic filters (filter run 4, 2026-01-02)" or
 * "the filters generation run 2 applied as it generated the rows (preset self-instruct, ROUGE-L ≤ 0.7, …)".
 */
export function automaticFiltersSource(note: Pick<AutomaticFiltersNote, 'filterRunId' | 'filterRunSettings' | 'generationRuns' | 'appliedAt'>): string {
	if (note.filterRunId !== null)
		return `the dataset's automatic filters (filter run ${note.filterRunId}, ${note.appliedAt.slice(0, 10)}${note.filterRunSettings.length ? `: ${note.filterRunSettings.join(', ')}` : ''})`;
	const runs = note.generationRuns;
	const many = runs.length > 1;
	const filters = runs.map((r) => (many ? `run ${r.id}: ` : '') + (r.filters.length ? r.filters.join(', ') : 'none')).join('; ');
	return `the filters generation run${many ? 's' : ''} ${runs.map((r) => r.id).join(', ')} applied as ${many ? 'they' : 'it'} generated the rows (${filters})`;
}

/** The same in brief, for a parenthesis: "filter run 4" or "generation run 2's own: preset self-instruct, ROUGE-L ≤ 0.7". */
export function automaticFiltersBrief(note: Pick<AutomaticFiltersNote, 'filterRunId' | 'filterRunSettings' | 'generationRuns'>): string {
	if (note.filterRunId !== null) return `filter run ${note.filterRunId}${note.filterRunSettings.length ? `: ${note.filterRunSettings.join(', ')}` : ''}`;
	return note.generationRuns.map((r) => `generation run ${r.id}'s own${r.filters.length ? `: ${r.filters.join(', ')}` : ''}`).join('; ');
}

/**
 * What the Filters page says of a dataset no filter run has judged but generation runs wrote: their
 * own filters judged the rows, and *Apply filters* would replace those verdicts — except the
 * rejections that are not the filters' to give, which stand.
 */
export function generationVerdictsNote(generationRuns: AutomaticFiltersNote['generationRuns']): string {
	const source = automaticFiltersSource({ filterRunId: null, filterRunSettings: [], generationRuns, appliedAt: '' });
	return `No filter run yet: the rows carry the verdicts of ${source}. Apply filters replaces those verdicts; rejections that are not the filters' to give (beyond the run's target, held back by a failed call, an output cut by the length limit) stand.`;
}
