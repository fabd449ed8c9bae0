/**
 * The directory service outside the Nest app, on a database of its own (the demo seed, the
 * benchmarks and the drill rig write the directory through the same methods as the tests).
 */
import { DataSource, type DataSourceOptions } from 'typeorm';
import { dataSourceOptions } from '../db/data-source.js';
import { DirectoryService } from './directory.service.js';

export interface StandaloneDirectory {
  directory: DirectoryService;
  close(): Promise<void>;
}

export async function openDirectory(url: string): Promise<StandaloneDirectory> {
  const ds = new DataSource({
    ...dataSourceOptions(url, { poolSize: 2, applicationName: 'directory-seed' }),
  } as DataSourceOptions);
  await ds.initialize();
  return { directory: new DirectoryService(ds), close: () => ds.destroy() };
}
