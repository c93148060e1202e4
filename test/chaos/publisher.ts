// Publishes messages 0..total-1 through whichever instance is up, retrying until each is
// stored: connection errors (instance killed) and 503 (database away) are retried, a 409 on the
// message's eventId means an earlier try was stored. Counts every 5xx other than 503.
import type { Instance } from "../helpers/instances.js";
import { forEachConcurrently } from "../helpers/instances.js";

export interface Published {
  /** Message id per index. */
  ids: Map<number, string>;
  /** 5xx answers other than 503 (which is the documented "cannot store now" answer). */
  serverErrors: number;
  unavailable: number;
}

export async function publishAll(
  total: number,
  pickInstance: () => Instance | undefined,
  appId: string,
  { concurrency = 16, eventType = "chaos.test" } = {},
): Promise<Published> {
  const result: Published = { ids: new Map(), serverErrors: 0, unavailable: 0 };
  const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));
  const indexes = Array.from({ length: total }, (_, i) => i);
  await forEachConcurrently(indexes, concurrency, async (i) => {
    for (;;) {
      const instance = pickInstance();
      if (!instance || instance.exited) {
        await pause();
        continue;
      }
      let response: { status: number; body: any };
      try {
        response = await instance.api("POST", `/api/v1/app/${appId}/msg`, {
          eventType,
          eventId: `evt-${i}`,
          payload: { i },
        });
        if (response.status === 409) response = await instance.api("GET", `/api/v1/app/${appId}/msg/evt-${i}`);
      } catch {
        await pause(); // killed mid-request: try again, the eventId keeps it to one message
        continue;
      }
      if (response.status === 202 || response.status === 200) {
        result.ids.set(i, String(response.body.id));
        return;
      }
      if (response.status === 503) result.unavailable++;
      else if (response.status >= 500) result.serverErrors++;
      else throw new Error(`publish ${i}: unexpected ${response.status} ${JSON.stringify(response.body)}`);
      await pause();
    }
  });
  return result;
}
