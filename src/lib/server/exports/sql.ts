import type Database from 'better-sqlite3';

/** Numbers the temporary tables of materialized queries (unique per process). */
let materializations = 0;

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

	/**
	 * The same query with its CTEs computed once, into temporary tables of `client`, for a
	 * statement run again for each block of rows: SQLite computes a CTE at every run, and the
	 * human-label ones read every label of the dataset's audits (0.15–0.2 s at 100,000 labels,
	 * again for each of hundreds of blocks). The tables are `drop`ped after (or go with the
	 * connection). A query without CTEs is returned as it is.
	 */
	materialized(client: Database.Database): { q: SqlQuery; drop: () => void } {
		if (!this.ctes.size) return { q: this, drop: () => {} };
		const id = ++materializations;
		const tables = new Map([...this.ctes.keys()].map((name) => [name, `${name}_${id}`]));
		const names = new RegExp(`\\b(${[...tables.keys()].join('|')})\\b`, 'g');
		const rename = (sql: string) => sql.replace(names, (name) => `temp.${tables.get(name)}`);
		const created: string[] = [];
		const drop = () => {
			for (const table of created.splice(0)) if (client.open) client.exec(`DROP TABLE IF EXISTS temp.${table}`);
		};
		try {
			for (const [name, sql] of this.ctes) {
				client.prepare<[Record<string, unknown>]>(`CREATE TEMP TABLE ${tables.get(name)} AS ${rename(sql)}`).run(this.params);
				created.push(tables.get(name)!);
			}
		} catch (err) {
			drop();
			throw err;
		}
		const copy = new SqlQuery();
		copy.predicates.push(...this.predicates.map(rename));
		Object.assign(copy.params, this.params);
		copy.next = this.next;
		return { q: copy, drop };
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
