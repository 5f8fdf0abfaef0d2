import { error, fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { datasetOrError } from '$lib/server/datasets/http';
import { applyFilters, latestFilterRun, latestGenerationFilters, savedFilterSettings } from '$lib/server/filters/apply';
import { generationRunsOf } from '$lib/server/exports/export';
import { blankIsMissing, parseForm, checkbox, type FieldErrors } from '$lib/server/forms';
import { httpError } from '$lib/server/http/errors';
import { formatNumber } from '$lib/text/words';
import { FILTER_PRESETS, filterPreset, INSTANCE_RULES, INSTRUCTION_RULES, isFilterPresetName, RULE_LABELS, type FilterConfig } from '$lib/filters';

function datasetOr404(id: string) {
	return datasetOrError(id);
}

export const load: PageServerLoad = ({ locals, url, params }) => {
	requireRole(locals, 'researcher', url);
	const dataset = datasetOr404(params.id);
	const latest = latestFilterRun(dataset.id);
	return {
		dataset: { id: dataset.id, name: dataset.name },
		latest,
		// Until a filter run, the generation runs' own filters judged the rows: the page names them.
		generationRuns: latest ? [] : generationRunsOf(dataset.id),
		// …and the form starts from the newest such run's filters, not a preset the rows were never judged by.
		runFilters: latest ? null : latestGenerationFilters(dataset.id),
		presets: Object.fromEntries(FILTER_PRESETS.map((p) => [p, filterPreset(p)])),
		// Settings applied before that are no preset's unchanged (a run with --config, a preset changed in this form): offered again as they are.
		savedSettings: savedFilterSettings(dataset.id),
		rules: {
			instruction: INSTRUCTION_RULES.filter((r) => r !== 'emptyInstruction').map((r) => ({ id: r, label: RULE_LABELS[r] })),
			instance: INSTANCE_RULES.filter((r) => r !== 'taskRejected').map((r) => ({ id: r, label: RULE_LABELS[r] }))
		}
	};
};

/** A comma- or line-separated list; its limits are said in words beside the field. */
const words = (max: number, noun: string) =>
	z
		.string()
		.max(MAX_LIST_CHARACTERS, `At most ${formatNumber(MAX_LIST_CHARACTERS)} characters.`)
		.transform((s) =>
			s
				.split(/[,\n]/)
				.map((w) => w.trim())
				.filter(Boolean)
		)
		.pipe(z.array(z.string()).max(max, `At most ${formatNumber(max)} ${noun}.`));
const MAX_LIST_CHARACTERS = 5000;

const CHOOSE_SETTINGS = 'Choose the settings to start from.';

const schema = z.object({
	/** A preset, or the key of settings applied before (savedFilterSettings) as the base. */
	preset: z.string({ message: CHOOSE_SETTINGS }).refine((v) => isFilterPresetName(v) || /^(filter|generation)-run-\d+$/.test(v), CHOOSE_SETTINGS),
	threshold: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).min(0, 'Between 0 and 1.').max(1, 'Between 0 and 1.')),
	minWords: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).int('A whole number.').min(0, 'At least 0.')),
	maxWords: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).int('A whole number.').min(1, 'At least 1.')),
	blacklist: words(500, 'words'),
	prefixes: words(100, 'openings'),
	maxPerTask: blankIsMissing(z.coerce.number({ message: 'Enter a number.' }).int('A whole number.').min(1, 'At least 1.')),
	wordCount: checkbox,
	blacklistOn: checkbox,
	forbiddenPrefix: checkbox,
	leadingPunctuation: checkbox,
	leadingNonAscii: checkbox,
	rougeL: checkbox,
	inputEqualsOutput: checkbox,
	emptyOutput: checkbox,
	endsWithColon: checkbox,
	conflictingOutputs: checkbox,
	duplicate: checkbox,
	maxPerTaskOn: checkbox
});

export const actions: Actions = {
	apply: async ({ locals, params, request }) => {
		const user = requireRole(locals, 'researcher');
		const dataset = datasetOr404(params.id);
		if (dataset.archivedAt) error(409, { message: 'This dataset is archived, so it is read-only; restore it first.' });
		const parsed = parseForm(schema, await request.formData());
		if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values });
		const f = parsed.data;
		if (f.minWords > f.maxWords) {
			const errors: FieldErrors = { minWords: 'The minimum is above the maximum.' };
			return fail(400, { errors, values: parsed.values });
		}
		// What the form does not show (casing, ROUGE-L's top matches) and the name come from the base.
		const base = isFilterPresetName(f.preset) ? filterPreset(f.preset) : savedFilterSettings(dataset.id).find((s) => s.key === f.preset)?.config;
		if (!base) {
			const errors: FieldErrors = { preset: 'These saved settings are no longer offered; choose others.' };
			return fail(400, { errors, values: parsed.values });
		}
		const config: FilterConfig = {
			...base,
			instruction: {
				...base.instruction,
				wordCount: { enabled: f.wordCount, min: f.minWords, max: f.maxWords },
				blacklist: { enabled: f.blacklistOn, words: f.blacklist },
				forbiddenPrefix: { enabled: f.forbiddenPrefix, prefixes: f.prefixes },
				leadingPunctuation: { enabled: f.leadingPunctuation },
				leadingNonAscii: { enabled: f.leadingNonAscii },
				rougeL: { ...base.instruction.rougeL, enabled: f.rougeL, threshold: f.threshold }
			},
			instance: {
				inputEqualsOutput: { enabled: f.inputEqualsOutput },
				emptyOutput: { enabled: f.emptyOutput },
				endsWithColon: { enabled: f.endsWithColon },
				conflictingOutputs: { enabled: f.conflictingOutputs },
				duplicate: { enabled: f.duplicate },
				maxPerTask: { enabled: f.maxPerTaskOn, max: f.maxPerTask }
			}
		};
		await applyFilters(dataset.id, config, user.id).catch(httpError);
		redirect(303, `/datasets/${dataset.id}/filters#funnel`);
	}
};
