// MQTT broker standing in for AWS IoT Core: aedes on loopback TCP, no TLS, no authentication.
//
// aedes speaks MQTT 3.1.1 only, while aws-iot-device-sdk-v2's Mqtt5Client speaks only MQTT 5, so every
// connection is sniffed: 3.1.1 clients go straight to aedes, MQTT 5 clients through a small packet
// translator (v5bridge.ts). In-process code (SiteWise notifications, the IPC bridge) uses publish() and
// subscribe() on the handle.
export { startMqttBroker, type MqttBroker, type MqttOptions, type MqttMessageHandler } from './broker.js';
