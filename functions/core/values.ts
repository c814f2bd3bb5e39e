/**
 * The values an exported record can hold. DynamoDB numbers are decimals of up to 38 digits, so a
 * JavaScript number would round them (0.1 + 0.2, or ids past 2^53). Numbers therefore travel as
 * their exact decimal text from the store to the JSON and CSV files.
 */
export class ExactNumber {
  static readonly pattern = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

  constructor(readonly text: string) {
    if (!ExactNumber.pattern.test(text)) {
      throw new TypeError(`Not a decimal number: ${JSON.stringify(text.slice(0, 40))}`);
    }
  }

  static of(value: number | bigint | string): ExactNumber {
    return new ExactNumber(String(value));
  }

  toString(): string {
    return this.text;
  }
}

export type Value = null | boolean | string | ExactNumber | Value[] | { [field: string]: Value };
export type StoreRecord = { [field: string]: Value };

export function isPlainObject(value: Value | undefined): value is { [field: string]: Value } {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof ExactNumber)
  );
}
