// TLS, mTLS and the UI's basic auth on the real Jaeger 2.20, with the stack's rendered config and
// the Secrets it mounts (made here as cert-manager or a user would make them).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hashSync } from "bcryptjs";
import { Evaluation, evaluateStack } from "../../scripts/evaluate";
import { edits } from "../support/stackEdits";
import { engineCommand, listeningPorts, waitFor } from "../support/engines";
import { objectNamed } from "../support/objects";
import { Certificates, makeCertificates } from "./support/certs";
import {
  ClientTls,
  Protocol,
  RunningJaeger,
  httpsGet,
  queryServicesGrpc,
  sendSpans,
  startJaeger,
  prometheusService,
} from "./support/jaeger";

const INGEST: readonly { protocol: Protocol; port: number }[] = [
  { protocol: "otlp-grpc", port: 4317 },
  { protocol: "otlp-http", port: 4318 },
  { protocol: "jaeger-grpc", port: 14250 },
  { protocol: "jaeger-thrift-http", port: 14268 },
  { protocol: "zipkin", port: 9411 },
];
const SERVER_NAME = "jaeger-collector.observability.svc";
const QUERY_NAME = "jaeger-query.observability.svc";
const USER = "sre";
const PASSWORD = "correct horse battery staple";

describe("e2e: TLS, mTLS and basic auth on Jaeger 2.20", function () {
  let certs: Certificates;
  let dir: string;
  const spansend = () => engineCommand("spansend");

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-certs-"));
    certs = makeCertificates(dir, [SERVER_NAME, QUERY_NAME]);
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = async (evaluation: Evaluation) =>
    startJaeger(evaluation, "jaeger", {
      services: await prometheusService(),
      secrets: { "jaeger-tls": certs.serverSecret, "jaeger-client-ca": certs.clientCaSecret },
    });

  describe("mTLS on every receiver (legacy receivers on), basic auth on the query APIs", function () {
    let evaluation: Evaluation;
    let jaeger: RunningJaeger;
    const client = (): ClientTls => ({
      ca: certs.serverCa,
      cert: certs.client.cert,
      key: certs.client.key,
      serverName: SERVER_NAME,
    });

    before(async function () {
      const raw = edits("dev", [
        ["security.tls.enabled", "true"],
        ["security.tls.source", "secret"],
        ["security.tls.secretName", "jaeger-tls"],
        ["security.tls.mtls", "true"],
        ["security.tls.clientCaSecret", "jaeger-client-ca"],
        ["security.tls.legacyReceivers", "true"],
        ["security.uiBasicAuth", "true"],
      ]);
      raw["jaeger-spm:uiHtpasswd"] = `${USER}:${hashSync(PASSWORD, 10)}`;
      evaluation = await evaluateStack("dev", raw, ["jaeger-spm:uiHtpasswd"]);
      jaeger = await start(evaluation);
    });

    after(async function () {
      await jaeger?.stop();
    });

    afterEach(function () {
      if (this.currentTest?.state === "failed") console.log(jaeger?.engine.logTail(30));
    });

    it("starts healthy with nothing logged at warn or above", function () {
      assert.deepEqual(jaeger.problems(), []);
    });

    for (const { protocol, port } of INGEST) {
      it(`${protocol}: refuses plaintext, a client without a certificate and one from another CA; takes the client's spans`, async function () {
        const endpoint = `127.0.0.1:${jaeger.pod.port(port)}`;
        const attempt = (tls?: ClientTls) => () =>
          sendSpans(spansend(), protocol, endpoint, { service: `mtls-${protocol}`, tls, timeoutMs: 10_000 });
        assert.throws(attempt(), /failed/, "plaintext");
        assert.throws(attempt({ ca: certs.serverCa, serverName: SERVER_NAME }), /failed/, "no client certificate");
        assert.throws(
          attempt({ ca: certs.serverCa, cert: certs.stranger.cert, key: certs.stranger.key, serverName: SERVER_NAME }),
          /failed/,
          "a certificate from another CA",
        );
        const sent = attempt(client())();
        const trace = await waitFor(
          `trace ${sent.traceIds[0]} over ${protocol} with mTLS`,
          async () => {
            const response = await httpsGet(`${jaeger.url(16686, "https")}/api/traces/${sent.traceIds[0]}`, {
              ca: certs.serverCa,
              serverName: QUERY_NAME,
              user: USER,
              password: PASSWORD,
            });
            return response.status === 200 ? response.body : undefined;
          },
          { timeoutMs: 20_000, engines: [jaeger.engine] },
        );
        assert.match(trace, new RegExp(`mtls-${protocol}`));
      });
    }

    it("the query HTTP API asks for credentials, refuses wrong ones and plaintext, and answers the right ones", async function () {
      const url = `${jaeger.url(16686, "https")}/api/services`;
      const tls = { ca: certs.serverCa, serverName: QUERY_NAME };
      const none = await httpsGet(url, tls);
      assert.equal(none.status, 401);
      assert.match(String(none.headers["www-authenticate"]), /^Basic realm=/, "browsers show a login prompt");
      assert.equal((await httpsGet(url, { ...tls, user: USER, password: "wrong" })).status, 401);
      assert.equal((await httpsGet(url, { ...tls, user: USER, password: PASSWORD })).status, 200);
      // Go's TLS server answers a plaintext request with a bare 400, never with data.
      const plain = await fetch(`${jaeger.url(16686)}/api/services`);
      assert.equal(plain.status, 400);
      assert.match(await plain.text(), /HTTP request to an HTTPS server/);
    });

    it("the query gRPC API refuses missing and wrong credentials and answers the right ones", function () {
      const endpoint = `127.0.0.1:${jaeger.pod.port(16685)}`;
      const tls = { ca: certs.serverCa, serverName: QUERY_NAME };
      const none = queryServicesGrpc(spansend(), endpoint, { tls });
      assert.ok(!none.ok && /Unauthenticated/i.test(none.error), JSON.stringify(none));
      const wrong = queryServicesGrpc(spansend(), endpoint, { tls, user: USER, password: "wrong" });
      assert.ok(!wrong.ok && /Unauthenticated/i.test(wrong.error), JSON.stringify(wrong));
      const right = queryServicesGrpc(spansend(), endpoint, { tls, user: USER, password: PASSWORD });
      assert.ok(right.ok, JSON.stringify(right));
      assert.ok(
        !queryServicesGrpc(spansend(), endpoint, { user: USER, password: PASSWORD }).ok,
        "plaintext gRPC is not served",
      );
    });

    it("listens on exactly the ports the container declares", function () {
      const declared = [...jaeger.pod.addresses.ports.values()].sort((a, b) => a - b);
      assert.deepEqual(listeningPorts(jaeger.engine.pid ?? 0), declared);
    });
  });

  describe("TLS without the legacy receivers (the default once TLS is on)", function () {
    let evaluation: Evaluation;
    let jaeger: RunningJaeger;

    before(async function () {
      evaluation = await evaluateStack(
        "dev",
        edits("dev", [
          ["security.tls.enabled", "true"],
          ["security.tls.source", "secret"],
          ["security.tls.secretName", "jaeger-tls"],
        ]),
      );
      jaeger = await start(evaluation);
    });

    after(async function () {
      await jaeger?.stop();
    });

    it("takes OTLP over TLS without a client certificate, and refuses plaintext", function () {
      const endpoint = `127.0.0.1:${jaeger.pod.port(4317)}`;
      assert.throws(
        () => sendSpans(spansend(), "otlp-grpc", endpoint, { service: "tls-plain", timeoutMs: 10_000 }),
        /failed/,
      );
      const sent = sendSpans(spansend(), "otlp-grpc", endpoint, {
        service: "tls",
        tls: { ca: certs.serverCa, serverName: SERVER_NAME },
      });
      assert.equal(sent.traceIds.length, 1);
    });

    it("opens no Jaeger or Zipkin receiver: the container declares none and the process listens on none", function () {
      const declared =
        objectNamed(evaluation, "Deployment", "jaeger").spec?.template.spec?.containers[0].ports?.map(
          (p) => p.containerPort,
        ) ?? [];
      for (const legacy of [14250, 14268, 9411]) assert.ok(!declared.includes(legacy), `container port ${legacy}`);
      const local = [...jaeger.pod.addresses.ports.values()].sort((a, b) => a - b);
      assert.deepEqual(listeningPorts(jaeger.engine.pid ?? 0), local);
    });
  });
});
