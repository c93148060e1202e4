import { Type } from "typebox";
import { DateTime, EventTypeName, MessageStatusSchema, Nullable, Opt, PagingQuery } from "./common.js";

const replayFields = {
  since: DateTime,
  until: Opt(DateTime),
  eventTypes: Opt(Type.Array(EventTypeName, { minItems: 1, uniqueItems: true })),
  status: Opt(MessageStatusSchema),
  dryRun: Opt(Type.Boolean({ description: "Only count what the replay would re-send (200 with {count})." })),
  rate: Opt(
    Type.Integer({
      minimum: 1,
      maximum: 100000,
      description: "Deliveries re-queued per second at most (default: the replayRatePerSecond setting).",
    }),
  ),
};

export const ReplayIn = Type.Object(replayFields, {
  $id: "ReplayIn",
  description: "Re-send the deliveries of messages created in [since, until), by event type and delivery state.",
});

export const EndpointReplayIn = Type.Object(
  {
    ...replayFields,
    includeMissed: Opt(
      Type.Boolean({
        description:
          "Also send the range's messages this endpoint never received (published while it was disabled) that its filters accept. Ignored with a status filter.",
      }),
    ),
  },
  { $id: "EndpointReplayIn" },
);

export const ReplayDryRunOut = Type.Object(
  { count: Type.Integer(), dryRun: Type.Literal(true) },
  { $id: "ReplayDryRunOut" },
);

export const BackgroundTaskOut = Type.Object(
  {
    id: Type.String(),
    status: Type.Union([Type.Literal("running"), Type.Literal("finished"), Type.Literal("failed")]),
    task: Type.String(),
    updatedAt: DateTime,
    data: Type.Object({
      appId: Type.String(),
      endpointId: Nullable(Type.String()),
      total: Type.Integer(),
      done: Type.Integer(),
      ratePerSecond: Type.Number(),
      error: Nullable(Type.String()),
      createdAt: DateTime,
    }),
  },
  { $id: "BackgroundTaskOut" },
);

export const TaskParams = Type.Object({ task_id: Type.String() });
export const TaskListQuery = Type.Object({ ...PagingQuery, app_id: Opt(Type.String()) });

export const EndpointEnableIn = Type.Object(
  {
    replayMissed: Opt(
      Type.Boolean({
        description:
          "Also start a replay of what the endpoint missed: every message since it started failing (or was disabled) that it did not receive.",
      }),
    ),
  },
  { $id: "EndpointEnableIn" },
);
