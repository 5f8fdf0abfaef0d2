import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/lib/server/db';
import { createAudit } from '../src/lib/server/audits/create';
import { nextAssignment, submitLabel } from '../src/lib/server/audits/routing';
import { reviewItemView, reviewProgress } from '../src/lib/server/audits/review';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prof-'));
const db = openDatabase(path.join(dir, 'p.db'), path.resolve('migrations'));
const c = db.$client;
const now = Date.now();
const { id } = c.prepare(`INSERT INTO datasets (name, created_at) VALUES ('x', ?) RETURNING id`).get(now) as { id: number };
const task = c.prepare(`INSERT INTO tasks (dataset_id, instruction, instruction_key, origin, instance_count, is_classification, created_at) VALUES (?, ?, ?, 'generated', 1, 0, ?) RETURNING id`);
const inst = c.prepare(`INSERT INTO instances (task_id, dataset_id, input, output, created_at) VALUES (?, ?, ?, ?, ?)`);
c.transaction(() => { for (let i = 0; i < 100_000; i++) { const t = task.get(id, `I ${i}`, `I ${i}`, now) as { id: number }; inst.run(t.id, id, '', `o ${i}`, now); } })();
const ins = c.prepare(`INSERT INTO users (email, role, password_hash, created_at) VALUES (?, 'reviewer', 'x', ?) RETURNING id`);
const ids = Array.from({ length: 500 }, (_, i) => (ins.get(`r${i}@x`, now) as { id: number }).id);
const audit = createAudit({ datasetId: id, kind: 'quality', sampleSize: 100_000, seed: 1, overlap: 3, reviewerIds: ids }, db);
const answer = { kind: 'quality', instruction: true, input: true, output: false, reason: 'incorrect_output', comment: '' } as const;
const LABELS = Number(process.env.PROF_LABELS ?? 30000);
const holding = new Map<number, string>();
for (const r of ids) { const x = nextAssignment(audit.id, r, {}, db); if (x.status === 'assigned') holding.set(r, x.ref); }
let n = 0;
const t = { submit: 0, progress: 0, next: 0, view: 0 };
outer: for (;;) for (const [r, ref] of [...holding]) {
	let a = performance.now();
	submitLabel(audit.id, r, { ref, submissionId: randomUUID(), answer: answer as never, activeMs: 5000 }, {}, db);
	let b = performance.now(); t.submit += b - a;
	reviewProgress(audit.id, r, db); a = performance.now(); t.progress += a - b;
	const x = nextAssignment(audit.id, r, {}, db); b = performance.now(); t.next += b - a;
	if (x.status === 'assigned') { reviewItemView(audit.id, r, x.ref, db); holding.set(r, x.ref); } else holding.delete(r);
	a = performance.now(); t.view += a - b;
	reviewProgress(audit.id, r, db); t.progress += performance.now() - a;
	if (++n >= LABELS) break outer;
}
console.log('per submit+next ms', Object.fromEntries(Object.entries(t).map(([k, v]) => [k, (v / n).toFixed(3)])));
// Each statement of reviewProgress, timed alone.
const r = ids[7];
const q = (label: string, sql: string, ...args: unknown[]) => { const st = c.prepare(sql); st.get(...args); const a = performance.now(); for (let i = 0; i < 50; i++) st.get(...args); console.log(label, ((performance.now() - a) / 50).toFixed(3), 'ms'); };
q('mine', 'SELECT count(*) AS n FROM audit_labels WHERE audit_id = ? AND reviewer_id = ?', audit.id, r);
q('all', 'SELECT count(*) AS n FROM audit_labels WHERE audit_id = ?', audit.id);
q('belowK', 'SELECT count(*) AS n FROM audit_items WHERE audit_id = ? AND is_gold = 0 AND claimed_count < ?', audit.id, 3);
q('leasedToK', `SELECT count(DISTINCT i.id) AS n FROM audit_assignments s JOIN audit_items i ON i.id = s.item_id WHERE s.audit_id = ? AND s.status = 'active' AND i.is_gold = 0 AND i.claimed_count >= ? AND i.label_count < ?`, audit.id, 3, 3);
q('finished', `SELECT count(*) AS n FROM audit_assignments s JOIN audit_items i ON i.id = s.item_id WHERE s.audit_id = ? AND s.reviewer_id = ? AND s.status IN ('submitted', 'skipped', 'released') AND i.is_gold = 0 AND i.label_count < ?`, audit.id, r, 3);
q('setAside', `SELECT count(*) AS n FROM audit_assignments WHERE audit_id = ? AND status IN ('skipped', 'released')`, audit.id);
q('membership', 'SELECT count(*) AS n FROM audit_reviewers WHERE audit_id = ? AND removed_at IS NULL', audit.id);

{
	const { countStuckItems } = await import('../src/lib/server/audits/audits');
	const { membership } = await import('../src/lib/server/audits/routing');
	const time = (label: string, fn: () => unknown) => { fn(); const a = performance.now(); for (let i = 0; i < 200; i++) fn(); console.log(label, ((performance.now() - a) / 200).toFixed(3), 'ms'); };
	time('reviewProgress', () => reviewProgress(audit.id, r, db));
	time('countStuckItems', () => countStuckItems(audit.id, 3, db));
	time('membership', () => membership(audit.id, r, db));
	time('skipped', () => c.prepare(`SELECT count(*) AS n FROM audit_assignments s JOIN audit_items i ON i.id = s.item_id WHERE s.audit_id = ? AND s.reviewer_id = ? AND s.status = 'skipped' AND (i.is_gold = 1 OR i.claimed_count < ?)`).get(audit.id, r, 3));
}
