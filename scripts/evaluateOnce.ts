// One program evaluation (as `pulumi preview` runs the program), for the benchmark:
// prints the resource count and this process's peak resident memory.
import { evaluateStack } from "./evaluate";

const stack = process.argv[2] ?? "prod";
evaluateStack(stack)
  .then((ev) => {
    console.log(JSON.stringify({ resources: ev.resources.length, maxRssKb: process.resourceUsage().maxRSS }));
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
