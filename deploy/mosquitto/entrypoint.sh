#!/bin/sh
# First start: create the dynamic-security store with the server's admin client.
set -e
if [ ! -f /mosquitto/data/dynamic-security.json ]; then
  mosquitto_ctrl dynsec init /mosquitto/data/dynamic-security.json rfid-server "$MQTT_SERVER_PASSWORD"
fi
exec mosquitto -c /mosquitto/config/mosquitto.conf
