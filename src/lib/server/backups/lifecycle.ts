/** Scheduled backups start and stop with the server when BACKUP_INTERVAL_HOURS is set. */
import { formatByteSize } from '$lib/formats/file-size';
import { config } from '../config';
import { startBackupSchedule, stopBackupSchedule } from './schedule';

export function startScheduledBackups(): void {
	const { backupIntervalHours, backupKeep, backupDir } = config();
	if (!backupIntervalHours) return;
	const schedule = startBackupSchedule({
		intervalHours: backupIntervalHours,
		keep: backupKeep,
		dir: backupDir,
		onBackup: (b, removed) =>
			console.log(`Scheduled backup ${b.file}: ${formatByteSize(b.bytes)}, verified in ${b.ms} ms${removed.length ? `; removed ${removed.length} older` : ''}.`),
		onError: (err) => console.error(`Scheduled backup failed: ${err.message}`)
	});
	console.log(`Backups every ${backupIntervalHours} h into ${backupDir} (keeping ${backupKeep}); next at ${schedule.nextAt}.`);
}

export function stopScheduledBackups(): void {
	stopBackupSchedule();
}
