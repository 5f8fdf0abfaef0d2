import { db } from './db';
import { config } from './config';
import { ensureAdminFromEnv } from './auth/users';
import { deleteExpiredSessions } from './auth/session';

type StartupTask = () => void | Promise<void>;
const tasks: StartupTask[] = [];
const shutdownTasks: StartupTask[] = [];

/** Domain modules register work to run once the database is open (e.g. resuming runs). */
export function onStartup(task: StartupTask): void {
	tasks.push(task);
}

/** …and work to run when the server stops (e.g. pausing runs cleanly). */
export function onShutdown(task: StartupTask): void {
	shutdownTasks.push(task);
}

/** Opens and migrates the database, creates the env-configured admin, runs registered tasks. */
export async function startApp(): Promise<void> {
	const database = db();
	const cfg = config();
	const admin = await ensureAdminFromEnv(cfg.adminEmail, cfg.adminPassword, database);
	if (admin) console.log(`Created administrator ${admin.email} from ADMIN_EMAIL.`);
	deleteExpiredSessions(database);
	for (const task of tasks) await task();
}

export async function stopApp(): Promise<void> {
	for (const task of shutdownTasks) {
		try {
			await task();
		} catch (err) {
			console.error('Shutdown task failed:', err);
		}
	}
}
