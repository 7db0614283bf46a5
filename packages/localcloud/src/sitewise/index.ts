// AWS IoT SiteWise stand-in (REST-JSON). The connector's configuration lives in SiteWise asset models
// and assets; upload requests arrive as property value notifications over MQTT; it writes time ranges
// back with BatchPutAssetPropertyValue. This folder serves exactly those operations:
//
// - assets.ts: asset models, assets, hierarchies, property aliases and notification state;
// - values.ts: property values with SiteWise's rules (type checks, 7 days back / 10 minutes ahead,
//   same timestamp replaces), history queries and the notification message;
// - server.ts: HTTP routing, paging, error shapes, persistence and publishing notifications.
//
// The SDK puts `api.`/`data.` in front of the endpoint host; clients must pass disableHostPrefix: true
// (the server itself answers both kinds of operation on one port, whatever the Host header says).
export { startSiteWiseService, type SiteWiseService, type SiteWiseOptions } from './server.js';
export { SiteWiseStore, notificationTopic } from './assets.js';
export type { StoredAsset, StoredAssetModel, StoredProperty, SiteWiseState } from './assets.js';
export type { Tqv, WireVariant } from './values.js';
