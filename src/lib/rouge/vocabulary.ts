/**
 * Interns tokens to dense integer ids (0, 1, 2, …) so that sequences can be compared as
 * integers and bit masks can be looked up in typed arrays.
 */
export class Vocabulary {
	private readonly ids = new Map<string, number>();
	private readonly words: string[] = [];

	get size(): number {
		return this.words.length;
	}

	/** The id of `token`, assigning the next id when it is new. */
	intern(token: string): number {
		let id = this.ids.get(token);
		if (id === undefined) {
			id = this.words.length;
			this.ids.set(token, id);
			this.words.push(token);
		}
		return id;
	}

	/** The id of `token`, or −1 when it was never interned. */
	lookup(token: string): number {
		return this.ids.get(token) ?? -1;
	}

	token(id: number): string {
		return this.words[id];
	}

	/** Ids of `tokens`, interning new ones. */
	internAll(tokens: readonly string[]): Int32Array {
		const out = new Int32Array(tokens.length);
		for (let i = 0; i < tokens.length; i++) out[i] = this.intern(tokens[i]);
		return out;
	}
}
