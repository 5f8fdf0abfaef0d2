import { describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import {
	EXPORT_FORMATS,
	PROMPT_TEMPLATES,
	TRIMMED_CHARACTERS,
	chatUserMessage,
	promptCompletion,
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

const trimmed = (r: ExportRecord): ExportRecord => ({ instruction: r.instruction.trim(), input: r.input.trim(), output: r.output });

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
		expect(chatUserMessage({ instruction: ' A ', input: '  ', output: '' })).toBe('A');
	});

	it('TRIMMED_CHARACTERS (how the export\'s SQLite trims the chat message) are exactly the code units trim removes', () => {
		const trimmed: string[] = [];
		for (let c = 0; c <= 0xffff; c++) if (String.fromCharCode(c).trim() === '') trimmed.push(String.fromCharCode(c));
		expect([...TRIMMED_CHARACTERS].sort()).toEqual(trimmed.sort());
	});

	it('round-trips through the importer (instruction and input trimmed, output exact, system kept as metadata)', async () => {
		const back = await reimport(serializeAll('openai-chat', TRICKY_RECORDS, { system: 'Be brief.' }), 'chat.jsonl');
		expect(back.format).toBe('chat');
		expect(back.records).toEqual(TRICKY_RECORDS.map(trimmed));
		expect(back.tasks[0].metadata).toEqual({ system: 'Be brief.' });
	});
});

describe('prompt / completion', () => {
	it('Self-Instruct shape: labelled prompt, completion " output<|endoftext|>", no-input template for blank inputs', () => {
		expect(promptCompletion('self-instruct', { instruction: ' Sort the list. ', input: ' 3, 1, 2 ', output: '1, 2, 3' })).toEqual({
			prompt: 'Sort the list.\nInput: 3, 1, 2\nOutput:',
			completion: ' 1, 2, 3<|endoftext|>'
		});
		expect(promptCompletion('self-instruct', { instruction: 'Tell a joke.', input: ' \n', output: 'No.' })).toEqual({
			prompt: 'Tell a joke.\nOutput:',
			completion: ' No.<|endoftext|>'
		});
	});

	it('Self-Instruct shape is split back into instruction and input by the importer', async () => {
		const back = await reimport(serializeAll('prompt-completion', TRICKY_RECORDS, { template: 'self-instruct' }), 'pc.jsonl');
		expect(back.format).toBe('prompt-completion');
		expect(back.records).toEqual(TRICKY_RECORDS.map(trimmed));
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
		const records = [{ instruction: '=HYPERLINK("http://x")', input: '+1', output: '-2+3' }, { instruction: '@SUM(A1)', input: '\t=1', output: '\r=1' }];
		const rows = parseCsv(decode(serializeAll('csv', records)), { columns: true }) as ExportRecord[];
		expect(rows).toEqual([
			{ instruction: `'=HYPERLINK("http://x")`, input: "'+1", output: "'-2+3" },
			{ instruction: "'@SUM(A1)", input: "'\t=1", output: "'\r=1" }
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
