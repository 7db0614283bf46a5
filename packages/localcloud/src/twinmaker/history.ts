// GetPropertyValueHistory for components bound to SiteWise: the values of the SiteWise property behind
// each selected property name, between startTime and endTime (both inclusive, ISO-8601 strings or the
// deprecated startDateTime/endDateTime), ordered by time, paged (maxResults 1-250, default 25).
import { AwsError } from '../http/index.js';
import { tqvMillis, type Tqv } from '../sitewise/values.js';
import { EDGE_VIDEO_COMPONENT_TYPE, type TwinMakerStore } from './entities.js';

const DEFAULT_PAGE = 25;
const MAX_PAGE = 250;

function invalid(message: string): AwsError {
  return new AwsError('ValidationException', message, 400);
}

function timeField(body: Record<string, unknown>, iso: string, legacy: string): number {
  const v = body[iso] ?? body[legacy];
  const ms = typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v * 1000 : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(`${iso} is required (ISO-8601)`);
  return ms;
}

/** SiteWise variant -> TwinMaker DataValue. */
function dataValue(v: Tqv['value']): Record<string, unknown> {
  if (v.stringValue !== undefined) return { stringValue: v.stringValue };
  if (v.doubleValue !== undefined) return { doubleValue: v.doubleValue };
  if (v.integerValue !== undefined) return { integerValue: v.integerValue };
  return { booleanValue: v.booleanValue };
}

interface Row {
  propertyName: string;
  tqv: Tqv;
}

export function getPropertyValueHistory(
  store: TwinMakerStore,
  workspaceId: string,
  body: Record<string, unknown>,
  pageCap: number | undefined,
): Record<string, unknown> {
  const entityId = body.entityId;
  const componentName = body.componentName;
  if (typeof entityId !== 'string' || typeof componentName !== 'string')
    throw invalid('entityId and componentName are required (componentTypeId queries are not emulated)');
  const selected = body.selectedProperties;
  if (
    !Array.isArray(selected) ||
    selected.length < 1 ||
    selected.length > 10 ||
    selected.some((p) => typeof p !== 'string')
  )
    throw invalid('selectedProperties must list 1 to 10 property names');
  const startMs = timeField(body, 'startTime', 'startDateTime');
  const endMs = timeField(body, 'endTime', 'endDateTime');
  if (endMs < startMs) throw invalid('endTime must not be before startTime');
  const order = body.orderByTime ?? 'ASCENDING';
  if (order !== 'ASCENDING' && order !== 'DESCENDING')
    throw invalid('orderByTime must be ASCENDING or DESCENDING');
  const max = body.maxResults ?? DEFAULT_PAGE;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_PAGE)
    throw invalid(`maxResults must be 1 to ${MAX_PAGE}`);
  const size = Math.min(max, pageCap ?? Number.POSITIVE_INFINITY);

  const entity = store.entity(workspaceId, entityId);
  const component = entity.components[componentName];
  if (component === undefined)
    throw new AwsError('ResourceNotFoundException', `Component ${componentName} not found`, 404);
  if (component.componentTypeId !== EDGE_VIDEO_COMPONENT_TYPE)
    throw invalid(
      `component ${componentName} is not stored externally; only ${EDGE_VIDEO_COMPONENT_TYPE} is emulated`,
    );

  const rows: Row[] = [];
  for (const propertyName of selected as string[]) {
    const { asset, property } = store.boundProperty(component, componentName, propertyName);
    const values =
      store.sitewise.series.get(`${asset.id}/${property.id}`)?.range(startMs, endMs, undefined, false) ?? [];
    for (const tqv of values) rows.push({ propertyName, tqv });
  }
  rows.sort((a, b) => tqvMillis(a.tqv) - tqvMillis(b.tqv));
  if (order === 'DESCENDING') rows.reverse();

  let from = 0;
  const token = body.nextToken;
  if (token !== undefined) {
    from =
      typeof token === 'string'
        ? Number.parseInt(Buffer.from(token, 'base64url').toString('utf8').replace(/^h:/, ''), 10)
        : NaN;
    if (!Number.isInteger(from) || from < 0 || from > rows.length) throw invalid('nextToken is not valid');
  }
  const page = rows.slice(from, from + size);
  const byName = new Map<string, Record<string, unknown>[]>();
  for (const { propertyName, tqv } of page) {
    const ms = tqvMillis(tqv);
    const list = byName.get(propertyName) ?? [];
    list.push({ timestamp: ms / 1000, value: dataValue(tqv.value), time: new Date(ms).toISOString() });
    byName.set(propertyName, list);
  }
  const end = from + page.length;
  return {
    propertyValues: [...byName].map(([propertyName, values]) => ({
      entityPropertyReference: { entityId, componentName, propertyName },
      values,
    })),
    ...(end < rows.length && { nextToken: Buffer.from(`h:${end}`).toString('base64url') }),
  };
}
