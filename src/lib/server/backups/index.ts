/** Online backups, their folder and schedule, and restore (with the server stopped). */
export * from './errors';
export * from './backup';
export * from './inspect';
export * from './schedule';
export * from './restore';
