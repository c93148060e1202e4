// Which endpoints a message goes to (Svix semantics).

import type { Endpoint } from "./model.js";

interface Routable {
  eventType: string;
  channels: readonly string[] | null;
}

/**
 * An endpoint receives a message when it is enabled, its event-type filter is empty or names
 * the type, and, if it lists channels, the message carries at least one of them.
 */
export function endpointAccepts(endpoint: Endpoint, message: Routable): boolean {
  if (endpoint.disabled) return false;
  if (endpoint.eventTypes && endpoint.eventTypes.length > 0 && !endpoint.eventTypes.includes(message.eventType)) {
    return false;
  }
  if (endpoint.channels && endpoint.channels.length > 0) {
    return (message.channels ?? []).some((channel) => endpoint.channels!.includes(channel));
  }
  return true;
}
