import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely';

/**
 * Kysely's SQLite dialect with a first-come, first-served turn at its single connection, and transactions that
 * take the write lock when they begin. Kysely's own lock lets every waiter re-check after each release (all of
 * them wake, one wins), so under concurrent requests most of the turns taken were wake-ups that found the
 * connection busy again; here a release hands it to the next in line.
 */
export class QueuedSqliteDialect extends SqliteDialect {
  #driver: QueuedDriver | undefined;

  override createDriver(): Driver {
    this.#driver = new QueuedDriver(super.createDriver());
    return this.#driver;
  }

  /**
   * Runs `work` in a turn of its own: queries asked for meanwhile wait (asynchronously) until it is done, and no
   * transaction or read is open on the connection while it runs. For work another connection does on the same file
   * that needs this one idle (the background checkpoint's WAL restart).
   */
  whileIdle(work: () => Promise<void>): Promise<void> {
    if (!this.#driver) throw new Error('the dialect has no driver yet: create the Kysely instance first');
    return this.#driver.whileIdle(work);
  }
}

class QueuedDriver implements Driver {
  #busy = false;
  readonly #waiting: Array<() => void> = [];

  constructor(private readonly driver: Driver) {}

  init(): Promise<void> {
    return this.driver.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#takeTurn();
    try {
      return await this.driver.acquireConnection();
    } catch (error) {
      this.#handOver();
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.driver.releaseConnection(connection);
    } finally {
      this.#handOver();
    }
  }

  async whileIdle(work: () => Promise<void>): Promise<void> {
    await this.#takeTurn();
    try {
      await work();
    } finally {
      this.#handOver();
    }
  }

  async #takeTurn(): Promise<void> {
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#busy = true;
  }

  /** The next waiter gets the connection without it ever looking free in between. */
  #handOver(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#busy = false;
  }

  /**
   * BEGIN IMMEDIATE: a transaction that read under a plain (deferred) BEGIN and then writes fails at once with
   * SQLITE_BUSY if another process (`pnpm worker`, the CLI, a second API) committed in between — busy_timeout does
   * not apply to that upgrade. Taking the write lock first makes it wait its turn instead. SQLite has no
   * isolation levels or access modes to set.
   */
  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.rollbackTransaction(connection);
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}
