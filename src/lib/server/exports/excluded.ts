/**
 * Why the dataset's instances an export leaves out were left out, for the manifest and the card:
 * the automatic filters (`kept`), the human-label filters, the model judge (`judge-valid`), or the
 * other filters (classification, run, origin, input — and, for a model's responses, instances it
 * has no response to). A row several filters would drop is put on the first of: the other filters,
 * the automatic filters, the human labels, the judge — the order an export narrows its rows, from
 * what the dataset holds to what people and models said of it.
 */
import type Database from 'better-sqlite3';
import { usesHumanLabels, withoutHumanLabels, type ExportFilters } from './filters';
import { countSelection, type ExportSelection } from './query';

export interface ExcludedInstancesByCause {
	otherFilters: number;
	automaticFilters: number;
	humanLabels: number;
	judge: number;
}

/**
 * `selected`: the instances the whole selection holds (before replies not meant as targets are
 * left out); `excluded`: the dataset's instances not in the file; `untrainable`: those the export
 * itself left out as targets not to train on, which no filter accounts for.
 */
export function excludedInstancesByCause(
	client: Database.Database,
	selection: ExportSelection,
	counts: { selected: number; excluded: number; untrainable: number }
): ExcludedInstancesByCause {
	const f = selection.filters;
	const human = usesHumanLabels(f);
	const judge = !!f.judgeValid;
	const kept = f.kept !== undefined;
	const byFilters = counts.excluded - counts.untrainable;
	if (!human && !judge && !kept) return { otherFilters: byFilters, automaticFilters: 0, humanLabels: 0, judge: 0 };
	const instances = (filters: ExportFilters) => countSelection(client, { ...selection, filters, includeReformulations: false }).instances;
	// The audits and the judge run only say whose labels count: they select nothing themselves.
	const { kept: _k, judgeValid: _j, ...others } = withoutHumanLabels(f);
	const withKept: ExportFilters = kept ? { ...others, kept: f.kept } : others;
	const withHuman: ExportFilters = { ...withKept, ...pickHumanLabels(f) };
	const nOthers = instances(others);
	const nKept = kept ? instances(withKept) : nOthers;
	const nHuman = human ? (judge ? instances(withHuman) : counts.selected) : nKept;
	const automaticFilters = nOthers - nKept;
	const humanLabels = nKept - nHuman;
	const byJudge = nHuman - counts.selected;
	return { otherFilters: byFilters - automaticFilters - humanLabels - byJudge, automaticFilters, humanLabels, judge: byJudge };
}

function pickHumanLabels(f: ExportFilters): ExportFilters {
	const { allYes, minRating, agreed, audited, notRejected } = f;
	return { allYes, minRating, agreed, audited, notRejected };
}
