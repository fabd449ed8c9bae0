import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Clock } from '@rfid/protocol';
import { CLOCK, SERVER_CONFIG, type ServerConfig } from './config/config.js';
import { LOGGER, type Logger } from './logger.js';

/** Process-wide values every module may inject: `SERVER_CONFIG`, `CLOCK`, `LOGGER`. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: ServerConfig, clock: Clock, logger: Logger): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: SERVER_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        { provide: LOGGER, useValue: logger },
      ],
      exports: [SERVER_CONFIG, CLOCK, LOGGER],
    };
  }
}
