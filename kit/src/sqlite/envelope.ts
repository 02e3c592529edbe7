/**
 * The envelope fields the storage layer relies on. The full, validated shape lives in
 * `@pos/contracts`; storage only needs to route and deduplicate.
 */
export interface StoredEnvelope {
  EventId: string;
  EventType: string;
  Timestamp: string;
  CorrelationId: string;
  Source: string;
  StoreId?: string | undefined;
  Sequence?: number | undefined;
  Payload: unknown;
}
