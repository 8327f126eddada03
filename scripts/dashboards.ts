// Regenerates the committed dashboard JSON in dashboards/ from the builders.
// Usage: npm run dashboards            (write)
//        npm run dashboards -- --check (exit 1 if a committed file differs)
import * as fs from "node:fs";
import * as path from "node:path";
import { DASHBOARD_BUILDERS, DashboardFile, renderDashboard } from "../dashboards/builders";
import { parseCommandLine } from "./lib/cli";

const USAGE = `Usage: npm run dashboards -- [--check]

Writes the dashboard JSON in dashboards/ from the builders in dashboards/builders/.
  --check   write nothing; exit 1 when a committed file differs from its builder`;

const DIR = path.resolve(__dirname, "..", "dashboards");
const line = parseCommandLine(process.argv.slice(2), { check: { type: "boolean" } }, USAGE);
if ("exitCode" in line) process.exit(line.exitCode);
const check = line.values.check === true;
let stale = 0;
for (const file of Object.keys(DASHBOARD_BUILDERS) as DashboardFile[]) {
  const target = path.join(DIR, file);
  const json = renderDashboard(file);
  const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : "";
  if (current === json) continue;
  if (check) {
    console.error(`dashboards/${file} differs from its builder; run npm run dashboards`);
    stale++;
  } else {
    fs.writeFileSync(target, json);
    console.log(`wrote dashboards/${file}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
