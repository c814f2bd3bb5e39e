import { BlockList, isIP } from 'node:net';

/**
 * Amazon EventBridge event pattern matching ("content filtering"), so the local bus routes an event
 * to exactly the rules EventBridge would. Sources: the EventBridge User Guide ("Amazon EventBridge
 * event patterns", "Content filtering in Amazon EventBridge event patterns", "Arrays in Amazon
 * EventBridge event patterns") and, where the guide is silent, aws/event-ruler, the open-source
 * matcher behind EventBridge (its JsonRuleCompiler decides what is malformed).
 *
 * Matching works like event-ruler's: the event is flattened into dotted paths of leaf values, each
 * leaf remembering which element of which array it came from; the pattern becomes one list of
 * path rules per `$or` branch; a branch matches when every rule, taken in path order, is met by a
 * leaf that sits in the same array elements as the leaves already chosen.
 */

/** Thrown for a pattern EventBridge would refuse or that this emulator does not support: the message names the path and the operator. */
export class EventPatternError extends Error {
  override name = 'EventPatternError';
}

/** Throws EventPatternError if the pattern is malformed or uses an operator not implemented here. */
export function validateEventPattern(pattern: unknown): void {
  compilePattern(pattern);
}

/** True when `event` (a parsed EventBridge event: version, id, detail-type, source, account, time, region, resources, detail) matches `pattern`. Validates the pattern first. */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  const branches = compilePattern(pattern);
  // EventBridge only carries JSON objects; anything else has none of the fields a pattern names.
  if (!isJsonObject(event)) return false;
  const leaves = flattenEvent(event);
  return branches.some((rules) => branchMatches(rules, leaves));
}

type JsonObject = Record<string, unknown>;
type Leaf = string | number | boolean | null;
type LeafTest = (value: Leaf) => boolean;

/** What one field of a branch asks for: a leaf passing any test, or (with exists: false) no leaf at all. */
interface FieldRule {
  readonly path: string;
  readonly tests: readonly LeafTest[];
  readonly matchesAbsence: boolean;
}

type ValueMatcher = { readonly kind: 'leaf'; readonly test: LeafTest } | { readonly kind: 'absent' };

/** Field names event-ruler refuses inside `$or`, so that an operator is never mistaken for a field. */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

function fail(at: string, problem: string): never {
  throw new EventPatternError(`Invalid event pattern at ${at || '(root)'}: ${problem}`);
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is Leaf {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function shown(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

function joinPath(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

// ---------------------------------------------------------------------------------------------
// Pattern → branches

/** One list of field rules per `$or` alternative, each sorted by path as event-ruler walks them. */
function compilePattern(pattern: unknown): FieldRule[][] {
  if (!isJsonObject(pattern))
    fail(
      '',
      `the pattern must be a JSON object (JSON.parse an EventPattern given as a string), got ${shown(pattern)}`,
    );
  const branches = compileObject(pattern, { fieldPath: '', errorPath: '', insideOr: false }, [new Map()]);
  return branches.map((branch) => [...branch.values()].sort((a, b) => (a.path < b.path ? -1 : 1)));
}

interface Position {
  /** The dotted event path the rules apply to; `$or` is not part of it. */
  readonly fieldPath: string;
  /** Where in the pattern text we are, for error messages. */
  readonly errorPath: string;
  readonly insideOr: boolean;
}

/**
 * Adds the object's rules to every branch. A later rule for the same path replaces an earlier one,
 * as in event-ruler, so a field restated inside a `$or` alternative overrides the outer one there.
 */
function compileObject(
  object: JsonObject,
  at: Position,
  branches: Map<string, FieldRule>[],
): Map<string, FieldRule>[] {
  const entries = Object.entries(object);
  if (entries.length === 0) fail(at.errorPath, 'empty objects are not allowed');
  let current = branches;
  for (const [key, value] of entries) {
    const errorPath = joinPath(at.errorPath, key);
    if (key === '$or') {
      current = compileOr(value, { ...at, errorPath }, current);
      continue;
    }
    if (at.insideOr && RESERVED_IN_OR.has(key)) {
      fail(errorPath, `"${key}" is an operator name and cannot be a field name inside $or`);
    }
    const inner: Position = { fieldPath: joinPath(at.fieldPath, key), errorPath, insideOr: at.insideOr };
    if (Array.isArray(value)) {
      const rule = compileFieldRule(inner.fieldPath, value, errorPath);
      for (const branch of current) branch.set(rule.path, rule);
    } else if (isJsonObject(value)) {
      current = compileObject(value, inner, current);
    } else {
      fail(errorPath, `a field's value must be an object or an array of values, got ${shown(value)}`);
    }
  }
  return current;
}

/** Each alternative is added to its own copy of the branches so far: (A and (B or C)) becomes (A and B) or (A and C). */
function compileOr(
  value: unknown,
  at: Position,
  branches: Map<string, FieldRule>[],
): Map<string, FieldRule>[] {
  if (!Array.isArray(value)) fail(at.errorPath, `$or takes an array of patterns, got ${shown(value)}`);
  if (value.length < 2) fail(at.errorPath, '$or needs at least two patterns');
  return value.flatMap((alternative, index) => {
    const errorPath = `${at.errorPath}[${index}]`;
    if (!isJsonObject(alternative)) {
      fail(errorPath, `each $or alternative must be an object, got ${shown(alternative)}`);
    }
    const copies = branches.map((branch) => new Map(branch));
    return compileObject(alternative, { ...at, errorPath, insideOr: true }, copies);
  });
}

function compileFieldRule(path: string, values: unknown[], errorPath: string): FieldRule {
  if (values.length === 0) fail(errorPath, 'empty arrays are not allowed');
  const matchers = values.map((value, index) => compileValue(value, `${errorPath}[${index}]`));
  return {
    path,
    tests: matchers.flatMap((matcher) => (matcher.kind === 'leaf' ? [matcher.test] : [])),
    matchesAbsence: matchers.some((matcher) => matcher.kind === 'absent'),
  };
}

function compileValue(value: unknown, at: string): ValueMatcher {
  if (isJsonObject(value)) return compileOperator(value, at);
  if (!isLeaf(value)) {
    fail(
      at,
      `a value must be a string, number, true, false, null or an operator object, got ${shown(value)}`,
    );
  }
  return { kind: 'leaf', test: exactTest(value) };
}

/** Numbers compare as numbers (300 equals 300.0), every other type only equals itself. */
function exactTest(expected: Leaf): LeafTest {
  return (value) => value === expected;
}

// ---------------------------------------------------------------------------------------------
// Operators

function compileOperator(expression: JsonObject, at: string): ValueMatcher {
  const names = Object.keys(expression);
  const [name] = names;
  if (name === undefined) fail(at, 'an operator object needs one operator, got {}');
  if (names.length > 1) fail(at, `an operator object takes exactly one operator, got ${names.join(', ')}`);
  const argument = expression[name];
  const where = `${at}.${name}`;
  switch (name) {
    case 'exists':
      return compileExists(argument, where);
    case 'prefix':
      return leaf(compileAffix(argument, where, 'prefix'));
    case 'suffix':
      return leaf(compileAffix(argument, where, 'suffix'));
    case 'equals-ignore-case':
      return leaf(onStrings(ignoreCaseEquals(requireString(argument, where, name))));
    case 'wildcard':
      return leaf(onStrings(wildcardMatcher(requireString(argument, where, name), where)));
    case 'anything-but':
      return leaf(compileAnythingBut(argument, where));
    case 'numeric':
      return leaf(compileNumeric(argument, where));
    case 'cidr':
      return leaf(compileCidr(argument, where));
    default:
      return fail(at, `unknown or unsupported operator "${name}"`);
  }
}

function leaf(test: LeafTest): ValueMatcher {
  return { kind: 'leaf', test };
}

/** String operators never match numbers, booleans or null, exactly as in EventBridge. */
function onStrings(matches: (text: string) => boolean): LeafTest {
  return (value) => typeof value === 'string' && matches(value);
}

function requireString(argument: unknown, at: string, operator: string): string {
  if (!isString(argument)) fail(at, `"${operator}" takes a string, got ${shown(argument)}`);
  return argument;
}

/** Exists matching only sees leaves: an object-valued field counts as absent (see flattenEvent). */
function compileExists(argument: unknown, at: string): ValueMatcher {
  if (typeof argument !== 'boolean') fail(at, `"exists" takes true or false, got ${shown(argument)}`);
  return argument ? leaf(() => true) : { kind: 'absent' };
}

function compileAffix(argument: unknown, at: string, operator: 'prefix' | 'suffix'): LeafTest {
  if (isString(argument)) {
    return onStrings(
      operator === 'prefix' ? (text) => text.startsWith(argument) : (text) => text.endsWith(argument),
    );
  }
  const ignoreCase =
    isJsonObject(argument) && Object.keys(argument).length === 1 && argument['equals-ignore-case'];
  if (!isString(ignoreCase)) {
    fail(at, `"${operator}" takes a string or { "equals-ignore-case": string }, got ${shown(argument)}`);
  }
  return onStrings(operator === 'prefix' ? ignoreCasePrefix(ignoreCase) : ignoreCaseSuffix(ignoreCase));
}

function compileAnythingBut(argument: unknown, at: string): LeafTest {
  if (isJsonObject(argument)) return compileAnythingButOperator(argument, at);
  const excluded = Array.isArray(argument) ? argument : [argument];
  if (excluded.length === 0) fail(at, '"anything-but" needs at least one value');
  // A present leaf of another type is never excluded: anything-but "x" matches 5, null and true.
  if (excluded.every(isString)) {
    const strings = new Set(excluded);
    return (value) => !(typeof value === 'string' && strings.has(value));
  }
  if (excluded.every(isFiniteNumber)) {
    const numbers = new Set(excluded);
    return (value) => !(typeof value === 'number' && numbers.has(value));
  }
  return fail(
    at,
    `"anything-but" takes a string, a number, a list of only strings or only numbers, or an object with prefix, suffix, equals-ignore-case or wildcard; got ${shown(argument)}`,
  );
}

const ANYTHING_BUT_OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard']);

function compileAnythingButOperator(expression: JsonObject, at: string): LeafTest {
  const names = Object.keys(expression);
  const [name] = names;
  if (name === undefined || names.length > 1) {
    fail(
      at,
      `"anything-but" takes one of prefix, suffix, equals-ignore-case, wildcard; got ${shown(expression)}`,
    );
  }
  const where = `${at}.${name}`;
  if (!ANYTHING_BUT_OPERATORS.has(name)) {
    fail(
      where,
      `"anything-but" does not support "${name}"; use prefix, suffix, equals-ignore-case or wildcard`,
    );
  }
  const excludes = anythingButMatchers(
    name,
    stringList(expression[name], where, `anything-but ${name}`),
    where,
  );
  return (value) => !(typeof value === 'string' && excludes.some((matches) => matches(value)));
}

function anythingButMatchers(name: string, texts: string[], at: string): ((text: string) => boolean)[] {
  switch (name) {
    case 'prefix':
      return nonEmpty(texts, at, name).map((prefix) => (text) => text.startsWith(prefix));
    case 'suffix':
      return nonEmpty(texts, at, name).map((suffix) => (text) => text.endsWith(suffix));
    case 'equals-ignore-case':
      return texts.map(ignoreCaseEquals);
    default:
      return texts.map((pattern) => wildcardMatcher(pattern, at));
  }
}

/** An empty prefix or suffix would exclude every string; event-ruler refuses it. */
function nonEmpty(texts: string[], at: string, operator: string): string[] {
  if (texts.includes('')) fail(at, `"anything-but" ${operator} must not be empty`);
  return texts;
}

function stringList(argument: unknown, at: string, operator: string): string[] {
  const texts = Array.isArray(argument) ? argument : [argument];
  if (texts.length === 0) fail(at, `"${operator}" needs at least one string`);
  if (!texts.every(isString)) {
    fail(at, `"${operator}" takes a string or a list of strings, got ${shown(argument)}`);
  }
  return texts;
}

// ---------------------------------------------------------------------------------------------
// Numeric

const COMPARISONS = new Map<string, (value: number, bound: number) => boolean>([
  ['=', (value, bound) => value === bound],
  ['<', (value, bound) => value < bound],
  ['<=', (value, bound) => value <= bound],
  ['>', (value, bound) => value > bound],
  ['>=', (value, bound) => value >= bound],
]);

/** Grammar from event-ruler: ["=", n], ["<"|"<=", n], or [">"|">=", n] optionally followed by "<"|"<=", m with n < m. */
function compileNumeric(argument: unknown, at: string): LeafTest {
  if (!Array.isArray(argument)) {
    fail(at, `"numeric" takes an array such as [">", 0, "<=", 5], got ${shown(argument)}`);
  }
  const [operator, bound, ...rest] = argument;
  const lower = comparison(operator, bound, at);
  if (rest.length === 0) return onNumbers(lower.test);
  if (rest.length !== 2 || (operator !== '>' && operator !== '>=')) {
    fail(at, `"numeric" takes one comparison or a range such as [">", 0, "<=", 5], got ${shown(argument)}`);
  }
  const [upperOperator, upperBound] = rest;
  if (upperOperator !== '<' && upperOperator !== '<=') {
    fail(at, `the upper end of a "numeric" range must be "<" or "<=", got ${shown(upperOperator)}`);
  }
  const upper = comparison(upperOperator, upperBound, at);
  if (!(lower.bound < upper.bound)) {
    fail(at, `the lower bound of a "numeric" range must be below the upper bound, got ${shown(argument)}`);
  }
  return onNumbers((value) => lower.test(value) && upper.test(value));
}

function comparison(
  operator: unknown,
  bound: unknown,
  at: string,
): { test: (value: number) => boolean; bound: number } {
  const compare = isString(operator) ? COMPARISONS.get(operator) : undefined;
  if (compare === undefined) fail(at, `unknown "numeric" operator ${shown(operator)}; use =, <, <=, > or >=`);
  if (!isFiniteNumber(bound)) fail(at, `"numeric" ${operator} needs a number, got ${shown(bound)}`);
  return { test: (value) => compare(value, bound), bound };
}

/** Numeric matching only works with values that are JSON numbers; the string "5" is not 5. */
function onNumbers(matches: (value: number) => boolean): LeafTest {
  return (value) => typeof value === 'number' && matches(value);
}

// ---------------------------------------------------------------------------------------------
// Case-insensitive text

/**
 * Each pattern character matches its lower- or upper-case form in the event, as event-ruler
 * does; comparing whole lower-cased strings would differ for characters whose cases differ in length.
 */
function caseForms(pattern: string): [string, string][] {
  return Array.from(pattern, (character) => [character.toLowerCase(), character.toUpperCase()]);
}

/** Index in `text` just past the case-insensitive `forms` read from the start, or -1. */
function readForward(text: string, forms: [string, string][]): number {
  let position = 0;
  for (const pair of forms) {
    const form = pair.find((candidate) => text.startsWith(candidate, position));
    if (form === undefined) return -1;
    position += form.length;
  }
  return position;
}

/** Index in `text` where the case-insensitive `forms` read back from the end begin, or -1. */
function readBackward(text: string, forms: [string, string][]): number {
  let end = text.length;
  for (const pair of [...forms].reverse()) {
    const form = pair.find(
      (candidate) => candidate.length <= end && text.startsWith(candidate, end - candidate.length),
    );
    if (form === undefined) return -1;
    end -= form.length;
  }
  return end;
}

function ignoreCaseEquals(pattern: string): (text: string) => boolean {
  const forms = caseForms(pattern);
  return (text) => readForward(text, forms) === text.length;
}

function ignoreCasePrefix(pattern: string): (text: string) => boolean {
  const forms = caseForms(pattern);
  return (text) => readForward(text, forms) >= 0;
}

function ignoreCaseSuffix(pattern: string): (text: string) => boolean {
  const forms = caseForms(pattern);
  return (text) => readBackward(text, forms) >= 0;
}

// ---------------------------------------------------------------------------------------------
// Wildcard

/** `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash. */
function wildcardMatcher(pattern: string, at: string): (text: string) => boolean {
  const pieces = literalPieces(pattern, at);
  return (text) => matchesPieces(text, pieces);
}

/** The literal text between the stars: "a*b*c" gives ["a", "b", "c"]. */
function literalPieces(pattern: string, at: string): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern.charAt(index);
    const next = pattern.charAt(index + 1);
    if (character === '*') {
      if (next === '*') fail(at, `"wildcard" must not have consecutive * (position ${index})`);
      pieces.push(piece);
      piece = '';
    } else if (character === '\\') {
      if (next !== '*' && next !== '\\') {
        fail(at, `"wildcard" may only escape * or \\ with a backslash (position ${index})`);
      }
      piece += next;
      index++;
    } else {
      piece += character;
    }
  }
  pieces.push(piece);
  return pieces;
}

/** Leftmost placement of each middle piece is enough: a star can always absorb what lies between. */
function matchesPieces(text: string, pieces: string[]): boolean {
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return text === first;
  const last = pieces[pieces.length - 1] ?? '';
  const end = text.length - last.length;
  if (end < first.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let position = first.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = text.indexOf(piece, position);
    if (found < 0 || found + piece.length > end) return false;
    position = found + piece.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// CIDR

// event-ruler only treats text of these shapes as an address; node's isIP then checks it is one.
const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

function addressFamily(text: string): 'ipv4' | 'ipv6' | undefined {
  if (IPV4_SHAPE.test(text) && isIP(text) === 4) return 'ipv4';
  if (IPV6_SHAPE.test(text) && isIP(text) === 6) return 'ipv6';
  return undefined;
}

function compileCidr(argument: unknown, at: string): LeafTest {
  const cidr = requireString(argument, at, 'cidr');
  const [address, bits, ...extra] = cidr.split('/');
  if (address === undefined || bits === undefined || extra.length > 0) {
    fail(at, `"cidr" needs an address and a prefix length such as 10.0.0.0/24, got ${shown(cidr)}`);
  }
  const family = addressFamily(address);
  if (family === undefined) fail(at, `"cidr" needs an IPv4 or IPv6 address, got ${shown(address)}`);
  // event-ruler refuses /32 and /128: a single address is written as a plain string value.
  const longest = family === 'ipv4' ? 31 : 127;
  if (!/^[0-9]+$/.test(bits) || Number(bits) > longest) {
    fail(at, `"cidr" prefix length must be a whole number from 0 to ${longest}, got ${shown(bits)}`);
  }
  const range = new BlockList();
  range.addSubnet(address, Number(bits), family);
  return onStrings((text) => {
    const eventFamily = addressFamily(text);
    return eventFamily !== undefined && range.check(text, eventFamily);
  });
}

// ---------------------------------------------------------------------------------------------
// Event → leaves, and the walk over a branch

/** For each array a leaf sits inside (by the array's number in the event), the element it is in. */
type Membership = ReadonlyMap<number, number>;

interface EventLeaf {
  readonly value: Leaf;
  readonly membership: Membership;
}

/**
 * Every leaf value by dotted path. Objects and empty arrays leave no leaf at their own path, which
 * is why exists matching only works on leaf nodes. Array elements that are objects or arrays record
 * their index, so that fields matched together come from the same element.
 */
function flattenEvent(event: JsonObject): Map<string, EventLeaf[]> {
  const leaves = new Map<string, EventLeaf[]>();
  let arrayCount = 0;
  const visit = (value: unknown, path: string, membership: Membership): void => {
    if (Array.isArray(value)) {
      const arrayId = arrayCount++;
      for (const [index, element] of value.entries()) {
        const inElement = isLeaf(element) ? membership : new Map([...membership, [arrayId, index]]);
        visit(element, path, inElement);
      }
    } else if (isJsonObject(value)) {
      for (const [key, child] of Object.entries(value)) visit(child, joinPath(path, key), membership);
    } else if (isLeaf(value)) {
      const atPath = leaves.get(path) ?? [];
      atPath.push({ value, membership });
      leaves.set(path, atPath);
    }
  };
  visit(event, '', new Map());
  return leaves;
}

function branchMatches(rules: readonly FieldRule[], leaves: Map<string, EventLeaf[]>): boolean {
  const matchFrom = (index: number, chosen: Membership): boolean => {
    const rule = rules[index];
    if (rule === undefined) return true;
    const candidates = (leaves.get(rule.path) ?? []).filter((candidate) =>
      consistent(chosen, candidate.membership),
    );
    if (rule.matchesAbsence && candidates.length === 0 && matchFrom(index + 1, chosen)) return true;
    return candidates.some(
      (candidate) =>
        rule.tests.some((test) => test(candidate.value)) &&
        matchFrom(index + 1, merge(chosen, candidate.membership)),
    );
  };
  return matchFrom(0, new Map());
}

/** Two leaves can be matched together unless they sit in different elements of the same array. */
function consistent(chosen: Membership, membership: Membership): boolean {
  for (const [arrayId, index] of membership) {
    const chosenIndex = chosen.get(arrayId);
    if (chosenIndex !== undefined && chosenIndex !== index) return false;
  }
  return true;
}

function merge(chosen: Membership, membership: Membership): Membership {
  return membership.size === 0 ? chosen : new Map([...chosen, ...membership]);
}
