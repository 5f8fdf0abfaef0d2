/**
 * One serialiser per export format, chosen by id. Server-side (CSV and Parquet pull in their
 * libraries); the browser only needs the format list in serialize.ts.
 */
import {
	alpacaJsonSerializer,
	JSON_RECORD_LAYOUTS,
	jsonLinesSerializer,
	openAiChatSerializer,
	promptCompletionSerializer,
	type ExportFormatId,
	type RecordLayout,
	type RecordSerializer,
	type SerializeOptions
} from './serialize';
import { CSV_LAYOUT, csvSerializer } from './serialize-csv';
import { parquetSerializer } from './serialize-parquet';

export function createSerializer(format: ExportFormatId, options: SerializeOptions = {}): RecordSerializer {
	switch (format) {
		case 'jsonl':
			return jsonLinesSerializer(options);
		case 'alpaca-json':
			return alpacaJsonSerializer(options);
		case 'openai-chat':
			return openAiChatSerializer(options);
		case 'prompt-completion':
			return promptCompletionSerializer(options);
		case 'csv':
			return csvSerializer(options);
		case 'parquet':
			return parquetSerializer(options);
	}
}

/** How the records of a format SQLite writes by block are laid out (every format but Parquet). */
export function recordLayout(format: ExportFormatId): RecordLayout | undefined {
	if (format === 'csv') return CSV_LAYOUT;
	const layouts: Partial<Record<ExportFormatId, RecordLayout>> = JSON_RECORD_LAYOUTS;
	return layouts[format];
}

/** Serialises a whole list at once, for tests and small exports: the chunks joined as bytes. */
export function serializeAll(format: ExportFormatId, records: Iterable<{ instruction: string; input: string; output: string }>, options: SerializeOptions = {}): Uint8Array {
	const serializer = createSerializer(format, options);
	const encoder = new TextEncoder();
	const parts: Uint8Array[] = [];
	const add = (chunk: string | Uint8Array) => {
		if (chunk.length) parts.push(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
	};
	add(serializer.begin());
	for (const r of records) add(serializer.write(r));
	add(serializer.end());
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}
