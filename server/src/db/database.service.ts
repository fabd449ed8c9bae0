import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type pg from 'pg';

export type SqlClient = Pick<pg.PoolClient, 'query'>;

/**
 * Raw SQL on the pool TypeORM owns, for the hot paths (ingest, reports) where one multi-row
 * statement beats ORM entity loads. CRUD code uses TypeORM repositories instead.
 */
@Injectable()
export class Database {
  constructor(readonly dataSource: DataSource) {}

  get pool(): pg.Pool {
    return (this.dataSource.driver as unknown as { master: pg.Pool }).master;
  }

  /** True when the database answers `SELECT 1` within `timeoutMs` (readiness). */
  async ping(timeoutMs = 2000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.pool.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
        }),
      ]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async query<R extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
  ): Promise<R[]> {
    const r = await this.pool.query<R>(sql, params);
    return r.rows;
  }

  /** Run `fn` in one transaction (READ COMMITTED); rolls back when it throws. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // While a client is checked out the pool does not listen to its 'error' event. If PostgreSQL
    // goes away mid-transaction (restart, failover) the client emits 'error', and an 'error' event
    // without a listener crashes the whole process. The query in progress rejects with the same
    // error, which is what callers handle; here we only note it and throw the dead client away.
    let broken: Error | undefined;
    const onError = (e: Error) => {
      broken = e;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
