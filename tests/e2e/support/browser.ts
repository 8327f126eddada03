// A real, headless Chromium (Debian's `chromium`, installed by scripts/test-tools.sh) driven by
// playwright-core, which downloads no browser of its own: what users look at, seen as they see it.
// Hosts are mapped to local ports and the tests' own CAs are added to the browser's trust store
// (its NSS database, with NSS's certutil), so the browser reaches https://<Service or public
// name>/ as in the cluster and verifies the certificate chain and name as for any site. A failed test saves a screenshot, the browser's console
// and failed requests, and the engines' log tails in one folder (failureArtifacts).
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { spawnSync } from "node:child_process";
import { Browser, BrowserContext, BrowserContextOptions, Page, chromium } from "playwright-core";
import type { Engine } from "../../support/engines";

const ROOT = path.resolve(__dirname, "../../..");

/** Where failed browser tests leave their screenshot, console and engine logs (out/ is not committed). */
export const ARTIFACTS = process.env.JAEGER_SPM_E2E_ARTIFACTS ?? path.join(ROOT, "out/e2e-artifacts");

/** Debian's Chromium, found on PATH as scripts/test-tools.sh installs it. */
export function chromiumPath(): string {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const file = path.join(dir, "chromium");
    if (dir && fs.existsSync(file)) return file;
  }
  throw new Error("chromium is not on PATH: run npm run setup (scripts/test-tools.sh installs Debian's chromium)");
}

/**
 * A browser profile's home whose NSS database (~/.pki/nssdb, where Chromium on Linux reads its
 * user trust anchors) trusts `authorities` (PEM CA files) for TLS servers.
 */
function trustingHome(authorities: readonly string[]): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-browser-"));
  const db = `sql:${path.join(home, ".pki/nssdb")}`;
  fs.mkdirSync(path.join(home, ".pki/nssdb"), { recursive: true });
  const certutil = (args: string[]) => {
    const run = spawnSync("certutil", args, { encoding: "utf8", timeout: 30_000 });
    if (run.status !== 0)
      throw new Error(
        `certutil ${args.join(" ")}: ${run.stderr || run.error?.message} (scripts/test-tools.sh installs libnss3-tools)`,
      );
  };
  certutil(["-N", "-d", db, "--empty-password"]);
  authorities.forEach((ca, n) => certutil(["-A", "-d", db, "-n", `e2e-ca-${n}`, "-t", "C,,", "-i", ca]));
  return home;
}

/** What a page printed and what it failed to load: the part of a failure a screenshot cannot show. */
export interface PageLog {
  readonly lines: string[];
  /** Console errors and uncaught exceptions only, each with the URL it came from when the browser names one. */
  readonly errors: string[];
}

export interface RunningBrowser {
  readonly browser: Browser;
  /** A new browser profile (no cookies, no saved credentials) with one page, its console recorded. */
  newPage(options?: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page; log: PageLog }>;
  /**
   * Saves what a failed test leaves: a screenshot and the console of every page opened since the
   * last call, and the engines' log tails, into ARTIFACTS/<test title>/. Returns the folder.
   */
  saveFailure(title: string, engines: readonly (Engine | undefined)[]): Promise<string>;
  /** Forgets the pages opened so far (their contexts are closed). */
  closePages(): Promise<void>;
  close(): Promise<void>;
}

export interface BrowserOptions {
  /** Host name → local port: the browser's DNS, as the cluster's or the public one resolves it. */
  readonly hosts?: Readonly<Record<string, number>>;
  /** CA certificates (PEM files) the browser trusts besides none: the tests' own CAs. */
  readonly trust?: readonly string[];
}

export async function startBrowser(options: BrowserOptions = {}): Promise<RunningBrowser> {
  const rules = Object.entries(options.hosts ?? {}).map(([host, port]) => `MAP ${host} 127.0.0.1:${port}`);
  const home = trustingHome(options.trust ?? []);
  // Chromium refuses to start its sandbox as root (CI runs as root); the pages are our own.
  const browser = await chromium
    .launch({
      executablePath: chromiumPath(),
      headless: true,
      chromiumSandbox: process.getuid?.() !== 0,
      args: rules.length > 0 ? [`--host-resolver-rules=${rules.join(", ")}`] : [],
      env: { ...process.env, HOME: home },
      timeout: 30_000,
    })
    .catch((error: unknown) => {
      fs.rmSync(home, { recursive: true, force: true });
      throw error;
    });
  const pages: { page: Page; log: PageLog }[] = [];
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage(contextOptions = {}) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, ...contextOptions });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const log: PageLog = { lines: [], errors: [] };
      const at = () => new Date().toISOString();
      page.on("console", (message) => {
        const where = message.location().url;
        const line = `${at()} console.${message.type()}: ${message.text()}${where ? ` (${where})` : ""}`;
        log.lines.push(line);
        if (message.type() === "error") log.errors.push(line);
      });
      page.on("pageerror", (error) => {
        const line = `${at()} uncaught: ${error.message}`;
        log.lines.push(line);
        log.errors.push(line);
      });
      page.on("requestfailed", (request) =>
        log.lines.push(`${at()} request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText}`),
      );
      page.on("response", (response) => {
        if (response.status() >= 400)
          log.lines.push(`${at()} ${response.status()} ${response.request().method()} ${response.url()}`);
      });
      page.on("framenavigated", (frame) => {
        if (frame === page.mainFrame()) log.lines.push(`${at()} navigated: ${frame.url()}`);
      });
      pages.push({ page, log });
      return { context, page, log };
    },
    async saveFailure(title, engines) {
      const dir = path.join(ARTIFACTS, title.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 120));
      fs.mkdirSync(dir, { recursive: true });
      for (const [n, { page, log }] of pages.entries()) {
        await page
          .screenshot({ path: path.join(dir, `page-${n + 1}.png`), fullPage: true, timeout: 10_000 })
          .catch(() => undefined);
        fs.writeFileSync(path.join(dir, `page-${n + 1}-console.log`), `${page.url()}\n${log.lines.join("\n")}\n`);
      }
      fs.writeFileSync(
        path.join(dir, "engines.log"),
        engines.flatMap((engine) => (engine ? [engine.logTail(200)] : [])).join("\n\n"),
      );
      return dir;
    },
    async closePages() {
      for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
      pages.splice(0);
    },
    async close() {
      await browser.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * Where the docs' screenshots go when `npm run docs:screenshots` runs the browser tests
 * (JAEGER_SPM_SCREENSHOTS); unset, the tests take none.
 */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.JAEGER_SPM_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}
