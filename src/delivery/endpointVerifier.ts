// Runs an endpoint's verification check: POSTs the signed challenge with the delivery sender
// (same SSRF policy, timeout, custom headers and signature headers as deliveries) and records
// whether the endpoint echoed it. A verified endpoint's held deliveries fall due at once.
import { challengeBody, echoesChallenge } from "../domain/endpointVerification.js";
import type { Endpoint } from "../domain/model.js";
import type { Clock } from "../lib/clock.js";
import { newId } from "../lib/ids.js";
import type { Storage } from "../storage/contract.js";
import type { RequestSender, SendResult } from "./httpSender.js";
import { deliveryRequest, type SignatureHeaderStyle } from "./outboundRequest.js";
import type { Publisher } from "./publish.js";

export class EndpointVerifier {
  constructor(
    private readonly storage: Storage,
    private readonly sender: RequestSender,
    private readonly publisher: Publisher,
    private readonly clock: Clock,
    private readonly style: SignatureHeaderStyle,
  ) {}

  /** Checks an unverified endpoint; returns it as stored afterwards. A verified one is returned as is. */
  async check(endpoint: Endpoint): Promise<Endpoint> {
    if (!endpoint.verification) return endpoint;
    const { challenge } = endpoint.verification;
    const now = this.clock.nowMs();
    const request = deliveryRequest(
      endpoint,
      { id: newId("message"), contentType: null, headers: null },
      challengeBody(challenge),
      this.style,
      now,
    );
    const error = failure(await this.sender.deliver(request), challenge);
    const applied = await this.storage.endpoints.recordVerification(
      endpoint.appId,
      endpoint.id,
      challenge,
      error,
      this.clock.nowMs(),
    );
    if (applied && error === null) this.publisher.notifyWork();
    return (await this.storage.endpoints.get(endpoint.appId, endpoint.id)) ?? endpoint;
  }
}

/** Why the answer does not verify the endpoint; null when it does. */
function failure(result: SendResult, challenge: string): string | null {
  if (result.kind === "error") return result.reason;
  if (result.statusCode < 200 || result.statusCode > 299) return `the endpoint answered ${result.statusCode}`;
  if (!echoesChallenge(result.body, challenge)) return "the response did not echo the challenge";
  return null;
}
