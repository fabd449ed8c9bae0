import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source.js';
import { Database } from './database.service.js';

/**
 * The database: TypeORM DataSource (inject `DataSource` or use `TypeOrmModule.forFeature([Entity])`
 * + `@InjectRepository(Entity)` in a feature module) and `Database` for raw SQL on the same pool.
 * Migrations have run before this module starts (see server.ts).
 */
@Global()
@Module({})
export class DbModule {
  static forRoot(url: string, applicationName: string): DynamicModule {
    return {
      module: DbModule,
      imports: [TypeOrmModule.forRoot({ ...dataSourceOptions(url, { poolSize: 20, applicationName }) })],
      providers: [Database],
      exports: [Database, TypeOrmModule],
    };
  }
}
