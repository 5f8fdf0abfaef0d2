/**
 * Import parsing throughput: 100,000 Alpaca-like records as JSON Lines and as one JSON array,
 * streamed through parseImport in 64 KiB chunks (as fs.createReadStream delivers them).
 * The whole import (parse + database) must do 100K instances in ≤ 5 s, so parsing alone should
 * take well under a second.
 */
import { chunksOf, parseImport, type ParsedRecord } from '../src/lib/formats';
import { fmt, peakRssMb, timed } from './measure';

const RECORDS = 100_000;
const CHUNK = 64 * 1024;

// First, before anything big is allocated: a 250 MB JSON Lines file streamed from a generator,
// to show the parser's memory stays flat whatever the file size.
{
	const line = JSON.stringify({ instruction: 'Rewrite the sentence in the passive voice.', input: 'The cat chased the mouse. '.repeat(8), output: 'The mouse was chased by the cat. '.repeat(8) }) + '\n';
	const block = new TextEncoder().encode(line.repeat(Math.floor(CHUNK / line.length)));
	const TOTAL = 250 * 1024 * 1024;
	const blocks = Math.ceil(TOTAL / block.length);
	async function* file() {
		for (let k = 0; k < blocks; k++) yield block;
	}
	const before = process.memoryUsage().rss / 1024 / 1024;
	const { result: n, ms } = await timed(async () => {
		let n = 0;
		for await (const _ of parseImport(file(), { fileName: 'big.jsonl' })) n++;
		return n;
	});
	const mb = (blocks * block.length) / 1e6;
	console.log(
		`streamed ${fmt(mb)} MB JSON Lines (${fmt(n)} records) in ${fmt(ms)} ms → ${fmt(mb / (ms / 1000), 1)} MB/s; peak RSS ${fmt(peakRssMb())} MB (${fmt(before)} MB before)`
	);
}

// Deterministic Alpaca-like rows: ~40% with an input, lengths near the paper's averages.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const WORDS = 'the a of to and in is for that with on as be this are by an write give explain list describe classify text sentence word number story poem café naïve 東京 résumé'.split(' ');
const words = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
const rows = Array.from({ length: RECORDS }, (_, i) => ({
	instruction: `${words(14)} ${i}?`,
	input: rand() < 0.4 ? words(12) : '',
	output: words(40) + '\n' + words(20)
}));

const enc = new TextEncoder();
const files = {
	'JSON Lines': enc.encode(rows.map((r) => JSON.stringify(r)).join('\n') + '\n'),
	'JSON array': enc.encode(JSON.stringify(rows, null, 4)),
	'JSON array, \\uXXXX-escaped one line (alpaca_5000.json style)': enc.encode(
		JSON.stringify(rows).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
	)
};
rows.length = 0;

async function run(bytes: Uint8Array): Promise<number> {
	let n = 0;
	let instances = 0;
	for await (const r of parseImport(chunksOf(bytes, CHUNK), { fileName: 'bench' }) as AsyncGenerator<ParsedRecord>) {
		n++;
		if (r.kind === 'task') instances += r.instances.length;
	}
	if (n !== RECORDS || instances !== RECORDS) throw new Error(`expected ${RECORDS} records, got ${n}`);
	return n;
}

for (const [name, bytes] of Object.entries(files)) {
	await run(bytes); // warm-up
	const times: number[] = [];
	for (let k = 0; k < 5; k++) times.push((await timed(() => run(bytes))).ms);
	times.sort((a, b) => a - b);
	const ms = times[2];
	const mb = bytes.length / 1e6;
	console.log(
		`${name}: ${fmt(RECORDS)} records, ${fmt(mb, 1)} MB in ${fmt(ms)} ms (median of 5) → ${fmt(RECORDS / (ms / 1000))} records/s, ${fmt(mb / (ms / 1000), 1)} MB/s`
	);
}
console.log(`peak RSS ${fmt(peakRssMb())} MB (includes the three in-memory input files)`);

// ---- multi-turn conversations (issue #14: 100,000 six-turn conversations imported in ≤ 10 s) ----
// The parser's share of that budget: ShareGPT as FastChat releases it (one JSON array) and OpenAI
// chat JSON Lines, every turn kept and checked for alternation.
{
	const CONVERSATIONS = 100_000;
	const TURNS = 6;
	const conversations = Array.from({ length: CONVERSATIONS }, (_, i) =>
		Array.from({ length: TURNS }, (_, t) => (t % 2 === 0 ? `${words(18)} ${i}.${t}?` : `${words(60)}\n${words(30)}`))
	);
	const shareGpt = enc.encode(
		JSON.stringify(conversations.map((turns, i) => ({ id: `conv_${i}`, conversations: turns.map((value, t) => ({ from: t % 2 ? 'gpt' : 'human', value })) })), null, 2)
	);
	const chat = enc.encode(conversations.map((turns) => JSON.stringify({ messages: turns.map((content, t) => ({ role: t % 2 ? 'assistant' : 'user', content })) })).join('\n') + '\n');
	conversations.length = 0;
	async function runConversations(bytes: Uint8Array, fileName: string): Promise<void> {
		let n = 0;
		let turns = 0;
		for await (const r of parseImport(chunksOf(bytes, CHUNK), { fileName })) {
			n++;
			if (r.kind === 'task') turns += r.conversation?.turns.length ?? 0;
		}
		if (n !== CONVERSATIONS || turns !== CONVERSATIONS * TURNS) throw new Error(`expected ${CONVERSATIONS} conversations of ${TURNS} turns, got ${n} with ${turns} turns`);
	}
	for (const [name, bytes, file] of [
		['ShareGPT JSON array (pretty-printed)', shareGpt, 'sharegpt.json'],
		['OpenAI chat JSON Lines', chat, 'chat.jsonl']
	] as const) {
		await runConversations(bytes, file); // warm-up
		const times: number[] = [];
		for (let k = 0; k < 3; k++) times.push((await timed(() => runConversations(bytes, file))).ms);
		times.sort((a, b) => a - b);
		const ms = times[1];
		const mb = bytes.length / 1e6;
		console.log(
			`${name}: ${fmt(CONVERSATIONS)} conversations × ${TURNS} turns, ${fmt(mb, 1)} MB parsed in ${fmt(ms)} ms (median of 3) → ${fmt(CONVERSATIONS / (ms / 1000))} conversations/s; ${fmt((ms / 10_000) * 100, 1)}% of the 10 s import budget`
		);
	}
	console.log(`peak RSS ${fmt(peakRssMb())} MB`);
}
