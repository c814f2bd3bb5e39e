import { describe, expect, it } from 'vitest';
import { toJsonText } from '../../functions/core/collect/json-text';
import { ExactNumber, type Value } from '../../functions/core/values';

describe('toJsonText', () => {
  it.each([
    '9007199254740993',
    '0.1',
    '123456789012345678901234567890.123456789',
    '-1e-7',
    '0',
    '-0.0',
    '1E+400',
  ])('writes the number %s verbatim', (text) => {
    expect(toJsonText(new ExactNumber(text))).toBe(text);
    expect(toJsonText([new ExactNumber(text)])).toBe(`[${text}]`);
  });

  it('keeps digits JSON.stringify would lose', () => {
    const text = toJsonText({
      id: new ExactNumber('9007199254740993'),
      price: new ExactNumber('0.30000000000000000001'),
    });
    expect(text).toBe('{"id":9007199254740993,"price":0.30000000000000000001}');
  });

  it('writes null, booleans, empty containers', () => {
    expect(toJsonText(null)).toBe('null');
    expect(toJsonText(true)).toBe('true');
    expect(toJsonText(false)).toBe('false');
    expect(toJsonText([])).toBe('[]');
    expect(toJsonText({})).toBe('{}');
    expect(toJsonText({ a: null, b: [false, null] })).toBe('{"a":null,"b":[false,null]}');
  });

  it('writes nested objects and arrays that JSON.parse reads back', () => {
    const value: Value = {
      player: { name: 'Ingrid', tags: ['a', ['b', { c: ExactNumber.of(3) }]] },
      list: [{ x: true }, { y: null }],
    };
    const text = toJsonText(value);
    expect(text).toBe(
      '{"player":{"name":"Ingrid","tags":["a",["b",{"c":3}]]},"list":[{"x":true},{"y":null}]}',
    );
    expect(JSON.parse(text)).toEqual({
      player: { name: 'Ingrid', tags: ['a', ['b', { c: 3 }]] },
      list: [{ x: true }, { y: null }],
    });
  });

  it('skips undefined object members', () => {
    const value = { a: 'x', b: undefined, c: 'y' } as unknown as Value;
    expect(toJsonText(value)).toBe('{"a":"x","c":"y"}');
  });

  const hostile: [string, string][] = [
    ['quotes and backslashes', 'say "hi" \\ \\" \\\\n'],
    ['line and paragraph separators', 'a\u2028b\u2029c'],
    ['control characters and NUL', '\u0000\u0001\b\f\n\r\t\u001f\u007f'],
    ['a lone high surrogate', 'x\ud800y'],
    ['a lone low surrogate', '\udc00'],
    ['reversed surrogates', '\udc00\ud800'],
    ['emoji', '👩‍👩‍👧‍👦🎮🔥'],
    ['RTL override', 'مرحبا \u202Eexe.fdp שלום'],
    ['JSON-looking text', '{"a":1}],'],
    ['</script>', '</script><script>alert(1)</script>'],
  ];

  it.each(hostile)('escapes %s so JSON.parse gives the same string back', (_label, value) => {
    const text = toJsonText({ [value]: value, list: [value] });
    expect(JSON.parse(text)).toEqual({ [value]: value, list: [value] });
  });

  it('writes lone surrogates as escapes, so the text is well-formed UTF-16 and encodes to UTF-8 losslessly', () => {
    const text = toJsonText('\ud800');
    expect(text).toBe('"\\ud800"');
    expect(/[\ud800-\udfff]/.test(text)).toBe(false);
    expect(JSON.parse(Buffer.from(text, 'utf8').toString('utf8'))).toBe('\ud800');
  });

  it('round-trips a 300 KB hostile string', () => {
    const value = 'a"\\\u2028\ud800🎮\n'.repeat(40_000);
    expect(value.length).toBeGreaterThan(300_000);
    expect(JSON.parse(toJsonText({ body: value }))).toEqual({ body: value });
  });
});
