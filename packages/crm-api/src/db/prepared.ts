import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.js';
import type { Trx } from './transaction.js';

type Path = ReadonlyArray<string | number>;

/** Stands in for one argument value while the query is compiled; the value at `path` takes its place on each run. */
class Slot {
  constructor(readonly path: Path) {}
}

type Parameter = { path: Path } | { value: unknown };

interface Template {
  compiled: CompiledQuery;
  parameters: Parameter[];
}

/** Shapes (list lengths, object keys) compiled per statement and dialect; rarer ones are compiled per call. */
const SHAPES_PER_STATEMENT = 64;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** What the compiled SQL depends on: list lengths and object keys (and which values are undefined, which Kysely omits). */
function shapeOf(value: unknown): string {
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

function withSlots(value: unknown, path: Path): unknown {
  if (Array.isArray(value)) return value.map((item, index) => withSlots(item, [...path, index]));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withSlots(item, [...path, key])]));
  if (value === undefined) return undefined;
  // Kysely writes some values into the SQL itself (booleans, nulls compared with `is`) and treats expressions and
  // builders as SQL: none of them can stand behind a placeholder.
  if (value !== null && !['string', 'number', 'bigint'].includes(typeof value)) {
    throw new TypeError(`a prepared statement's arguments are strings, numbers, null, plain objects and arrays; got ${typeof value} at ${path.join('.')}`);
  }
  return new Slot(path);
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
    const dialect = db.getExecutor().adapter;
    let byShape = templates.get(dialect);
    if (!byShape) templates.set(dialect, (byShape = new Map()));
    const shape = shapeOf(args);
    let template = byShape.get(shape);
    if (!template) {
      if (byShape.size >= SHAPES_PER_STATEMENT) return db.executeQuery(build(db, ...args));
      const compiled = build(db, ...(withSlots(args, []) as Args)).compile();
      const parameters = compiled.parameters.map((value) => (value instanceof Slot ? { path: value.path } : { value }));
      template = { compiled, parameters };
      byShape.set(shape, template);
    }
    const parameters = template.parameters.map((parameter) => ('path' in parameter ? valueAt(args, parameter.path) : parameter.value));
    return db.executeQuery<Row>({ ...template.compiled, parameters } as CompiledQuery<Row>);
  };
}
