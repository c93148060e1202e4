// `npm run docs:config`: rewrites README.md's configuration table from the config schema.
import { readFileSync, writeFileSync } from "node:fs";
import { withConfigTable } from "../dist/config/docs.js";

const path = new URL("../README.md", import.meta.url);
writeFileSync(path, withConfigTable(readFileSync(path, "utf8")));
