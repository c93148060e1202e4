// `hooklane verify`: checks one webhook's signature from its headers and the body on stdin,
// for support cases ("is this request really from us?"). Exit 0 valid, 1 invalid.
import type { Command } from "commander";
import { verifySignature } from "../../domain/verify.js";
import { CliError, EXIT_API } from "../errors.js";
import { positiveInteger } from "./common.js";

interface VerifyFlags {
  secret: string;
  id: string;
  timestamp: string;
  signature: string;
  tolerance: number;
  ignoreTimestamp?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function verify(flags: VerifyFlags): Promise<void> {
  // The signature covers the exact bytes sent: do not trim or re-serialise the body.
  const body = await readStdin();
  const result = verifySignature(
    flags.secret,
    { id: flags.id, timestamp: flags.timestamp, signature: flags.signature, body },
    Date.now(),
    flags.ignoreTimestamp ? null : flags.tolerance,
  );
  if (!result.valid) throw new CliError(`signature INVALID: ${result.reason}`, EXIT_API);
  process.stdout.write("signature valid\n");
}

export function registerVerifyCommand(program: Command): void {
  program
    .command("verify")
    .description("verify a webhook's Standard Webhooks signature; the body is read from stdin")
    .requiredOption("--secret <key>", "the endpoint's signing secret (whsec_) or ed25519 public key (whpk_)")
    .requiredOption("--id <id>", "webhook-id header (msg_...)")
    .requiredOption("--timestamp <seconds>", "webhook-timestamp header")
    .requiredOption("--signature <sigs>", "webhook-signature header (v1,... possibly several)")
    .option("--tolerance <seconds>", "largest accepted clock difference", positiveInteger, 300)
    .option("--ignore-timestamp", "check the signature only, not the timestamp's age (old requests)")
    .addHelpText(
      "after",
      "\nExample:\n  hooklane verify --secret whsec_... --id msg_... --timestamp 1700000000 \\\n" +
        "    --signature 'v1,K5o...' --ignore-timestamp < body.json\n",
    )
    .action(verify);
}
