/** A backup or restore that could not be done, in words a person can act on. */
export class BackupError extends Error {
	constructor(
		message: string,
		readonly status: 400 | 404 | 409 | 500 = 400
	) {
		super(message);
		this.name = 'BackupError';
	}
}
