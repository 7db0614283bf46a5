// Greengrass nucleus stand-in for IPC: the eventstream RPC server the nucleus runs on a Unix socket,
// enough for aws-iot-device-sdk-v2's greengrasscoreipc client (AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT
// + SVCUID) to connect unchanged.
//
// - framing.ts: the eventstream frames and RPC header conventions;
// - config.ts: the component configuration tree and its update subscribers;
// - server.ts: connections, the connect handshake, and the operations: GetConfiguration,
//   UpdateConfiguration, SubscribeToConfigurationUpdate, SubscribeToIoTCore and PublishToIoTCore
//   (bridged to the local MQTT broker), PublishToTopic (local publish/subscribe, kept for tests as a
//   subscriber like aws.greengrass.Cloudwatch would see it) and UpdateState (recorded for tests).
export {
  startNucleus,
  LOCAL_MESSAGES_KEPT,
  type LocalMessage,
  type Nucleus,
  type NucleusOptions,
  type IotCoreBridge,
} from './server.js';
export { ConfigurationTree } from './config.js';
