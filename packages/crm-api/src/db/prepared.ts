import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.js';
import type { Trx } from './transaction.js';

type Path = ReadonlyArray<string | number>;

/** Stands in for one argument value while the query is compiled; the value at `path` takes its place on each run. */
class Slot {
  constructor(readonly path: Path) {}
}

interface Template {
  compiled: CompiledQuery;
  /** Per placeholder: where in the arguments its value is, or undefined for a value fixed at compile time. */
  paths: Array<Path | undefined>;
  fixed: unknown[];
}

/** Shapes (list lengths, object keys) compiled per statement and dialect; rarer ones are compiled per call. */
const SHAPES_PER_STATEMENT = 64;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** What the compiled SQL depends on: list lengths and object keys (and which values are undefined, which Kysely omits). */
function shapeOf(value: unknown): string {
  if (Array.isArray(value) && value.every(isScalar)) return scalarsShape(value.length);
  if (Array.isArray(value)) {
    let shape = '[';
    for (const item of value) shape += `${shapeOf(item)},`;
    return `${shape}]`;
  }
  if (isPlainObject(value)) {
    let shape = '{';
    for (const key in value) shape += `${key}:${shapeOf(value[key])},`;
    return `${shape}}`;
  }
  return value === undefined ? 'u' : '';
}

/** A value that stands behind one placeholder as it is (undefined is not: Kysely leaves it out of the SQL). */
function isScalar(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && value !== undefined);
}

/** The shape of n scalar arguments, as shapeOf spells it, made once per n: most statements take only scalars. */
const scalarShapes: string[] = [];
function scalarsShape(length: number): string {
  return (scalarShapes[length] ??= `[${','.repeat(length)}]`);
}

function withSlots(value: unknown, path: Path): unknown {
  if (Array.isArray(value)) return value.map((item, index) => withSlots(item, [...path, index]));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withSlots(item, [...path, key])]));
  if (value === undefined) return undefined;
  refuseUnboundable(value, path);
  return new Slot(path);
}

/**
 * Kysely writes some values into the SQL itself (booleans, nulls compared with `is`) and treats expressions and
 * builders as SQL: none of them can stand behind a placeholder. Checked at compile time and at every bind, since a
 * statement compiled for a string must not be handed a boolean later.
 */
function refuseUnboundable(value: unknown, path: Path): void {
  if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') {
    throw new TypeError(`a prepared statement's arguments are strings, numbers, null, plain objects and arrays; got ${typeof value} at ${path.join('.')}`);
  }
}

function valueAt(args: unknown[], path: Path): unknown {
  let value: unknown = args;
  for (const step of path) value = (value as Record<string | number, unknown>)[step];
  return value;
}

/**
 * A statement built and compiled once per shape of its arguments and per database dialect; each run only binds
 * the values. Kysely otherwise rebuilds and recompiles the query tree on every call, which on the assignment path
 * cost more than SQLite's own work for the statements.
 *
 * `build` gets placeholders, not the values: it may place them (compare, set, insert) and rely on list lengths
 * and object keys, but never look at a value — a choice such as "lock the rows" is a second prepared statement.
 */
export function prepared<Args extends unknown[], Row>(build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>) {
  // Per dialect (SQLite's `?` against PostgreSQL's `$1`, locking clauses): the adapter is one object per database.
  const templates = new WeakMap<object, Map<string, Template>>();
  return async (db: Trx, ...args: Args): Promise<QueryResult<Row>> => {
    const executor = db.getExecutor();
    // A plugin may rewrite the query (withSchema names another schema): SQL compiled through one must not be reused
    // by a call through another, or none. Such calls are rare and built per call, as Kysely would.
    if (executor.plugins.length > 0) return db.executeQuery(build(db, ...args));
    const dialect = executor.adapter;
    let byShape = templates.get(dialect);
    if (!byShape) templates.set(dialect, (byShape = new Map()));
    const shape = shapeOf(args);
    let template = byShape.get(shape);
    if (!template) {
      if (byShape.size >= SHAPES_PER_STATEMENT) return db.executeQuery(build(db, ...args));
      const compiled = build(db, ...(withSlots(args, []) as Args)).compile();
      const paths = compiled.parameters.map((value) => (value instanceof Slot ? value.path : undefined));
      template = { compiled, paths, fixed: compiled.parameters.map((value) => (value instanceof Slot ? undefined : value)) };
      byShape.set(shape, template);
    }
    const { compiled, paths, fixed } = template;
    const parameters = new Array<unknown>(paths.length);
    for (let index = 0; index < paths.length; index++) {
      const path = paths[index];
      if (path) {
        const value = valueAt(args, path);
        refuseUnboundable(value, path);
        parameters[index] = value;
      } else parameters[index] = fixed[index];
    }
    const query = { ...compiled, parameters } as CompiledQuery<Row>;
    // Kysely's executeQuery wraps every call in a fresh executor and a pass over the result plugins (none here): the
    // connection, taken the same way (inside a transaction: its connection, refused once it has ended), answers directly.
    return executor.provideConnection((connection) => connection.executeQuery<Row>(query));
  };
}
