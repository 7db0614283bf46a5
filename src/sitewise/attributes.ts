// Reading one attribute: the asset's latest value, else the model's default (what SiteWise reports).
import {
  GetAssetPropertyValueCommand,
  type AssetProperty,
  type IoTSiteWiseClient,
  type Variant,
} from '@aws-sdk/client-iotsitewise';
import type { AttributeValue } from './camera-config.js';
import { awsErrorName } from './errors.js';

/** The attribute's value on the asset, else the model's default (what SiteWise itself reports). */
export async function readAttribute(
  client: IoTSiteWiseClient,
  assetId: string,
  property: AssetProperty,
  defaultValue: string | undefined,
  signal?: AbortSignal,
): Promise<AttributeValue> {
  let variant: Variant | undefined;
  try {
    const out = await client.send(new GetAssetPropertyValueCommand({ assetId, propertyId: property.id }), {
      abortSignal: signal,
    });
    variant = out.propertyValue?.value;
  } catch (err) {
    if (awsErrorName(err) !== 'ResourceNotFoundException') throw err;
  }
  const value = variantValue(variant);
  if (value !== undefined || defaultValue === undefined) return value;
  return parseDefault(defaultValue, property.dataType);
}

/** The JavaScript value of a SiteWise Variant. */
export function variantValue(variant: Variant | undefined): AttributeValue {
  if (variant === undefined) return undefined;
  if (variant.stringValue !== undefined) return variant.stringValue;
  if (variant.integerValue !== undefined) return variant.integerValue;
  if (variant.doubleValue !== undefined) return variant.doubleValue;
  if (variant.booleanValue !== undefined) return variant.booleanValue;
  return undefined;
}

function parseDefault(text: string, dataType: string | undefined): AttributeValue {
  switch (dataType) {
    case 'INTEGER':
    case 'DOUBLE': {
      const n = Number(text);
      return text.trim() === '' || Number.isNaN(n) ? text : n;
    }
    case 'BOOLEAN':
      return text.toLowerCase() === 'true' ? true : text.toLowerCase() === 'false' ? false : text;
    default:
      return text;
  }
}
