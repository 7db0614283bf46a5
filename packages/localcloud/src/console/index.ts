// The local console: the offline stand-in for a Grafana dashboard with the TwinMaker video player. One
// tile per camera entity (TwinMaker edge video components bound to SiteWise camera assets), a <video>
// played by hls.js through the same HLS session URLs the player gets (GetDataEndpoint, then
// GetHLSStreamingSessionURL with the player's parameters, over the KVS stand-in's wire API), the three
// ranges on a timeline (cached on the edge, uploaded, live) and "Live" / "Upload this range" buttons that
// write VideoUploadRequest exactly as the player does (BatchPutAssetPropertyValue over the SiteWise
// stand-in's wire API, so the MQTT notification reaches the connector).
//
// - api.ts: the JSON endpoints the page calls; page.ts: the page itself.
export { startConsole, type ConsoleService, type ConsoleOptions } from './server.js';
