// AWS IoT TwinMaker stand-in: the data plane the TwinMaker video player (@iot-app-kit/source-iottwinmaker)
// reads, on loopback, for the unmodified @aws-sdk/client-iottwinmaker (endpoint override, for example
// AWS_ENDPOINT_URL_IOTTWINMAKER; pass disableHostPrefix: true as for SiteWise, since the SDK puts `api.`
// and `data.` in front of the host).
//
// - entities.ts: workspaces and entities; a component of type com.amazon.iotsitewise.connector.edgevideo
//   is bound to a camera asset of the SiteWise stand-in (sitewiseAssetId, sitewiseAssetModelId) and its
//   properties are the asset's, each carrying the SiteWise property id in its definition's
//   configuration, as GetEntity returns them on AWS;
// - history.ts: GetPropertyValueHistory, reading the bound SiteWise property's values (ordering, paging);
// - server.ts: HTTP routing, error shapes, persistence.
export { startTwinMakerService, type TwinMakerService, type TwinMakerOptions } from './server.js';
export { EDGE_VIDEO_COMPONENT_TYPE } from './entities.js';
