import { Global, Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module.js';
import { EmbeddedBrokerService } from './embedded-broker.service.js';
import { MqttClientService } from './mqtt-client.service.js';
import { MosquittoDynsecService } from './mosquitto-dynsec.service.js';

/** MQTT I/O: the embedded broker (no MQTT_URL) and the server's client. */
@Global()
@Module({
  imports: [DevicesModule],
  providers: [EmbeddedBrokerService, MqttClientService, MosquittoDynsecService],
  exports: [EmbeddedBrokerService, MqttClientService],
})
export class MqttModule {}
