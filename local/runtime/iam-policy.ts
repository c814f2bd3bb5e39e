/**
 * Evaluates AWS IAM identity-based policies, so the local emulator can refuse an AWS SDK call that
 * the function's deployed role would refuse (a missing grant fails here with AccessDenied, not
 * first on AWS). Section names in comments are those of the IAM User Guide.
 *
 * Every statement is read (and checked) before any is evaluated, and whatever this evaluator cannot
 * decide the way IAM does (an unknown condition operator, a policy variable, an unresolved
 * CloudFormation intrinsic) throws UnsupportedPolicyError: a guess could only ever be a wrong allow
 * or a wrong deny, and both would make the local run disagree with AWS.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/**
 * Condition keys of one request, e.g. { 'dynamodb:LeadingKeys': ['GRANT#abc'], 'kms:ViaService':
 * 'dynamodb.us-east-1.amazonaws.com', 'aws:SecureTransport': true }. Multi-valued keys are arrays.
 */
export type ConditionContext = Readonly<Record<string, string | number | boolean | readonly string[]>>;

export interface AuthorizationRequest {
  action: string;
  resource: string;
  context?: ConditionContext;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

/** Thrown when a policy uses a condition operator this evaluator does not implement: never guess "allow". */
export class UnsupportedPolicyError extends Error {
  override name = 'UnsupportedPolicyError';
}

/**
 * "Policy evaluation logic": an explicit Deny in any statement wins; otherwise an Allow that
 * applies allows; otherwise the request is implicitly denied.
 */
export function evaluatePolicies(
  policies: readonly PolicyDocument[],
  request: AuthorizationRequest,
): Decision {
  const statements = policies.flatMap((policy, policyIndex) =>
    statementsOf(policy, policyIndex).map((statement, statementIndex) =>
      compileStatement(statement, statementLabel(statement, policyIndex, statementIndex)),
    ),
  );
  const context = indexContext(request.context ?? {});
  // Every statement is evaluated (no early return), so a construct that cannot be evaluated throws
  // whatever the order of the statements.
  const effects = statements.filter((s) => s.appliesTo(request, context)).map((s) => s.effect);
  if (effects.includes('Deny')) return 'explicit-deny';
  return effects.includes('Allow') ? 'allow' : 'implicit-deny';
}

/** AWS's wording of the AccessDenied message, so local failures read like the deployed ones. */
export function accessDeniedMessage(
  principalArn: string,
  request: AuthorizationRequest,
  decision: Exclude<Decision, 'allow'>,
): string {
  const refusal = `User: ${principalArn} is not authorized to perform: ${request.action} on resource: ${request.resource}`;
  return decision === 'explicit-deny'
    ? `${refusal} with an explicit deny in an identity-based policy`
    : `${refusal} because no identity-based policy allows the ${request.action} action`;
}

// ---------------------------------------------------------------------------------------------
// Statements

type ContextValue = ConditionContext[string];
type Scalar = string | number | boolean;
/** Context keys by lower-cased name: "Context key names are not case-sensitive" (IAM JSON policy elements: Condition). */
type ContextIndex = ReadonlyMap<string, ContextValue>;

interface CompiledStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly appliesTo: (request: AuthorizationRequest, context: ContextIndex) => boolean;
}

function statementsOf(policy: PolicyDocument, policyIndex: number): readonly PolicyStatement[] {
  const statement: unknown = policy?.Statement;
  if (Array.isArray(statement)) return statement;
  if (isRecord(statement)) return [statement as unknown as PolicyStatement];
  throw new UnsupportedPolicyError(`policy #${policyIndex + 1} has no Statement`);
}

function statementLabel(statement: PolicyStatement, policyIndex: number, statementIndex: number): string {
  const position = `statement #${statementIndex + 1} of policy #${policyIndex + 1}`;
  return typeof statement?.Sid === 'string' && statement.Sid !== ''
    ? `${position} (Sid "${statement.Sid}")`
    : position;
}

function compileStatement(statement: PolicyStatement, label: string): CompiledStatement {
  if (!isRecord(statement)) throw new UnsupportedPolicyError(`${label} is not an object`);
  const effect: unknown = statement.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') {
    throw new UnsupportedPolicyError(
      `${label}: Effect must be "Allow" or "Deny", not ${JSON.stringify(effect)}`,
    );
  }
  // A principal is implied by where an identity-based policy is attached; IAM refuses these elements there.
  for (const element of ['Principal', 'NotPrincipal']) {
    if (element in statement) {
      throw new UnsupportedPolicyError(`${label}: ${element} has no meaning in an identity-based policy`);
    }
  }
  // "IAM JSON policy elements: Action": actions match case-insensitively.
  const actionMatches = compileElement(label, 'Action', statement.Action, statement.NotAction, true);
  // "IAM JSON policy elements: Resource": ARNs match case-sensitively.
  const resourceMatches = compileElement(label, 'Resource', statement.Resource, statement.NotResource, false);
  const conditionHolds = compileConditionBlock(label, statement.Condition);
  return {
    effect,
    appliesTo: (request, context) =>
      actionMatches(request.action) && resourceMatches(request.resource) && conditionHolds(context),
  };
}

/**
 * Action/NotAction or Resource/NotResource: exactly one of the pair. The Not… form applies to
 * every value except those listed ("IAM JSON policy elements: NotAction", "…: NotResource").
 */
function compileElement(
  label: string,
  name: 'Action' | 'Resource',
  listed: unknown,
  excepted: unknown,
  ignoreCase: boolean,
): (value: string) => boolean {
  if ((listed === undefined) === (excepted === undefined)) {
    throw new UnsupportedPolicyError(`${label} needs exactly one of ${name} and Not${name}`);
  }
  const negated = listed === undefined;
  const where = `${label}: ${negated ? `Not${name}` : name}`;
  const patterns = readPatternList(negated ? excepted : listed, where).map((p) =>
    wildcardRegExp(p, ignoreCase),
  );
  return (value) => patterns.some((pattern) => pattern.test(value)) !== negated;
}

function readPatternList(raw: unknown, where: string): readonly string[] {
  const list: readonly unknown[] = Array.isArray(raw) ? raw : [raw];
  return list.map((item) => {
    // Objects here are CloudFormation intrinsics (Fn::GetAtt, Fn::Join…) the caller did not resolve.
    if (typeof item !== 'string') {
      throw new UnsupportedPolicyError(`${where} holds ${JSON.stringify(item)}, not a string`);
    }
    rejectPolicyVariable(item, where);
    return item;
  });
}

/**
 * `*` matches any run of characters (slashes and colons included) and `?` exactly one; everything
 * else is literal. The `u` flag makes `?` one character, not one UTF-16 unit.
 */
function wildcardRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const body = Array.from(pattern, (char) => {
    if (char === '*') return '.*';
    if (char === '?') return '.';
    return char.replace(/[\\^$.*+?()[\]{}|/]/, '\\$&');
  }).join('');
  return new RegExp(`^${body}$`, ignoreCase ? 'isu' : 'su');
}

/** Policy variables (`${aws:username}`, `${*}`…) are not implemented, so they must not match anything silently. */
function rejectPolicyVariable(text: string, where: string): void {
  if (text.includes('${')) {
    throw new UnsupportedPolicyError(`${where}: policy variables are not supported ("${text}")`);
  }
}

// ---------------------------------------------------------------------------------------------
// Conditions

function indexContext(context: ConditionContext): ContextIndex {
  return new Map(Object.entries(context).map(([key, value]) => [key.toLowerCase(), value]));
}

/**
 * "Conditions with multiple context keys or values": the operators of a block are ANDed, and so
 * are the keys under one operator; the values of one key are ORed (NORed for negated operators).
 */
function compileConditionBlock(label: string, condition: unknown): (context: ContextIndex) => boolean {
  if (condition === undefined) return () => true;
  if (!isRecord(condition)) throw new UnsupportedPolicyError(`${label}: Condition is not an object`);
  const tests = Object.entries(condition).flatMap(([operatorName, keys]) => {
    const operator = parseOperator(operatorName, label);
    if (!isRecord(keys)) {
      throw new UnsupportedPolicyError(`${label}: ${operatorName} must map condition keys to values`);
    }
    return Object.entries(keys).map(([key, values]) =>
      compileKeyTest(operator, key, values, `${label}: ${operatorName} "${key}"`),
    );
  });
  return (context) => tests.every((holds) => holds(context));
}

type SetQualifier = 'ForAllValues' | 'ForAnyValue';

interface ParsedOperator {
  readonly name: string;
  readonly qualifier: SetQualifier | undefined;
  readonly ifExists: boolean;
  /** The operator without qualifier and IfExists, e.g. "StringLike"; "Null" is handled on its own. */
  readonly base: string;
}

function parseOperator(name: string, label: string): ParsedOperator {
  const [first, second, ...more] = name.split(':');
  const qualified = second !== undefined;
  if (more.length > 0 || (qualified && first !== 'ForAllValues' && first !== 'ForAnyValue')) {
    throw new UnsupportedPolicyError(`${label}: condition operator "${name}" is not supported`);
  }
  const unqualified = qualified ? second : (first ?? '');
  const ifExists = unqualified.endsWith('IfExists');
  const base = ifExists ? unqualified.slice(0, -'IfExists'.length) : unqualified;
  const known = base === 'Null' ? !ifExists && !qualified : OPERATORS.has(base);
  if (!known) throw new UnsupportedPolicyError(`${label}: condition operator "${name}" is not supported`);
  return { name, qualifier: qualified ? (first as SetQualifier) : undefined, ifExists, base };
}

function compileKeyTest(
  operator: ParsedOperator,
  key: string,
  rawValues: unknown,
  where: string,
): (context: ContextIndex) => boolean {
  rejectPolicyVariable(key, where);
  const values = readConditionValues(rawValues, where);
  const contextKey = key.toLowerCase();
  if (operator.base === 'Null') return compileNullTest(contextKey, values, where);
  const spec = OPERATORS.get(operator.base);
  if (spec === undefined) throw new UnsupportedPolicyError(`${where}: "${operator.name}" is not supported`);
  const matchesAnyValue = spec.compile(values, where);
  const valueHolds = (value: Scalar) => matchesAnyValue(value) !== spec.negated;
  switch (operator.qualifier) {
    // "Single-valued vs. multivalued context keys": ForAllValues is true when every request value
    // matches, and so also when the key is absent or its set is empty (every() of nothing).
    case 'ForAllValues':
      return (context) => requestValueSet(context.get(contextKey)).every(valueHolds);
    // ForAnyValue needs at least one request value that matches: false when absent or empty. IfExists
    // changes neither: it is applied per value, and a value that is there always exists.
    case 'ForAnyValue':
      return (context) => requestValueSet(context.get(contextKey)).some(valueHolds);
    case undefined:
      return (context) => {
        const value = singleRequestValue(context.get(contextKey), operator.name, key);
        // "Condition operators": an absent key fails a condition, except a negated one (the key is
        // indeed not equal) and …IfExists (which only checks a key that is there).
        if (value === undefined) return operator.ifExists || spec.negated;
        return valueHolds(value);
      };
  }
}

/**
 * "Condition operator to check existence of condition keys": `true` asks for the key to be absent
 * (null), `false` for it to be present. An empty list counts as absent, like an empty set does for
 * the set qualifiers.
 */
function compileNullTest(
  contextKey: string,
  values: readonly Scalar[],
  where: string,
): (context: ContextIndex) => boolean {
  const wanted = values.map((value) => readBoolean(value, `${where}: policy value`));
  return (context) => {
    const value = context.get(contextKey);
    const isNull = value === undefined || (isValueList(value) && value.length === 0);
    return wanted.includes(isNull);
  };
}

/** A policy gives one value or a list; JSON numbers and booleans are allowed as well as strings. */
function readConditionValues(raw: unknown, where: string): readonly Scalar[] {
  const list: readonly unknown[] = Array.isArray(raw) ? raw : [raw];
  return list.map((value) => {
    if (typeof value === 'string') {
      rejectPolicyVariable(value, where);
      return value;
    }
    if (typeof value === 'number' || typeof value === 'boolean') return value;
    throw new UnsupportedPolicyError(`${where}: condition value ${JSON.stringify(value)} is not a string`);
  });
}

/**
 * The request's values as a set, for ForAllValues/ForAnyValue. "If the key values in the request
 * resolve to an empty data set (for example, an empty string)" the set is empty.
 */
function requestValueSet(value: ContextValue | undefined): readonly Scalar[] {
  if (value === undefined || value === '') return [];
  return isValueList(value) ? value : [value];
}

/**
 * The one value a plain (unqualified) operator compares. "Multivalued context keys require a
 * condition set operator", and what IAM does without one is not documented, so two or more values
 * are refused rather than guessed at.
 */
function singleRequestValue(
  value: ContextValue | undefined,
  operator: string,
  key: string,
): Scalar | undefined {
  if (value === undefined || !isValueList(value)) return value;
  if (value.length > 1) {
    throw new UnsupportedPolicyError(
      `${operator} on "${key}", which has ${value.length} values in this request: a multivalued key needs ForAllValues: or ForAnyValue:`,
    );
  }
  return value[0];
}

function isValueList(value: ContextValue): value is readonly string[] {
  return typeof value === 'object';
}

// ---------------------------------------------------------------------------------------------
// Condition operators ("IAM JSON policy elements: Condition operators")

interface OperatorSpec {
  /** Negated operators hold when the request value matches none of the policy values (a NOR). */
  readonly negated: boolean;
  /** Reads the policy values once; the result says whether one request value matches any of them. */
  readonly compile: (policyValues: readonly Scalar[], where: string) => (requestValue: Scalar) => boolean;
}

type Compile = OperatorSpec['compile'];

const exactString: Compile = (policyValues) => {
  const wanted = new Set(policyValues.map(String));
  return (value) => wanted.has(String(value));
};

const exactStringIgnoringCase: Compile = (policyValues) => {
  const wanted = new Set(policyValues.map((value) => String(value).toLowerCase()));
  return (value) => wanted.has(String(value).toLowerCase());
};

const wildcardString: Compile = (policyValues) => {
  const patterns = policyValues.map((value) => wildcardRegExp(String(value), false));
  return (value) => patterns.some((pattern) => pattern.test(String(value)));
};

/**
 * ArnEquals and ArnLike "behave identically": each of the six colon-delimited components is matched
 * on its own, so a `*` never reaches into the next component (unlike StringLike).
 */
const arnComponents: Compile = (policyValues, where) => {
  const patterns = policyValues.map((value) => {
    const components = splitArn(String(value));
    if (components === undefined) {
      throw new UnsupportedPolicyError(
        `${where}: "${String(value)}" is not an ARN (six colon-separated parts)`,
      );
    }
    return components.map((component) => wildcardRegExp(component, false));
  });
  return (value) => {
    const components = splitArn(String(value));
    if (components === undefined) {
      throw new UnsupportedPolicyError(`${where}: request value "${String(value)}" is not an ARN`);
    }
    return patterns.some((pattern) => pattern.every((part, i) => part.test(components[i] ?? '')));
  };
};

/** arn:partition:service:region:account:resource; the resource part may hold more colons. */
function splitArn(text: string): readonly string[] | undefined {
  const parts = text.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function comparing(
  read: (value: Scalar, what: string) => number,
  holds: (request: number, policy: number) => boolean,
): Compile {
  return (policyValues, where) => {
    const limits = policyValues.map((value) => read(value, `${where}: policy value`));
    return (value) => {
      const actual = read(value, `${where}: request value`);
      return limits.some((limit) => holds(actual, limit));
    };
  };
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** Numeric operators compare "an integer or decimal value"; anything else cannot be compared. */
function readNumber(value: Scalar, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value);
  throw new UnsupportedPolicyError(`${what} ${JSON.stringify(value)} is not a number`);
}

const EPOCH_SECONDS = /^\d+(?:\.\d+)?$/;
/** "W3C implementations of the ISO 8601 date formats": YYYY-MM, YYYY-MM-DD, and date-times with a zone. */
const W3C_DATE = /^\d{4}-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?)?$/;

/** Date operators take ISO 8601 (W3C) dates or epoch (UNIX) seconds; returns milliseconds. */
function readTime(value: Scalar, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value === 'string' && EPOCH_SECONDS.test(value)) return Number(value) * 1000;
  if (typeof value === 'string' && W3C_DATE.test(value)) {
    const time = Date.parse(value);
    if (!Number.isNaN(time)) return time;
  }
  throw new UnsupportedPolicyError(`${what} ${JSON.stringify(value)} is not an ISO 8601 date or epoch time`);
}

function readBoolean(value: Scalar, what: string): boolean {
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value.toLowerCase() : '';
  if (text === 'true' || text === 'false') return text === 'true';
  throw new UnsupportedPolicyError(`${what} ${JSON.stringify(value)} is not "true" or "false"`);
}

const booleanValue: Compile = (policyValues, where) => {
  const wanted = policyValues.map((value) => readBoolean(value, `${where}: policy value`));
  return (value) => wanted.includes(readBoolean(value, `${where}: request value`));
};

const equal = (a: number, b: number) => a === b;
const positive = (compile: Compile): OperatorSpec => ({ negated: false, compile });
const negated = (compile: Compile): OperatorSpec => ({ negated: true, compile });
const number = (holds: (request: number, policy: number) => boolean) => comparing(readNumber, holds);
const date = (holds: (request: number, policy: number) => boolean) => comparing(readTime, holds);

/** A Map, not an object literal, so names like "constructor" are unknown operators and not Object's. */
const OPERATORS: ReadonlyMap<string, OperatorSpec> = new Map([
  ['StringEquals', positive(exactString)],
  ['StringNotEquals', negated(exactString)],
  ['StringEqualsIgnoreCase', positive(exactStringIgnoringCase)],
  ['StringNotEqualsIgnoreCase', negated(exactStringIgnoringCase)],
  ['StringLike', positive(wildcardString)],
  ['StringNotLike', negated(wildcardString)],
  ['ArnEquals', positive(arnComponents)],
  ['ArnLike', positive(arnComponents)],
  ['ArnNotEquals', negated(arnComponents)],
  ['ArnNotLike', negated(arnComponents)],
  ['NumericEquals', positive(number(equal))],
  ['NumericNotEquals', negated(number(equal))],
  ['NumericLessThan', positive(number((request, policy) => request < policy))],
  ['NumericLessThanEquals', positive(number((request, policy) => request <= policy))],
  ['NumericGreaterThan', positive(number((request, policy) => request > policy))],
  ['NumericGreaterThanEquals', positive(number((request, policy) => request >= policy))],
  ['DateEquals', positive(date(equal))],
  ['DateNotEquals', negated(date(equal))],
  ['DateLessThan', positive(date((request, policy) => request < policy))],
  ['DateLessThanEquals', positive(date((request, policy) => request <= policy))],
  ['DateGreaterThan', positive(date((request, policy) => request > policy))],
  ['DateGreaterThanEquals', positive(date((request, policy) => request >= policy))],
  ['Bool', positive(booleanValue)],
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
