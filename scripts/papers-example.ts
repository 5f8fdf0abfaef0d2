/**
 * A worked example of the paper outputs on the real Alpaca sample (issues 19 and 24), from a
 * fresh database: the CLI imports ../shared/datasets/stanford_alpaca/alpaca_5000.json and the
 * seed tasks, creates three reviewers and a 200-item quality audit (two reviewers per item,
 * seed 42), then this script labels every item through the domain functions (nextAssignment,
 * submitLabel) with SIMULATED reviewers — no person judged these rows — and the CLI writes
 * Table 2 as LaTeX, the methods paragraph, the dataset card folder and the analyses figures.
 *
 *   npx tsx --tsconfig tsconfig.json scripts/papers-example.ts [out-dir] [notes-file]
 *
 * The simulated truth of an item: instruction valid with probability 0.95, input appropriate
 * 0.90, output correct 0.70, drawn from a generator seeded by the item; each reviewer then
 * reports the truth of each question but flips it with probability 0.08 (seeded by item and
 * reviewer). Deterministic: the same files every run.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../src/lib/server/db';
import { nextAssignment, submitLabel } from '../src/lib/server/audits/routing';
import { SeededRandom } from '../src/lib/audits/random';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'data/papers-example'));
const notes = process.argv[3] ? path.resolve(process.argv[3]) : null;
const datasets = path.resolve(root, process.env.SHARED_DATASETS ?? '../../shared/datasets');
const alpaca = path.join(datasets, 'stanford_alpaca/alpaca_5000.json');
const seeds = path.join(datasets, 'stanford_alpaca/seed_tasks.jsonl');
for (const f of [alpaca, seeds]) if (!fs.existsSync(f)) throw new Error(`${f} is missing (set SHARED_DATASETS to the shared datasets folder).`);

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const databasePath = path.join(out, 'example.db');
const env = { ...process.env, DATABASE_PATH: databasePath, PASSWORD: 'simulated-reviewer-pw' };

function cli(args: string[]): string {
	console.error(`$ instruct-audit ${args.join(' ')}`);
	return execFileSync(process.execPath, [path.join(root, 'bin/instruct-audit.js'), ...args], { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

cli(['import', alpaca, '--dataset', 'alpaca_5000']);
cli(['import', seeds, '--dataset', 'alpaca_seeds', '--origin', 'seed']);
const reviewers = ['ada@example.org', 'ben@example.org', 'cai@example.org'];
for (const email of reviewers) cli(['users', 'create', '--email', email, '--role', 'reviewer']);
const audit = JSON.parse(
	cli(['audit', 'create', '--dataset', 'alpaca_5000', '--kind', 'quality', '--reviewers', reviewers.join(','), '--size', '200', '--seed', '42', '--overlap', '2', '--name', 'Alpaca sample audit (simulated reviewers)', '--json'])
) as { id: number };

// The simulated reviewers, through the same functions the review screen calls.
const db = openDatabase(databasePath);
const ids = reviewers.map((email) => (db.$client.prepare('SELECT id FROM users WHERE email = ?').get(email) as { id: number }).id);
const hash = (text: string) => [...text].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);
let now = Date.parse('2026-11-30T09:00:00Z');
let labels = 0;
for (let active = true; active; ) {
	active = false;
	for (const [k, reviewerId] of ids.entries()) {
		const next = nextAssignment(audit.id, reviewerId, { now }, db);
		if (next.status !== 'assigned') continue;
		active = true;
		// Seeded by the item's text, not its ref (refs are random tokens).
		const item = db.$client.prepare('SELECT t.instruction || char(0) || i.input || char(0) || i.output AS text FROM audit_items a JOIN tasks t ON t.id = a.task_id JOIN instances i ON i.id = a.instance_id WHERE a.ref = ?').get(next.ref) as { text: string };
		const truth = new SeededRandom(hash(`truth:${item.text}`));
		const t = { instruction: truth.float() < 0.95, input: truth.float() < 0.9, output: truth.float() < 0.7 };
		const noise = new SeededRandom(hash(`reviewer${k}:${item.text}`));
		const say = (v: boolean) => (noise.float() < 0.08 ? !v : v);
		const a = { instruction: say(t.instruction), input: say(t.input), output: say(t.output) };
		const reason = !a.instruction ? 'incomprehensible_instruction' : !a.input ? 'input_mismatch' : !a.output ? 'incorrect_output' : null;
		now += 20_000;
		submitLabel(audit.id, reviewerId, { ref: next.ref, submissionId: randomUUID(), answer: { kind: 'quality', ...a, reason, comment: '' }, activeMs: 15_000 }, { now }, db);
		labels++;
	}
}
db.$client.close();
console.error(`${labels} simulated labels.`);

const table2 = cli(['report', String(audit.id), '--latex', '--table', 'quality']);
const methods = cli(['report', String(audit.id), '--methods']);
cli(['export', 'alpaca_5000', '--format', 'jsonl', '--dataset-card', '--out', path.join(out, 'card'), '--license', 'cc-by-nc-4.0']);
const card = fs.readFileSync(path.join(out, 'card/README.md'), 'utf8');
const figures = JSON.parse(cli(['analyze', 'alpaca_5000', '--seeds', 'alpaca_seeds', '--figures', path.join(out, 'figures'), '--json'])) as { figures: { figure: string; width: number; height: number }[] };
const reportFigures = JSON.parse(cli(['report', String(audit.id), '--figures', path.join(out, 'figures'), '--json'])) as { figures: { figure: string; width: number; height: number }[] };

const text = `# Worked example: paper outputs for the real Alpaca sample

Made by \`npx tsx --tsconfig tsconfig.json scripts/papers-example.ts\` (branch papers) from a fresh
database. The data are real: \`alpaca_5000.json\` (5,000 records sampled from Stanford Alpaca's
\`alpaca_data.json\`, CC BY-NC 4.0) and the 175 seed tasks, imported with the CLI. The audit is
real too — 200 instructions drawn by the app with seed 42, two reviewers per item out of three —
but **the reviewers' labels are simulated** by the script through the domain functions
(\`nextAssignment\`, \`submitLabel\`): each item's "truth" is drawn with P(instruction valid) = 0.95,
P(input appropriate) = 0.90, P(output correct) = 0.70, and each simulated reviewer flips each
answer with probability 0.08. The percentages below therefore describe the simulation, not
Alpaca's real quality. Everything else (sampling, report, estimator, agreement, card) is the
app's own output, unedited.

${labels} labels were written. Figures written by \`analyze … --figures\` and \`report … --figures\`:
${[...figures.figures, ...reportFigures.figures].map((f) => `\`${f.figure}\` (${f.width} × ${f.height} px PNG)`).join(', ')}.

## Table 2 (\`report ${audit.id} --latex --table quality\`)

\`\`\`latex
${table2.trimEnd()}
\`\`\`

## Methods paragraph (\`report ${audit.id} --methods\`)

${methods.trimEnd()}

## Dataset card (\`export alpaca_5000 --format jsonl --dataset-card --out card --license cc-by-nc-4.0\`), README.md as written

\`\`\`\`markdown
${card.trimEnd()}
\`\`\`\`
`;
if (notes) fs.writeFileSync(notes, text);
else process.stdout.write(text);
console.error(`Done: ${out}${notes ? `, ${notes}` : ''}`);
