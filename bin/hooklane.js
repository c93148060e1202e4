#!/usr/bin/env node
// Entry point of the `hooklane` command; the code lives in dist/ (built by `npm install`).
import { main } from "../dist/cli/main.js";

await main(process.argv);
