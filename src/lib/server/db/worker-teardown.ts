/**
 * JavaScript for the worker threads that load the SQLite addon (checkpoints, backups): a
 * function `collectSqliteWrappers()` to call once a thread's connections are closed and before it
 * ends. It runs a full garbage collection, so the addon's Database and Statement wrappers
 * (pragma() and prepare() leave one behind per call) are finalised while the addon is alive. Left
 * to the thread's own teardown, their finalisers ran after the addon's cleanup and now and then
 * crashed the whole process (better-sqlite3 #1476; here a test process died in 3 of 12 full
 * runs, each time right after a backup's thread ended). `gc` is reached through a new context with --expose-gc set at run
 * time, which affects nothing else.
 */
export const COLLECT_SQLITE_WRAPPERS = `
function collectSqliteWrappers() {
	try {
		require('node:v8').setFlagsFromString('--expose-gc');
		require('node:vm').runInNewContext('gc')();
	} catch {
		// No collector to call: the thread ends as it would have.
	}
}
`;
