/**
 * Issue #17 item 6: any search string answers 200 (results, or a sentence saying why the search
 * could not run) or a clear 400 — never a 500. Named cases (underscores, FTS5 syntax, quotes,
 * Unicode) and 200 seeded random strings, in process and over HTTP against the built app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, jsonl, streamOf } from '../support/db';
import { startBuiltApp, signInOverHttp, type BuiltApp } from '../support/built-app';
import type { Db } from '../../src/lib/server/db';
import { importFile } from '../../src/lib/server/datasets/import';
import { listTasks, SearchError } from '../../src/lib/server/datasets/browse';
import { searchTerms } from '../../src/lib/datasets/search';

const ROWS = [
	{ instruction: 'Convert the variable name to snake_case.', input: 'myVariableName', output: 'my_variable_name' },
	{ instruction: 'Describe the seed_task format.', input: '', output: 'One JSON object per line.' },
	{ instruction: 'Translate to French: café au lait', input: 'coffee with milk', output: 'café au lait' },
	{ instruction: '東京の天気を説明してください。', input: '', output: '晴れ' },
	{ instruction: 'Write a "quoted" answer (with NEAR and OR).', input: 'x', output: 'y' }
];

const NAMED = [
	'snake_case',
	'seed_task',
	'_',
	'__init__',
	'"',
	'""',
	'"unterminated',
	"'",
	'*',
	'**',
	'a*',
	'*a',
	'^start',
	'instruction:cat',
	'inputs : x',
	'{instruction inputs}: cat',
	'NEAR(a b)',
	'NEAR(a b, 2)',
	'a AND',
	'OR',
	'NOT x',
	'a + b',
	'(a',
	')',
	'-x',
	'a - b',
	'col:',
	':',
	'\\',
	'\u0000',
	'\u0000a',
	'%',
	'%25',
	'🎉',
	'a🎉b',
	'e\u0301',
	'\u200b',
	'\u202etext',
	'\ufeff',
	'\uffff',
	'\ud800',
	'a\ud800b',
	'\u19b0',
	'a\u19b0b',
	'\u1cf2x',
	'ﬁ',
	'İstanbul',
	'ß',
	'東京',
	'x'.repeat(499),
	'x '.repeat(300),
	'x'.repeat(5000),
	'   ',
	'\t\n\r',
	'<script>alert(1)</script>',
	"'; DROP TABLE tasks; --"
];

/** Seeded random strings over ASCII (punctuation-heavy), Latin-1, combining marks, CJK, emoji, RTL, controls, surrogates. */
function randomStrings(count: number, seed = 17): string[] {
	let s = seed >>> 0;
	const rand = () => {
		s = (s + 0x6d2b79f5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const ranges: Array<[number, number]> = [
		[0x20, 0x7e],
		[0x20, 0x2f],
		[0x5b, 0x60],
		[0x00, 0x1f],
		[0xa0, 0xff],
		[0x300, 0x36f],
		[0x590, 0x6ff],
		[0x1980, 0x19df],
		[0x1cd0, 0x1cff],
		[0x3040, 0x30ff],
		[0x4e00, 0x4eff],
		[0xd800, 0xdfff],
		[0xfff0, 0xffff],
		[0x1f300, 0x1f6ff],
		[0xe000, 0xe0ff],
		[0x10000, 0x1007f]
	];
	const out: string[] = [];
	for (let i = 0; i < count; i++) {
		const length = 1 + Math.floor(rand() * 40);
		let text = '';
		for (let j = 0; j < length; j++) {
			const [lo, hi] = ranges[Math.floor(rand() * ranges.length)];
			const cp = lo + Math.floor(rand() * (hi - lo + 1));
			text += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
		}
		out.push(text);
	}
	return out;
}

const FUZZ = randomStrings(200);

describe('dataset search (in process)', () => {
	let db: Db;
	let cleanup: () => void;
	let datasetId: number;
	beforeAll(async () => {
		({ db, cleanup } = createTestDb());
		datasetId = (await importFile(streamOf(jsonl(ROWS)), { datasetName: 'searchable', fileName: 'rows.jsonl' }, db)).datasetId;
	});
	afterAll(() => cleanup());

	it('finds words written with underscores', () => {
		expect(listTasks(datasetId, { q: 'snake_case' }, db).rows.map((r) => r.instruction)).toEqual([ROWS[0].instruction]);
		expect(listTasks(datasetId, { q: 'seed_task' }, db).rows.map((r) => r.instruction)).toEqual([ROWS[1].instruction]);
		expect(listTasks(datasetId, { q: 'café' }, db).total).toBe(1);
		expect(listTasks(datasetId, { q: 'NEAR' }, db).total).toBe(1);
	});

	it('"-word" leaves out the rows holding the word (all the words of a "-chunk"); only "-" words is refused in words', () => {
		const found = (q: string) => listTasks(datasetId, { q }, db).rows.map((r) => r.instruction);
		expect(found('the')).toEqual([ROWS[0].instruction, ROWS[1].instruction]);
		expect(found('the -snake')).toEqual([ROWS[1].instruction]);
		expect(found('the -seed_task')).toEqual([ROWS[0].instruction]);
		// A "-chunk" leaves out rows holding all its words: "seed" and "case" are not in one row.
		expect(found('the -seed_case')).toEqual([ROWS[0].instruction, ROWS[1].instruction]);
		expect(found('the -snake -seed')).toEqual([]);
		// A hyphen inside a chunk is a separator, as before.
		expect(found('snake-case')).toEqual([ROWS[0].instruction]);
		expect(() => listTasks(datasetId, { q: '-snake' }, db)).toThrow(/only leaves words out/);
		// Nothing searchable typed: said so, not "No tasks match".
		for (const q of ['😀', '?', '(', '++ --']) expect(() => listTasks(datasetId, { q }, db)).toThrow(new SearchError(`The search "${q}" has no words to search for: rows are searched by words of letters or digits, and emoji, punctuation and symbols are left out.`));
	});

	it('"quoted words" find the words side by side in one field, folded like the index', () => {
		const found = (q: string) => listTasks(datasetId, { q }, db).rows.map((r) => r.instruction);
		expect(found('"variable name"')).toEqual([ROWS[0].instruction]);
		expect(found('"name variable"')).toEqual([]);
		expect(found('"CAFE AU lait"')).toEqual([ROWS[2].instruction]);
		// Words of a phrase each in the row but not side by side.
		expect(found('"convert name"')).toEqual([]);
		// Not across the instruction and the input ("… snake_case." then "myVariableName").
		expect(found('"case myvariablename"')).toEqual([]);
		expect(found('"the seed" -"the variable"')).toEqual([ROWS[1].instruction]);
		expect(found('"the" format')).toEqual([ROWS[1].instruction]);
		expect(listTasks(datasetId, { q: '"variable name"', count: 'all' }, db).total).toBe(1);
	});

	it('a phrase is checked in the first rows holding its words only, and the page is told how many', async () => {
		const rows = ['Cake and chocolate.', 'Bake a chocolate cake.', 'More chocolate cake.'].map((instruction) => ({ instruction, input: '', output: 'x' }));
		const id = (await importFile(streamOf(jsonl(rows)), { datasetName: 'phrases', fileName: 'p.jsonl' }, db)).datasetId;
		expect(listTasks(id, { q: '"chocolate cake"' }, db)).toMatchObject({ total: 2 });
		expect(listTasks(id, { q: '"chocolate cake"' }, db).phraseCandidates).toBeUndefined();
		// One row a page: the page's own row, and this many more, are checked.
		const search = (page: number, phraseCandidates: number) => listTasks(id, { q: '"chocolate cake"', page, pageSize: 1, phraseCandidates }, db);
		expect(search(1, 1)).toMatchObject({ total: 1, totalExact: false, phraseCandidates: 2 });
		expect(search(1, 1).rows.map((r) => r.instruction)).toEqual(['Bake a chocolate cake.']);
		expect(search(1, 2)).toMatchObject({ total: 2 });
		expect(search(1, 2).phraseCandidates).toBeUndefined();
		// A later page checks further: a common phrase still pages on.
		expect(search(2, 1)).toMatchObject({ total: 2, page: 2 });
		expect(search(2, 1).rows.map((r) => r.instruction)).toEqual(['More chocolate cake.']);
	});

	it.each(NAMED.map((q) => [JSON.stringify(q).slice(0, 40), q]))('%s runs or fails with a SearchError, never anything else', (_, q) => {
		try {
			const page = listTasks(datasetId, { q }, db);
			expect(page.total).toBeGreaterThanOrEqual(0);
		} catch (err) {
			expect(err).toBeInstanceOf(SearchError);
		}
	});

	it('200 random strings: every one runs (none needs the SearchError fallback here) but those of "-" words only, refused in words', () => {
		const failures: string[] = [];
		let onlyLeftOut = 0;
		for (const q of FUZZ) {
			const terms = searchTerms(q);
			const leavesOutOnly = terms.words.length === 0 && terms.phrases.length === 0 && terms.excluded.length > 0;
			const noWords = terms.words.length === 0 && terms.phrases.length === 0 && terms.excluded.length === 0;
			try {
				listTasks(datasetId, { q }, db);
				if (leavesOutOnly || noWords) failures.push(`${JSON.stringify(q)}: ran`);
			} catch (err) {
				if (noWords && err instanceof SearchError && /has no words to search for/.test(err.message)) continue;
				if (leavesOutOnly && err instanceof SearchError && /only leaves words out/.test(err.message)) onlyLeftOut++;
				else failures.push(`${JSON.stringify(q)}: ${(err as Error).message}`);
			}
		}
		expect(failures).toEqual([]);
		expect(onlyLeftOut).toBe(1);
	});
});

describe('dataset search over HTTP (built app)', () => {
	let app: BuiltApp;
	let cookie: string;
	let path: string;
	beforeAll(async () => {
		app = await startBuiltApp();
		cookie = await signInOverHttp(app);
		const res = await fetch(`${app.url}/api/datasets/import?dataset=searchable&fileName=rows.jsonl`, {
			method: 'POST',
			headers: { cookie, origin: app.url, 'content-type': 'application/x-ndjson' },
			body: jsonl(ROWS)
		});
		expect(res.status).toBe(200);
		const { summary } = (await res.json()) as { summary: { datasetId: number } };
		path = `/datasets/${summary.datasetId}`;
	}, 300_000);
	afterAll(async () => app?.stop());

	async function search(q: string): Promise<{ status: number; body: string }> {
		const res = await fetch(`${app.url}${path}?${new URLSearchParams({ q })}`, { headers: { cookie, accept: 'text/html' } });
		return { status: res.status, body: await res.text() };
	}

	it('/datasets/<id>?q=snake_case and seed_task answer 200 with the task', async () => {
		for (const [q, found] of [
			['snake_case', 'Convert the variable name'],
			['seed_task', 'Describe the seed_task format']
		]) {
			const { status, body } = await search(q);
			expect(status, q).toBe(200);
			expect(body, q).toContain(found);
		}
	});

	it('a search too long to run is refused in words, not ignored', async () => {
		const { status, body } = await search('x'.repeat(5000));
		expect(status).toBe(200);
		expect(body).toContain('searches are limited to 500 characters, so nothing was searched. Shorten it.');
	});

	it('the named cases and 200 random strings answer 200 (or a clear 400), never 500', async () => {
		const bad: string[] = [];
		for (const q of [...NAMED, ...FUZZ]) {
			const { status, body } = await search(q);
			if (status !== 200 && !(status === 400 && body.length > 0)) bad.push(`${JSON.stringify(q)} → ${status}`);
		}
		expect(bad).toEqual([]);
	}, 120_000);
});
