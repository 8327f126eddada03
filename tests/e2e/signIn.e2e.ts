// OpenID Connect sign-in on the real engines: oauth2-proxy v7.15.3 (the pinned image's version,
// built by scripts/engines.sh) started from the stack's rendered Deployment, in front of Jaeger 2.20
// with TLS on its query API, against an identity provider over TLS (engines/oidcprovider). The
// browser's part of the authorization-code flow is played here, request by request, as an ingress
// at https://jaeger.example.com would forward it.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { Evaluation, evaluateStack } from "../../scripts/evaluate";
import { ConfigEdit, edits } from "../support/stackEdits";
import { SIGN_IN } from "../../components/security/signIn";
import { Engine, engineBinary, engineCommand, freePort, startEngine, waitFor } from "../support/engines";
import { LocalPod, localPod, traversable } from "../support/localPod";
import { Certificates, makeCertificates } from "./support/certs";
import { RunningJaeger, prometheusService, sendSpans, startJaeger } from "./support/jaeger";

const PUBLIC_HOST = "jaeger.example.com";
const CLIENT_ID = "jaeger-ui";
const ALLOWED_GROUP = "sre";
const QUERY_NAME = "jaeger-query.observability.svc";
const COLLECTOR_NAME = "jaeger-collector.observability.svc";
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
  let providerCerts: Certificates;
  let provider: Engine | undefined;
  let issuer: string;
  let evaluation: Evaluation;
  let jaeger: RunningJaeger | undefined;
  let proxyPod: LocalPod | undefined;
  let proxy: Engine | undefined;
  let proxyUrl: string;
  /** oauth2-proxy as the stack renders it without security.oidc.trustedProxyIps (the default). */
  let untrusting: { pod: LocalPod; engine: Engine; url: string } | undefined;
  const service = `signed-in-${process.pid}`;
  let clientSecret: string;

  /** oauth2-proxy started from a rendered Deployment, once its readiness probe answers. */
  async function startProxy(rendered: Evaluation): Promise<{ pod: LocalPod; engine: Engine; url: string }> {
    const pod = await localPod(rendered, SIGN_IN.deployment, {
      secrets: {
        // The Secret the operator creates (security.oidc.clientSecretName's default).
        "jaeger-oidc-client": { "client-secret": clientSecret },
        // The query certificate's Secret: oauth2-proxy mounts its ca.crt to verify the upstream.
        "jaeger-tls": queryCerts.serverSecret,
        // What the random provider generates for the rendered Secret: 32 letters and digits.
        [SIGN_IN.cookieSecret]: {
          "cookie-secret": randomBytes(32)
            .toString("base64")
            .replace(/[^A-Za-z0-9]/g, "")
            .padEnd(32, "x")
            .slice(0, 32),
        },
      },
      services: new Map([[`${QUERY_NAME}:16686`, `127.0.0.1:${jaeger?.pod.port(16686)}`]]),
    });
    // SSL_CERT_FILE stands for the image's CA bundle, where a public provider's CA is; the
    // rendered SSL_CERT_DIR (the mounted query CA) comes with the pod's environment.
    traversable(path.dirname(providerCerts.serverCa));
    const engine = pod.start("oauth2-proxy", engineBinary("github.com/oauth2-proxy/oauth2-proxy/v7", "oauth2-proxy"), {
      env: { SSL_CERT_FILE: providerCerts.serverCa },
    });
    const url = `http://127.0.0.1:${pod.port(SIGN_IN.port)}`;
    await pod.waitReady(engine, 20_000);
    return { pod, engine, url };
  }

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-sign-in-"));
    queryCerts = makeCertificates(path.join(dir, "query"), [QUERY_NAME, COLLECTOR_NAME]);
    // Another CA: oauth2-proxy must trust the provider through its system roots and the query API
    // through the mounted CA, both at once.
    // The provider is outside the cluster, and mockoidc names its issuer by its listener's
    // address (https://127.0.0.1:<port>/oidc), so its certificate carries that address.
    providerCerts = makeCertificates(path.join(dir, "provider"), ["idp.example"], { ipAddresses: ["127.0.0.1"] });
    clientSecret = randomBytes(24).toString("hex");
    fs.writeFileSync(path.join(dir, "client-secret"), clientSecret);

    const providerPort = await freePort();
    provider = startEngine("oidcprovider", engineCommand("oidcprovider"), [
      `-listen=127.0.0.1:${providerPort}`,
      `-cert=${path.join(providerCerts.dir, "server.crt")}`,
      `-key=${path.join(providerCerts.dir, "server.key")}`,
      `-client-id=${CLIENT_ID}`,
      `-client-secret-file=${path.join(dir, "client-secret")}`,
    ]);
    issuer = `https://127.0.0.1:${providerPort}/oidc`;
    await waitFor(
      "the identity provider's discovery document",
      async () => {
        const answer = await request(`${issuer}/.well-known/openid-configuration`, {
          ca: providerCerts.serverCa,
        }).catch(() => undefined);
        return answer?.status === 200 ? answer : undefined;
      },
      { timeoutMs: 15_000, engines: [provider], running: [provider] },
    );

    const signInEdits: ConfigEdit[] = [
      ["security.tls.enabled", "true"],
      ["security.tls.source", "secret"],
      ["security.tls.secretName", "jaeger-tls"],
      // Dev exposes the query Service as a NodePort; with sign-in the stack refuses that.
      ["jaeger.query.serviceType", "ClusterIP"],
      ["security.oidc.enabled", "true"],
      ["security.oidc.issuerUrl", issuer],
      ["security.oidc.clientId", CLIENT_ID],
      ["security.oidc.redirectUrl", `https://${PUBLIC_HOST}/oauth2/callback`],
      // Groups alone decide who may sign in: no email domain is set.
      ["security.oidc.allowedGroups[0]", ALLOWED_GROUP],
    ];
    evaluation = await evaluateStack(
      "dev",
      // The ingress stands on loopback here.
      edits("dev", [...signInEdits, ["security.oidc.trustedProxyIps[0]", "127.0.0.0/8"]]),
    );
    jaeger = await startJaeger(evaluation, "jaeger", {
      services: await prometheusService(),
      secrets: { "jaeger-tls": queryCerts.serverSecret },
    });
    sendSpans(engineCommand("spansend"), "otlp-grpc", `127.0.0.1:${jaeger.pod.port(4317)}`, {
      service,
      tls: { ca: queryCerts.serverCa, serverName: COLLECTOR_NAME },
    });
    const trusting = await startProxy(evaluation);
    [proxyPod, proxy, proxyUrl] = [trusting.pod, trusting.engine, trusting.url];
    untrusting = await startProxy(await evaluateStack("dev", edits("dev", signInEdits)));
  });

  after(async function () {
    await proxy?.stop();
    proxyPod?.remove();
    await untrusting?.engine.stop();
    untrusting?.pod.remove();
    await jaeger?.stop();
    await provider?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") {
      for (const engine of [proxy, untrusting?.engine, provider, jaeger?.engine])
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
    const atProvider = await request(authorize.href, { ca: providerCerts.serverCa });
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
    const atProvider = await request(authorize.href, { ca: providerCerts.serverCa });
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
    const lines = (proxy?.logTail(10_000) ?? "").split("\n");
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
