/** Reviewed work is kept: refused deletes, archive and restore, admin purge after a backup. */
export * from './errors';
export * from './reviewed-work';
export * from './archive';
export * from './labels';
