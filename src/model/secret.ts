const REDACTED = "[redacted]";

/**
 * A value that must never be printed: passwords, private keys. Every way a value becomes text
 * (String(), template strings, JSON.stringify, Bun's inspect) yields "[redacted]"; only reveal()
 * gives the value, and only code that applies it should call that.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}
