/**
 * A small SQL assembler for export queries: named parameters (so fragments and the CTEs they
 * need compose in any order), WHERE predicates over the aliases `t` (tasks), `i` (instances)
 * and, when exporting model responses, `r` (responses).
 */
export class SqlQuery {
	private readonly ctes = new Map<string, string>();
	private readonly predicates: string[] = [];
	readonly params: Record<string, unknown> = {};
	private next = 0;

	/** Binds a value and returns its placeholder. */
	param(value: unknown): string {
		const name = `p${this.next++}`;
		this.params[name] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
		return `@${name}`;
	}

	/** Placeholders for a list, e.g. for IN (…). */
	list(values: readonly unknown[]): string {
		return values.map((v) => this.param(v)).join(', ');
	}

	/** Adds a common table expression once (later calls with the same name are ignored). */
	with(name: string, sql: () => string): void {
		if (!this.ctes.has(name)) this.ctes.set(name, sql());
	}

	where(predicate: string): void {
		this.predicates.push(predicate);
	}

	withClause(): string {
		return this.ctes.size ? `WITH ${[...this.ctes].map(([name, sql]) => `${name} AS (${sql})`).join(',\n')}\n` : '';
	}

	whereClause(): string {
		return this.predicates.length ? this.predicates.map((p) => `(${p})`).join(' AND ') : '1';
	}

	/** A copy, to extend one base selection in two ways (e.g. the population with and without human-label filters). */
	clone(): SqlQuery {
		const copy = new SqlQuery();
		for (const [k, v] of this.ctes) copy.ctes.set(k, v);
		copy.predicates.push(...this.predicates);
		Object.assign(copy.params, this.params);
		copy.next = this.next;
		return copy;
	}
}
