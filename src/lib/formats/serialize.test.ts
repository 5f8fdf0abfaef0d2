import { describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import {
	EXPORT_FORMATS,
	PROMPT_TEMPLATES,
	chatUserMessage,
	importedFieldsOf,
	importedFieldsRefusal,
	promptCompletion,
	readsBackExactly,
	type ExportFormatId,
	type ExportRecord
} from './serialize';
import { createSerializer, serializeAll } from './serialize-formats';
import { TRICKY_RECORDS } from './serialize-fixtures';
import { chunksOf, parseImport, type ParsedTask } from './index';

const decode = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

/** Reads an exported JSON file back through the importer's own parser. */
async function reimport(bytes: Uint8Array, fileName: string): Promise<{ format: string; records: ExportRecord[]; tasks: ParsedTask[] }> {
	let format = '';
	const tasks: ParsedTask[] = [];
	for await (const r of parseImport(chunksOf(bytes, 7), { fileName, onFormat: (f) => (format = f) })) {
		if (r.kind !== 'task') throw new Error('expected tasks');
		tasks.push(r);
	}
	const records = tasks.flatMap((t) => t.instances.map((i) => ({ instruction: t.instruction, input: i.input, output: i.output })));
	return { format, records, tasks };
}

/**
 * Rows that look like the labelled layouts' own text: the Alpaca row whose instruction quotes
 * "Input:", white space around each field (fx/bom_crlf.jsonl's " lead"), empty and blank inputs,
 * labels and line breaks in the input.
 */
const ADVERSARIAL_PIECES = ['', ' ', '  lead', 'tail ', '\n', 'Input: x', '\n\nInput: https://www.vox.com/a', '\nInput:', 'Output:', ' Output:', '\nOutput:', 'Task: ', '\r\n', 'plain text', '\t'];

/** Every instruction/input made of up to two of the pieces, in a fixed order (a seeded walk, not random). */
function adversarialRecords(): ExportRecord[] {
	const texts = ADVERSARIAL_PIECES.flatMap((a) => ADVERSARIAL_PIECES.map((b) => a + b));
	const records: ExportRecord[] = [];
	let seed = 7;
	for (const instructionText of texts) {
		seed = (seed * 1103515245 + 12345) % 2 ** 31;
		const input = texts[seed % texts.length];
		const instruction = 'Summarize this article in three sentences.' + instructionText;
		records.push({ instruction, input, output: ' out ' });
		records.push({ instruction: instructionText + 'Do it.', input: instructionText, output: '' });
	}
	records.push({ instruction: 'Summarize this article in three sentences.\n\nInput: https://www.vox.com/x', input: 'https://www.vox.com/x', output: 'S.' });
	return records;
}

describe('JSON Lines and Alpaca JSON', () => {
	it('JSON Lines: one {instruction, input, output} object per line, round-tripping exactly through the importer', async () => {
		const bytes = serializeAll('jsonl', TRICKY_RECORDS);
		const text = decode(bytes);
		const lines = text.split('\n');
		expect(lines.pop()).toBe('');
		expect(lines).toHaveLength(TRICKY_RECORDS.length);
		expect(Object.keys(JSON.parse(lines[0]))).toEqual(['instruction', 'input', 'output']);
		// Raw U+2028 inside a line would break naive line splitting in some readers; JSON.stringify keeps it, which is valid JSON.
		const back = await reimport(bytes, 'export.jsonl');
		expect(back.format).toBe('instances');
		expect(back.records).toEqual(TRICKY_RECORDS);
	});

	it('Alpaca JSON: a valid JSON array that the importer reads back exactly', async () => {
		const bytes = serializeAll('alpaca-json', TRICKY_RECORDS);
		expect(JSON.parse(decode(bytes))).toEqual(TRICKY_RECORDS);
		const back = await reimport(bytes, 'export.json');
		expect(back.records).toEqual(TRICKY_RECORDS);
	});

	it('Alpaca JSON with no records is an empty array', () => {
		expect(JSON.parse(decode(serializeAll('alpaca-json', [])))).toEqual([]);
		expect(decode(serializeAll('jsonl', []))).toBe('');
	});
});

describe('OpenAI chat', () => {
	it('writes system (optional), user = instruction + blank line + "Input: " + input, assistant = output', () => {
		const text = decode(serializeAll('openai-chat', TRICKY_RECORDS.slice(0, 2), { system: 'You are helpful.' }));
		const rows = text.trim().split('\n').map((l) => JSON.parse(l));
		expect(rows[0]).toEqual({
			messages: [
				{ role: 'system', content: 'You are helpful.' },
				{ role: 'user', content: 'Translate to French.\n\nInput: good morning' },
				{ role: 'assistant', content: 'bonjour' }
			]
		});
		expect(rows[1].messages).toEqual([
			{ role: 'system', content: 'You are helpful.' },
			{ role: 'user', content: 'Name a colour.' },
			{ role: 'assistant', content: 'blue' }
		]);
	});

	it('leaves the system message out when none is given, and the plain layout uses only the blank line', () => {
		const text = decode(serializeAll('openai-chat', TRICKY_RECORDS.slice(0, 1), { system: '  ', chatInput: 'plain' }));
		expect(JSON.parse(text).messages).toEqual([
			{ role: 'user', content: 'Translate to French.\n\ngood morning' },
			{ role: 'assistant', content: 'bonjour' }
		]);
		expect(chatUserMessage({ instruction: ' A ', input: '', output: '' })).toBe(' A ');
	});

	it('round-trips through the importer exactly (system kept as metadata)', async () => {
		const back = await reimport(serializeAll('openai-chat', TRICKY_RECORDS, { system: 'Be brief.' }), 'chat.jsonl');
		expect(back.format).toBe('chat');
		expect(back.records).toEqual(TRICKY_RECORDS);
		expect(back.tasks[0].metadata).toEqual({ system: 'Be brief.' });
	});

	it('export → import is the identity on adversarial rows, except the ones readsBackExactly names', async () => {
		const records = adversarialRecords();
		const back = await reimport(serializeAll('openai-chat', records), 'chat.jsonl');
		expect(back.records).toHaveLength(records.length);
		const failing = records.filter((r, k) => JSON.stringify(back.records[k]) !== JSON.stringify(r));
		expect(failing).toEqual(records.filter((r) => !readsBackExactly('openai-chat', {}, r)));
		// The real Alpaca row, white space at either end and empty inputs come back as they were.
		for (const r of [records.at(-1)!, { instruction: ' lead', input: ' lead', output: '' }, { instruction: 'tail \t', input: '', output: '' }, { instruction: 'x', input: '\tInput: y ', output: '' }])
			expect(readsBackExactly('openai-chat', {}, r)).toBe(true);
		// What cannot come back: the exporter's own label line inside the input.
		expect(readsBackExactly('openai-chat', {}, { instruction: 'a', input: 'b\n\nInput: c' })).toBe(false);
	});
});

describe('prompt / completion', () => {
	it('Self-Instruct shape: labelled prompt, completion " output<|endoftext|>", no-input template for empty inputs, nothing trimmed', () => {
		expect(promptCompletion('self-instruct', { instruction: ' Sort the list. ', input: ' 3, 1, 2 ', output: '1, 2, 3' })).toEqual({
			prompt: ' Sort the list. \nInput:  3, 1, 2 \nOutput:',
			completion: ' 1, 2, 3<|endoftext|>'
		});
		expect(promptCompletion('self-instruct', { instruction: 'Tell a joke.', input: '', output: 'No.' })).toEqual({
			prompt: 'Tell a joke.\nOutput:',
			completion: ' No.<|endoftext|>'
		});
	});

	it('Self-Instruct shape is split back into instruction and input by the importer, exactly', async () => {
		const back = await reimport(serializeAll('prompt-completion', TRICKY_RECORDS, { template: 'self-instruct' }), 'pc.jsonl');
		expect(back.format).toBe('prompt-completion');
		expect(back.records).toEqual(TRICKY_RECORDS);
	});

	it('Self-Instruct shape: export → import is the identity on adversarial rows, except the ones readsBackExactly names', async () => {
		const records = adversarialRecords().filter((r) => r.instruction.trim() !== '');
		const back = await reimport(serializeAll('prompt-completion', records), 'pc.jsonl');
		expect(back.records).toHaveLength(records.length);
		const failing = records.filter((r, k) => JSON.stringify(back.records[k]) !== JSON.stringify(r));
		expect(failing).toEqual(records.filter((r) => !readsBackExactly('prompt-completion', {}, r)));
		expect(readsBackExactly('prompt-completion', {}, records.at(-1)!)).toBe(true);
		expect(readsBackExactly('prompt-completion', {}, { instruction: ' lead', input: ' lead ' })).toBe(true);
		expect(readsBackExactly('prompt-completion', {}, { instruction: 'a', input: 'b\n' })).toBe(false);
	});

	it('Alpaca prompt is split back into instruction, input and output by the importer, exactly', async () => {
		const back = await reimport(serializeAll('prompt-completion', TRICKY_RECORDS, { template: 'alpaca' }), 'pc.jsonl');
		expect(back.format).toBe('prompt-completion');
		expect(back.records).toEqual(TRICKY_RECORDS);
	});

	it('Alpaca prompt: export → import is the identity on adversarial rows, except the ones readsBackExactly names', async () => {
		const alpaca = { template: 'alpaca' } as const;
		const records = [
			...adversarialRecords().filter((r) => r.instruction.trim() !== ''),
			{ instruction: ' Padded.\n', input: '\n padded ', output: ' kept ' },
			{ instruction: 'Quote the section:\n\n### Input:\nx', input: 'y', output: 'z' },
			{ instruction: 'Quote the marker.', input: 'a\n\n### Input:\nb', output: 'c' }
		];
		const back = await reimport(serializeAll('prompt-completion', records, alpaca), 'pc.jsonl');
		expect(back.records).toHaveLength(records.length);
		const failing = records.filter((r, k) => JSON.stringify(back.records[k]) !== JSON.stringify(r));
		expect(failing).toEqual(records.filter((r) => !readsBackExactly('prompt-completion', alpaca, r)));
		// White space at the ends and a quoted section marker in the instruction come back; the exporter's marker inside the input cannot.
		expect(failing).toEqual([records.at(-1)]);
	});

	it('Alpaca prompt: the two Stanford Alpaca templates, data inserted literally', () => {
		const withInput = promptCompletion('alpaca', { instruction: 'Price it.', input: 'costs $& and $1', output: '$5' });
		expect(withInput.prompt).toBe(
			'Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n' +
				'### Instruction:\nPrice it.\n\n### Input:\ncosts $& and $1\n\n### Response:'
		);
		expect(withInput.completion).toBe('$5');
		expect(promptCompletion('alpaca', { instruction: 'Say hi.', input: '', output: 'Hi' }).prompt).toBe(
			'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nSay hi.\n\n### Response:'
		);
	});

	it('offers both templates', () => {
		expect(PROMPT_TEMPLATES.map((t) => t.id)).toEqual(['self-instruct', 'alpaca']);
	});
});

describe('CSV', () => {
	it('is RFC 4180: header, CRLF records, quoted fields with commas, quotes and line breaks; csv-parse reads it back exactly', () => {
		const text = decode(serializeAll('csv', TRICKY_RECORDS, { csvKeepFormulas: true }));
		expect(text.startsWith('instruction,input,output\r\nTranslate to French.,good morning,bonjour\r\n')).toBe(true);
		expect(text).toContain('"Quote this, please: ""to be, or not to be"""');
		expect(text.charCodeAt(0)).not.toBe(0xfeff);
		const rows = parseCsv(text, { columns: true, relax_column_count: false }) as ExportRecord[];
		expect(rows).toEqual(TRICKY_RECORDS);
	});

	it('quotes every field holding a line break of any kind, so readers that end records at a lone CR or LF (pandas, Python csv) keep them', () => {
		const text = decode(serializeAll('csv', [{ instruction: 'lf', input: 'a\nb', output: 'c\rd' }, { instruction: 'crlf', input: 'e\r\nf', output: 'plain' }]));
		expect(text).toBe('instruction,input,output\r\nlf,"a\nb","c\rd"\r\ncrlf,"e\r\nf",plain\r\n');
	});

	it('neutralises text a spreadsheet would run as a formula, unless asked to keep it', () => {
		const records = [
			{ instruction: '=HYPERLINK("http://x")', input: '+1+1', output: '-2+3' },
			{ instruction: '@SUM(A1)', input: '\t=1', output: '\r=1' },
			{ instruction: 'A plain number is a number, not a formula', input: '+3', output: '-0.25' }
		];
		const rows = parseCsv(decode(serializeAll('csv', records)), { columns: true }) as ExportRecord[];
		expect(rows).toEqual([
			{ instruction: `'=HYPERLINK("http://x")`, input: "'+1+1", output: "'-2+3" },
			{ instruction: "'@SUM(A1)", input: "'\t=1", output: "'\r=1" },
			{ instruction: 'A plain number is a number, not a formula', input: '+3', output: '-0.25' }
		]);
		expect(parseCsv(decode(serializeAll('csv', records, { csvKeepFormulas: true })), { columns: true })).toEqual(records);
	});

	it('the format\'s description says formula-like cells (bullet lists too) get a leading apostrophe by default', () => {
		const csv = EXPORT_FORMATS.find((f) => f.id === 'csv')!.description;
		expect(csv).toContain(`leading '`);
		expect(csv).toContain('bullet list');
		expect(csv).toContain('manifest records which');
		// What the description promises: a bullet-list output comes back from a CSV reader with the apostrophe.
		const [row] = parseCsv(decode(serializeAll('csv', [{ instruction: 'List chores.', input: '', output: '- Take out the garbage\n- Sweep' }])), { columns: true }) as ExportRecord[];
		expect(row.output).toBe("'- Take out the garbage\n- Sweep");
	});

	it('an empty export is the header alone', () => {
		expect(decode(serializeAll('csv', []))).toBe('instruction,input,output\r\n');
	});
});

describe('Parquet', () => {
	const toBuffer = (bytes: Uint8Array) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

	it('writes three required UTF-8 string columns that hyparquet reads back exactly', async () => {
		const bytes = serializeAll('parquet', TRICKY_RECORDS);
		expect(decode(bytes.subarray(0, 4))).toBe('PAR1');
		expect(decode(bytes.subarray(bytes.length - 4))).toBe('PAR1');
		const file = toBuffer(bytes);
		const meta = parquetMetadata(file);
		expect(meta.schema.slice(1).map((s) => [s.name, s.type, s.converted_type, s.repetition_type])).toEqual([
			['instruction', 'BYTE_ARRAY', 'UTF8', 'REQUIRED'],
			['input', 'BYTE_ARRAY', 'UTF8', 'REQUIRED'],
			['output', 'BYTE_ARRAY', 'UTF8', 'REQUIRED']
		]);
		expect(Number(meta.num_rows)).toBe(TRICKY_RECORDS.length);
		expect(await parquetReadObjects({ file })).toEqual(TRICKY_RECORDS);
	});

	it('cuts row groups as it goes, handing out each group before the end', async () => {
		const records = Array.from({ length: 25 }, (_, i) => ({ instruction: `Task ${i % 4}`, input: i % 3 ? `in ${i}` : '', output: `out ${i} ✓` }));
		const serializer = createSerializer('parquet', { rowGroupRows: 10 });
		const sizes: number[] = [serializer.begin().length];
		for (const r of records) sizes.push(serializer.write(r).length);
		const tail = serializer.end();
		// Groups of 10, 10 and 5: bytes come out at rows 10 and 20, the last group with the footer.
		expect(sizes.map((s, i) => (s > 0 ? i : -1)).filter((i) => i >= 0)).toEqual([0, 10, 20]);
		const bytes = serializeAll('parquet', records, { rowGroupRows: 10 });
		expect(tail.length).toBeGreaterThan(0);
		const meta = parquetMetadata(toBuffer(bytes));
		expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([10, 10, 5]);
		expect(await parquetReadObjects({ file: toBuffer(bytes) })).toEqual(records);
	});

	it('an empty export is a valid file with no rows', async () => {
		const file = toBuffer(serializeAll('parquet', []));
		expect(Number(parquetMetadata(file).num_rows)).toBe(0);
		expect(await parquetReadObjects({ file })).toEqual([]);
	});
});

describe('format list', () => {
	it('has a serialiser for every listed format', () => {
		for (const f of EXPORT_FORMATS) expect(createSerializer(f.id as ExportFormatId).begin).toBeTypeOf('function');
		expect(EXPORT_FORMATS.map((f) => f.id).sort()).toEqual(['alpaca-json', 'csv', 'jsonl', 'openai-chat', 'parquet', 'prompt-completion']);
	});
});

describe('imported fields', () => {
	it('are the row\'s id and other fields, written after its own three (which they never replace) only when asked', () => {
		const importedFields = importedFieldsOf('7', { score: 0.5, big: { $number: '12345678901234567890123' }, output: 'not this' });
		expect(importedFields).toEqual({ id: '7', score: 0.5, big: { $number: '12345678901234567890123' }, output: 'not this' });
		expect(importedFieldsOf(null, null)).toBeNull();
		const record = { instruction: 'i', input: '', output: 'o', importedFields };
		const text = (format: ExportFormatId, options = {}) => new TextDecoder().decode(serializeAll(format, [record], options));
		expect(text('jsonl', { importedFields: true })).toBe('{"instruction":"i","input":"","output":"o","id":"7","score":0.5,"big":12345678901234567890123}\n');
		expect(text('alpaca-json', { importedFields: true })).toBe('[\n{"instruction":"i","input":"","output":"o","id":"7","score":0.5,"big":12345678901234567890123}\n]\n');
		expect(text('jsonl')).toBe('{"instruction":"i","input":"","output":"o"}\n');
		expect(importedFieldsRefusal('jsonl')).toBeNull();
		expect(importedFieldsRefusal('csv')).toMatch(/^The imported fields are written back only by jsonl and alpaca-json: csv cannot hold them/);
	});
});
