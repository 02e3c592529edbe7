/**
 * Topic scheme of the edge bus (ARCHITECTURE.md, "Events"):
 *   pos/{storeId}/events/{EventType}   every event, QoS 1
 *   pos/{storeId}/acks/{consumer}      a consumer's acknowledgements, QoS 1
 */
export function eventTopic(storeId: string, eventType: string): string {
  return `pos/${storeId}/events/${eventType}`;
}

export function eventTopicFilter(storeId: string, eventType = '#'): string {
  return `pos/${storeId}/events/${eventType}`;
}

export function ackTopic(storeId: string, consumer: string): string {
  return `pos/${storeId}/acks/${consumer}`;
}

export function ackTopicFilter(storeId: string): string {
  return `pos/${storeId}/acks/+`;
}

/** The consumer name from an ack topic, or undefined when the topic is not one. */
export function consumerOfAckTopic(storeId: string, topic: string): string | undefined {
  const prefix = `pos/${storeId}/acks/`;
  if (!topic.startsWith(prefix)) return undefined;
  const consumer = topic.slice(prefix.length);
  return consumer && !consumer.includes('/') ? consumer : undefined;
}
