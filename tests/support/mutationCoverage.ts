// Under StrykerJS only: code a suite's `before()` hook runs is credited to every test of that
// suite. Stryker's mocha runner names the running test in a root `beforeEach`, so work done in
// `before()` (most of ours: one evaluation of the program per suite) would otherwise count for
// the previous suite's last test, and a mutant there would be tested against the wrong tests.
// Outside Stryker (no `__stryker__` namespace) nothing changes.
import Mocha from "mocha";

interface StrykerNamespace {
  currentTestId?: string;
  mutantCoverage?: { perTest: Record<string, Record<string, number>> };
}

const strykerNamespace = () => (globalThis as { __stryker__?: StrykerNamespace }).__stryker__;

function testTitles(suite: Mocha.Suite): string[] {
  return [...suite.tests.map((t) => t.fullTitle()), ...suite.suites.flatMap(testTitles)];
}

type HookFn = (this: Mocha.Context) => unknown;
type BeforeAll = (this: Mocha.Suite, titleOrFn?: string | HookFn, fn?: HookFn) => Mocha.Suite;
const beforeAll = Mocha.Suite.prototype.beforeAll as BeforeAll;

const credit: BeforeAll = function (titleOrFn, maybeFn) {
  const fn = typeof titleOrFn === "function" ? titleOrFn : maybeFn;
  // Hooks with a `done` callback are left as they are (none here).
  if (!fn || fn.length > 0) return beforeAll.call(this, titleOrFn, maybeFn);
  const suite = this;
  const credited = async function (this: Mocha.Context) {
    const ns = strykerNamespace();
    if (!ns) return fn.call(this);
    const previous = ns.currentTestId;
    const id = `before all: ${suite.fullTitle()}`;
    ns.currentTestId = id;
    try {
      return await fn.call(this);
    } finally {
      const perTest = ns.mutantCoverage?.perTest;
      const covered = perTest?.[id];
      if (perTest && covered) {
        for (const title of testTitles(suite)) {
          const counts = (perTest[title] = perTest[title] ?? {});
          for (const [mutant, hits] of Object.entries(covered)) counts[mutant] = (counts[mutant] ?? 0) + hits;
        }
        delete perTest[id];
      }
      ns.currentTestId = previous;
    }
  };
  return typeof titleOrFn === "function" ? beforeAll.call(this, credited) : beforeAll.call(this, titleOrFn, credited);
};
Mocha.Suite.prototype.beforeAll = credit as typeof Mocha.Suite.prototype.beforeAll;
