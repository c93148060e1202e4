// Summarises a V8 .cpuprofile (from BENCH_PROFILE or `node --cpu-prof`): the functions with
// the most self time, and the files and packages they belong to.
// Usage: node bench/profile-summary.mjs <file.cpuprofile> [top=40]
import { readFileSync } from "node:fs";

const [file, topArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, "utf8"));
const top = Number(topArg ?? 40);

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTicks = new Map();
for (const id of profile.samples) selfTicks.set(id, (selfTicks.get(id) ?? 0) + 1);
const total = profile.samples.length;

const where = (frame) => {
  const url = frame.url.replace(/^file:\/\//, "");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes("/dist/")) return url.slice(url.indexOf("/dist/") + 1);
  return url || "(native)";
};
const byFunction = new Map();
const byPlace = new Map();
for (const [id, ticks] of selfTicks) {
  const frame = nodes.get(id).callFrame;
  const name = `${frame.functionName || "(anonymous)"}  ${where(frame)}:${frame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + ticks);
  const place = where(frame);
  byPlace.set(place, (byPlace.get(place) ?? 0) + ticks);
}
const pct = (ticks) => `${((ticks / total) * 100).toFixed(1).padStart(5)}%`;
const show = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [name, ticks] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(ticks)}  ${name}`);
};
console.log(`${total} samples, ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s`);
show("self time by function", byFunction, top);
show("self time by package / file", byPlace, 25);
