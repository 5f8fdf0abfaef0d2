// A reviewer in its own thread with its own database connection (see audit-multiprocess.test.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../src/lib/server/db';
import { nextAssignment, submitLabel } from '../../src/lib/server/audits/routing';

const { file, migrations, auditId, reviewerIds } = workerData as { file: string; migrations: string; auditId: number; reviewerIds: number[] };
const db = openDatabase(file, migrations);
const created: string[] = [];
const active = new Set(reviewerIds);
while (active.size) {
	for (const reviewer of [...active]) {
		const next = nextAssignment(auditId, reviewer, {}, db);
		if (next.status === 'done') active.delete(reviewer);
		if (next.status !== 'assigned') continue;
		const result = submitLabel(auditId, reviewer, { ref: next.ref, submissionId: randomUUID(), answer: { kind: 'quality', instruction: true, input: true, output: true, reason: null, comment: '' } }, {}, db);
		if (result.outcome === 'created') created.push(`${reviewer}:${next.ref}`);
	}
}
db.$client.close();
parentPort!.postMessage(created);
