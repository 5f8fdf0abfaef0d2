/**
 * An export request as URL parameters — what the export page sends to /api/exports/* and what
 * a direct download link carries: dataset, format, repeated `where` clauses (the CLI's
 * --where grammar), template, system, chatInput, responses (a model), reformulations,
 * csvFormulas (keep | neutralise), importedFields (1: write each row's imported fields back).
 */
import { z } from 'zod';
import { CHAT_INPUT_LAYOUTS, EXPORT_FORMAT_IDS, PROMPT_TEMPLATE_IDS, type ExportFormatId } from '$lib/formats/serialize';
import { ExportFilterError, parseWhere } from './filters';
import type { ExportRequest } from './export';

const schema = z.object({
	dataset: z.coerce.number().int().positive({ message: 'Choose a dataset.' }),
	format: z.enum(EXPORT_FORMAT_IDS as [ExportFormatId, ...ExportFormatId[]]).default('jsonl'),
	where: z.array(z.string().max(200)).max(30).default([]),
	template: z.enum(PROMPT_TEMPLATE_IDS as ['self-instruct', 'alpaca']).default('self-instruct'),
	system: z.string().max(8000).default(''),
	chatInput: z.enum(CHAT_INPUT_LAYOUTS as ['labelled', 'plain']).default('labelled'),
	responses: z.string().trim().max(200).default(''),
	reformulations: z.enum(['', '0', '1', 'on', 'true', 'false']).default(''),
	// csv: "keep" writes formula-like cells as stored; by default they are neutralised.
	csvFormulas: z.enum(['neutralise', 'keep']).default('neutralise'),
	// jsonl, alpaca-json: write each row's imported fields back (refused for the other formats).
	importedFields: z.enum(['', '0', '1', 'on', 'true', 'false']).default('')
});

/** Reads the parameters; throws ExportFilterError with a sentence for the user. */
export function parseExportParams(params: URLSearchParams): ExportRequest {
	const raw: Record<string, unknown> = {};
	for (const key of new Set(params.keys())) raw[key] = key === 'where' ? params.getAll(key) : params.get(key);
	const result = schema.safeParse(raw);
	if (!result.success) {
		const issue = result.error.issues[0];
		throw new ExportFilterError(`${issue.path.join('.') || 'request'}: ${issue.message}`);
	}
	const p = result.data;
	return {
		datasetId: p.dataset,
		format: p.format,
		filters: parseWhere(p.where),
		responsesOf: p.responses || null,
		includeReformulations: ['1', 'on', 'true'].includes(p.reformulations),
		options: { template: p.template, system: p.system || null, chatInput: p.chatInput, csvKeepFormulas: p.csvFormulas === 'keep', importedFields: ['1', 'on', 'true'].includes(p.importedFields) }
	};
}

/** The parameters of a request (the inverse of parseExportParams). */
export function exportParams(request: ExportRequest, where: string[]): URLSearchParams {
	const params = new URLSearchParams({ dataset: String(request.datasetId), format: request.format });
	for (const w of where) params.append('where', w);
	if (request.responsesOf) params.set('responses', request.responsesOf);
	if (request.includeReformulations) params.set('reformulations', '1');
	if (request.format === 'prompt-completion') params.set('template', request.options?.template ?? 'self-instruct');
	if (request.format === 'csv' && request.options?.csvKeepFormulas) params.set('csvFormulas', 'keep');
	if (request.options?.importedFields) params.set('importedFields', '1');
	if (request.format === 'openai-chat') {
		if (request.options?.system) params.set('system', request.options.system);
		params.set('chatInput', request.options?.chatInput ?? 'labelled');
	}
	return params;
}
