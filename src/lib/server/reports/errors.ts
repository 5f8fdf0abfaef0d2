/** A report request that cannot be met (unknown audit, invalid adjudication, …), with its HTTP status. */
export class ReportError extends Error {
	constructor(
		message: string,
		readonly status: 400 | 404 | 409 = 400
	) {
		super(message);
		this.name = 'ReportError';
	}
}
