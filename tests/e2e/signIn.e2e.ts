// OpenID Connect sign-in on the real engines: oauth2-proxy v7.15.3 (the pinned image's version,
// built by scripts/engines.sh) started from the stack's rendered Deployment, in front of Jaeger 2.20
// with TLS on its query API, against an identity provider over TLS (engines/oidcprovider). The
// browser's part of the authorization-code flow is played here, request by request, as an ingress
// at https://jaeger.example.com would forward it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { Evaluation, evaluateStack } from "../../scripts/evaluate";
import { edits } from "../support/stackEdits";
import { engineCommand } from "../support/engines";
import { Certificates, makeCertificates } from "./support/certs";
import { RunningJaeger, prometheusService, sendSpans, startJaeger } from "./support/jaeger";
import {
  CLIENT_ID,
  COLLECTOR_NAME,
  IdentityProvider,
  QUERY_NAME,
  RunningSignInProxy,
  signInEdits,
  startIdentityProvider,
  startSignInProxy,
} from "./support/signIn";

const PUBLIC_HOST = "jaeger.example.com";
const ALLOWED_GROUP = "sre";
/** What the ingress in front of oauth2-proxy adds to every request it forwards. */
const FORWARDED = { "X-Forwarded-Proto": "https", "X-Forwarded-Host": PUBLIC_HOST, "X-Forwarded-For": "203.0.113.7" };

/** Where a browser's sign-in goes: the page, the proxy, the headers the hop before it adds. */
interface SignInVia {
  readonly page?: string;
  readonly through?: string;
  readonly forwarded?: Record<string, string>;
}

interface Answer {
  readonly status: number;
  readonly location?: string;
  /** name=value of every Set-Cookie with a value (a cleared cookie has none). */
  readonly cookies: readonly string[];
  readonly body: string;
}

/** One request, redirects not followed (the test follows them itself). `ca` verifies an https URL. */
function request(url: string, options: { headers?: Record<string, string>; ca?: string } = {}): Promise<Answer> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(
      target,
      { headers: options.headers, ca: options.ca ? fs.readFileSync(options.ca) : undefined, timeout: 10_000 },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            location: response.headers.location,
            cookies: (response.headers["set-cookie"] ?? [])
              .map((c) => c.split(";")[0])
              .filter((c) => c.indexOf("=") < c.length - 1),
            body,
          }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer in 10 s`)));
    req.on("error", reject);
  });
}

describe("e2e: OIDC sign-in (oauth2-proxy) in front of Jaeger 2.20's query API", function () {
  let dir: string;
  let queryCerts: Certificates;
  let provider: IdentityProvider | undefined;
  let issuer: string;
  let providerCa: string;
  let jaeger: RunningJaeger | undefined;
  /** oauth2-proxy as the stack renders it with the ingress (loopback here) as its trusted proxy. */
  let trusting: RunningSignInProxy | undefined;
  let proxyUrl: string;
  /** oauth2-proxy as the stack renders it without security.oidc.trustedProxyIps (the default). */
  let untrusting: RunningSignInProxy | undefined;
  const service = `signed-in-${process.pid}`;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-sign-in-"));
    queryCerts = makeCertificates(path.join(dir, "query"), [QUERY_NAME, COLLECTOR_NAME]);
    // Another CA: oauth2-proxy must trust the provider through its system roots and the query API
    // through the mounted CA, both at once.
    provider = await startIdentityProvider(dir);
    ({ issuer } = provider);
    providerCa = provider.certs.serverCa;
    const stackEdits = signInEdits({ issuer, publicHost: PUBLIC_HOST, allowedGroup: ALLOWED_GROUP });
    const evaluation: Evaluation = await evaluateStack(
      "dev",
      // The ingress stands on loopback here.
      edits("dev", [...stackEdits, ["security.oidc.trustedProxyIps[0]", "127.0.0.0/8"]]),
    );
    jaeger = await startJaeger(evaluation, "jaeger", {
      services: await prometheusService(),
      secrets: { "jaeger-tls": queryCerts.serverSecret },
    });
    sendSpans(engineCommand("spansend"), "otlp-grpc", `127.0.0.1:${jaeger.pod.port(4317)}`, {
      service,
      tls: { ca: queryCerts.serverCa, serverName: COLLECTOR_NAME },
    });
    const proxied = { provider, queryCerts, queryPort: jaeger.pod.port(16686) };
    trusting = await startSignInProxy(evaluation, proxied);
    proxyUrl = trusting.url;
    untrusting = await startSignInProxy(await evaluateStack("dev", edits("dev", stackEdits)), proxied);
  });

  after(async function () {
    await trusting?.stop();
    await untrusting?.stop();
    await jaeger?.stop();
    await provider?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") {
      for (const engine of [trusting?.engine, untrusting?.engine, provider?.engine, jaeger?.engine])
        if (engine) console.log(engine.logTail(30));
    }
  });

  /** A browser's visit to `page`: sent on to the provider, it signs in there as `login`, comes back to the callback. */
  async function signIn(
    login: string,
    groups: readonly string[],
    { page = "/search", through = proxyUrl, forwarded = FORWARDED }: SignInVia = {},
  ) {
    const visit = await request(`${through}${page}`, { headers: { ...forwarded, Accept: "text/html" } });
    assert.equal(visit.status, 302, `a visit without a session is sent to sign in: ${visit.body}`);
    const authorize = new URL(visit.location ?? "");
    authorize.searchParams.set("login", login);
    authorize.searchParams.set("groups", groups.join(","));
    const atProvider = await request(authorize.href, { ca: providerCa });
    assert.equal(atProvider.status, 302, `the provider answers with a code: ${atProvider.body}`);
    const callback = new URL(atProvider.location ?? "");
    const back = await request(`${through}${callback.pathname}${callback.search}`, {
      headers: { ...forwarded, Accept: "text/html", Cookie: visit.cookies.join("; ") },
    });
    return { visit, authorize, callback, back };
  }

  it("sends a browser without a session to the issuer's authorization endpoint, asking for the groups the policy needs", async function () {
    const visit = await request(`${proxyUrl}/search`, { headers: { ...FORWARDED, Accept: "text/html" } });
    assert.equal(visit.status, 302);
    const authorize = new URL(visit.location ?? "");
    assert.equal(`${authorize.origin}${authorize.pathname}`, `${issuer}/authorize`);
    assert.equal(authorize.searchParams.get("client_id"), CLIENT_ID);
    assert.equal(authorize.searchParams.get("redirect_uri"), `https://${PUBLIC_HOST}/oauth2/callback`);
    assert.ok(
      authorize.searchParams.get("scope")?.split(" ").includes("groups"),
      `scope: ${authorize.searchParams.get("scope")}`,
    );
    assert.ok(
      visit.cookies.some((c) => c.startsWith("_oauth2_proxy_csrf")),
      "a CSRF cookie ties the callback to this browser",
    );
    assert.equal(authorize.searchParams.get("code_challenge_method"), "S256", "PKCE binds the code to this sign-in");
  });

  it("answers a script without a session 401 (JSON), never with the UI or the API's data", async function () {
    const answer = await request(`${proxyUrl}/api/services`, { headers: { ...FORWARDED, Accept: "application/json" } });
    assert.equal(answer.status, 401);
    assert.doesNotMatch(answer.body, new RegExp(service));
  });

  it("signs in a member of an allowed group, who then reaches Jaeger's query API (over TLS) with the session cookie", async function () {
    const { back } = await signIn("alice@example.org", ["developers", ALLOWED_GROUP]);
    assert.equal(back.status, 302, `the callback accepts the member: ${back.body}`);
    assert.equal(
      back.location,
      `https://${PUBLIC_HOST}/search`,
      "back to the page first asked for, at its public address",
    );
    const session = back.cookies.filter((c) => c.startsWith("_oauth2_proxy"));
    assert.ok(session.length > 0, "a session cookie");
    const services = await request(`${proxyUrl}/api/services`, {
      headers: { ...FORWARDED, Accept: "application/json", Cookie: session.join("; ") },
    });
    assert.equal(services.status, 200, services.body);
    assert.ok((JSON.parse(services.body) as { data: string[] }).data.includes(service), services.body);
  });

  it("refuses an account of the same issuer outside the allowed groups, and gives it no session", async function () {
    const { back } = await signIn("mallory@example.org", ["developers"]);
    assert.equal(back.status, 403, back.body);
    assert.deepEqual(
      back.cookies.filter((c) => /^_oauth2_proxy(_\d+)?=/.test(c)),
      [],
      "no session cookie",
    );
  });

  it("refuses a callback whose state is not this browser's (no CSRF cookie)", async function () {
    const visit = await request(`${proxyUrl}/search`, { headers: { ...FORWARDED, Accept: "text/html" } });
    const authorize = new URL(visit.location ?? "");
    authorize.searchParams.set("login", "alice@example.org");
    authorize.searchParams.set("groups", ALLOWED_GROUP);
    const atProvider = await request(authorize.href, { ca: providerCa });
    const callback = new URL(atProvider.location ?? "");
    const back = await request(`${proxyUrl}${callback.pathname}${callback.search}`, {
      headers: { ...FORWARDED, Accept: "text/html" },
    });
    assert.equal(back.status, 403, back.body);
  });

  it("without trustedProxyIps (the default) reads X-Forwarded-* from no one: a member still signs in, and neither the page to return to nor the client address logged comes from the headers", async function () {
    const proxyUnderTest = untrusting;
    assert.ok(proxyUnderTest);
    // What anyone who reaches jaeger-ui may send, bypassing the ingress.
    const spoofed = {
      "X-Forwarded-Proto": "https",
      "X-Forwarded-Host": "attacker.example",
      "X-Forwarded-Uri": "/elsewhere",
      "X-Forwarded-For": "198.51.100.23",
    };
    const { back } = await signIn("alice@example.org", [ALLOWED_GROUP], {
      through: proxyUnderTest.url,
      forwarded: spoofed,
    });
    assert.equal(back.status, 302, `the callback accepts the member: ${back.body}`);
    const target = new URL(back.location ?? "", proxyUnderTest.url);
    assert.equal(target.pathname, "/search", `back to the page asked for, not X-Forwarded-Uri: ${back.location}`);
    assert.notEqual(target.host, "attacker.example", `not to X-Forwarded-Host: ${back.location}`);
    const session = back.cookies.filter((c) => c.startsWith("_oauth2_proxy"));
    const services = await request(`${proxyUnderTest.url}/api/services`, {
      headers: { Accept: "application/json", Cookie: session.join("; ") },
    });
    assert.equal(services.status, 200, services.body);
    const log = proxyUnderTest.engine.logTail(10_000);
    assert.doesNotMatch(log, /198\.51\.100\.23/, "the spoofed client address is not logged as the client's");
    assert.match(log, /alice@example\.org/, "the sign-in is logged");
    assert.doesNotMatch(log, /no --trusted-proxy-ip CIDRs were configured/);
  });

  it("logs no warning or error of its own: the rendered flags are all it needs, and refusals are logged as such", function () {
    const lines = (trusting?.engine.logTail(10_000) ?? "").split("\n");
    const problems = lines.filter(
      (line) => /warning|error|invalid redirect|rejecting/i.test(line) && !/\[AuthFailure\]|CSRF/.test(line),
    );
    assert.deepEqual(problems, []);
    assert.ok(
      lines.some((line) => /mallory@example\.org .*\[AuthFailure\]/.test(line)),
      "the refused account is named in the log",
    );
  });
});
