// Group publish: messages published in the same turn of the event loop are stored together.
// On PostgreSQL by one statement, so they share one round trip, one commit and one WAL flush
// instead of paying each (the server's per-statement and per-commit work is most of a
// publish's cost). On SQLite, whose client already shares one commit among a turn's
// transactions, by multi-row INSERTs in one savepoint instead of two statements and a
// savepoint per message.
//
// Failures stay each caller's own. A message the batch left out (its eventId already taken, or
// its routing guard refused) is stored alone, which raises its own error; a batch that fails as
// a whole (say a foreign key, an endpoint deleted meanwhile) is retried message by message.
// Only an unavailable database fails the whole batch: on PostgreSQL a lost connection leaves
// its outcome unknown, and storing again could store twice (callers answer 503; a retry with
// the same eventId is safe); on SQLite a full or failing disk fails the retries too.
import type { Message } from "../../domain/model.js";
import { TurnBatch } from "../../lib/async.js";
import { HooklaneError } from "../../lib/errors.js";
import type { NewDelivery } from "../contract.js";

export interface Publish {
  message: Message;
  deliveries: NewDelivery[];
  firstAttemptAt: number;
  /** Routing.guard, when the publish was planned by a kept copy. */
  guard: string | undefined;
}

export interface PublishStatements {
  /** Stores the publishes in one statement; returns the ids of the messages it stored. */
  storeMany(publishes: Publish[]): Promise<Set<string>>;
  /** Stores one publish by itself, throwing its own error (conflict, stale routing). */
  storeOne(publish: Publish): Promise<void>;
  /** Bind parameters `publish` adds to a batch statement. */
  parameters(publish: Publish): number;
}

/** Bind parameters per batch statement: well below PostgreSQL's 65,535. */
const MAX_PARAMETERS = 20000;

interface Waiting {
  publish: Publish;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class PublishBatcher {
  /** The publishes of one turn of the event loop, stored together at its end. */
  private readonly gathered = new TurnBatch<Waiting>((queue) => this.flush(queue));

  constructor(private readonly statements: PublishStatements) {}

  /** Resolves once the publish is committed. */
  store(publish: Publish): Promise<void> {
    return new Promise((resolve, reject) => this.gathered.add({ publish, resolve, reject }));
  }

  /** Sends what the turn gathered, in batches of at most MAX_PARAMETERS; does not wait for them. */
  private flush(queue: Waiting[]): void {
    while (queue.length > 0) {
      let parameters = 0;
      let size = 0;
      for (const item of queue) {
        parameters += this.statements.parameters(item.publish);
        if (size > 0 && parameters > MAX_PARAMETERS) break;
        size++;
      }
      void this.run(queue.splice(0, size));
    }
  }

  private async run(batch: Waiting[]): Promise<void> {
    if (batch.length === 1) return this.storeAlone(batch[0]!);
    let stored: Set<string>;
    try {
      stored = await this.statements.storeMany(batch.map((item) => item.publish));
    } catch (error) {
      if (error instanceof HooklaneError && error.kind === "unavailable") {
        for (const item of batch) item.reject(error);
        return;
      }
      stored = new Set();
    }
    for (const item of batch) {
      if (stored.has(item.publish.message.id)) item.resolve();
      else void this.storeAlone(item);
    }
  }

  private async storeAlone(item: Waiting): Promise<void> {
    try {
      await this.statements.storeOne(item.publish);
      item.resolve();
    } catch (error) {
      item.reject(error);
    }
  }
}
