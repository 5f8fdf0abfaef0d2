/**
 * A process that asks for a report in the report thread, leaves a long latent-truth computation
 * queued in the background thread, and ends (tests/integration/report-thread-exit.test.ts): it
 * must end at once, not when the background work does. Prints "asked" once the report is in.
 */
import { createTestDb } from './db';
import { buildLargeQualityAudit } from './large-audit';
import { auditReportOffThread, latentProgress } from '../../src/lib/server/reports';

const { db } = createTestDb();
const auditId = buildLargeQualityAudit(db, { items: 60, k: 3, reviewers: 5, name: 'ends' });
// Minutes of refits: far longer than the test waits for the process to end.
const report = await auditReportOffThread(auditId, { replicates: 200_000 }, db, { backgroundAbove: 10 });
if (!latentProgress({ audit: auditId })) throw new Error('nothing was queued in the background');
console.log('asked', report.quality!.groups[0].rates[0].latent.status);
