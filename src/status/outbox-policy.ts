// The outbox's rules from SiteWise's contract: the batch limit, the accepted time window, which
// errors are worth retrying, and how a point becomes a BatchPutAssetPropertyValue entry.
import type { PutAssetPropertyValueEntry } from '@aws-sdk/client-iotsitewise';
import type { JournalEntry } from './journal.js';

/** SiteWise's limits (BatchPutAssetPropertyValue). */
export const MAX_BATCH_ENTRIES = 10;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Oldest timestamp SiteWise takes is 7 days back; we keep an hour clear of the edge. */
export const OLDEST_POINT_AGE_MS = 7 * DAY_MS - 60 * 60 * 1000;
/** SiteWise refuses timestamps more than 10 minutes ahead; points further ahead than this wait. */
export const POINT_MAX_FUTURE_MS = 9 * 60 * 1000;

// Entry errors that a later attempt can fix. AccessDenied is here because permissions are fixed by
// people while we keep the data; the cap bounds what waits.
export const RETRIABLE = new Set([
  'InternalFailureException',
  'ServiceUnavailableException',
  'ThrottlingException',
  'LimitExceededException',
  'ConflictingOperationException',
  'AccessDeniedException',
]);
// Whole-call errors that blame the content of the request, not the service or the network.
export const CONTENT_ERRORS = new Set([
  'InvalidRequestException',
  'ResourceNotFoundException',
  'ValidationException',
]);

/** The wire entry of one point; a range that began before `oldestMs` is published from the window edge. */
export function toWireEntry(e: JournalEntry, oldestMs: number): PutAssetPropertyValueEntry {
  // Still true (video exists from the edge on), and sendable.
  const startMs = Math.max(e.startMs, Math.ceil(oldestMs / 1000) * 1000);
  return {
    entryId: String(e.seq),
    assetId: e.assetId,
    propertyId: e.propertyId,
    propertyValues: [
      {
        value: { doubleValue: e.endMs / 1000 },
        timestamp: { timeInSeconds: Math.floor(startMs / 1000), offsetInNanos: (startMs % 1000) * 1_000_000 },
        quality: 'GOOD',
      },
    ],
  };
}
