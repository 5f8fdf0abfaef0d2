import { fail } from '@sveltejs/kit';
import fs from 'node:fs';
import type { Actions, PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guards';
import { config } from '$lib/server/config';
import { BackupError, backupSchedule, createBackup, databaseFile, listBackups } from '$lib/server/backups';

export const load: PageServerLoad = ({ locals, url }) => {
	requireRole(locals, 'admin', url);
	const cfg = config();
	const live = databaseFile();
	const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
	return {
		backups: listBackups(),
		dir: cfg.backupDir,
		database: { file: live, bytes: size(live) + size(`${live}-wal`) },
		schedule: backupSchedule() ?? { intervalHours: cfg.backupIntervalHours, keep: cfg.backupKeep, nextAt: null, lastError: null }
	};
};

export const actions: Actions = {
	create: async ({ locals }) => {
		requireRole(locals, 'admin');
		try {
			const b = await createBackup({ kind: 'manual' });
			return {
				created: {
					name: b.file.split(/[\\/]/).pop()!,
					bytes: b.bytes,
					ms: b.ms,
					labels: b.tables.audit_labels ?? 0,
					instances: b.tables.instances ?? 0,
					tables: Object.keys(b.tables).length
				}
			};
		} catch (err) {
			if (err instanceof BackupError) return fail(500, { error: err.message });
			throw err;
		}
	}
};
