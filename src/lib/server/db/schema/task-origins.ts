/** Where a task came from. Apart from the table definitions, so that code without the ORM (an export's second reader) can name them. */
export const TASK_ORIGINS = ['seed', 'generated', 'imported'] as const;
export type TaskOrigin = (typeof TASK_ORIGINS)[number];
