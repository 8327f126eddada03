import * as assert from "node:assert/strict";
import type { Deployment } from "kubernetes-types/apps/v1";
import { parseStackConfig } from "../config/load";
import { Evaluation, RawConfig, evaluateStack } from "../scripts/evaluate";
import { edits } from "./support/stackEdits";
import { at, deploymentConfig, objectNamed, resourceFor } from "./support/objects";

/** One `htpasswd -nbB` line: user, cost 05, 22 characters of salt and 31 of hash. */
const BCRYPT_HTPASSWD = "admin:$2y$05$" + "abcdefghijklmnopqrstuv" + "0123456789./ABCDEFGHIJKLMNOPQRS";

/** TLS from an existing Secret: basic auth needs it. */
const WITH_TLS: [string, string][] = [
  ["security.tls.enabled", "true"],
  ["security.tls.source", "secret"],
  ["security.tls.secretName", "jaeger-tls"],
];

/** The Secret and key a file path in the Jaeger config is mounted from. */
function mountedFrom(d: Deployment, file: string): { secret?: string; key?: string } {
  const c = d.spec?.template.spec?.containers[0];
  const mount = c?.volumeMounts?.find((m) => file.startsWith(`${m.mountPath}/`));
  const volume = d.spec?.template.spec?.volumes?.find((v) => v.name === mount?.name);
  return { secret: volume?.secret?.secretName, key: volume?.secret?.items?.[0].key };
}

describe("security", () => {
  describe("TLS on ingestion from cert-manager, with mTLS", () => {
    let ev: Evaluation;
    before(async () => {
      ev = await evaluateStack(
        "dev",
        edits("dev", [
          ["security.tls.enabled", "true"],
          ["security.tls.source", "certManager"],
          ["security.tls.issuer.name", "internal-ca"],
          ["security.tls.mtls", "true"],
          ["security.tls.clientCaSecret", "otel-clients-ca"],
        ]),
      );
    });

    it("requests a certificate for every name of the collector and query Services", () => {
      const cert = resourceFor(ev, "Certificate", "jaeger-collector-tls").inputs;
      assert.deepEqual(at(cert, "spec.dnsNames"), [
        "jaeger-collector",
        "jaeger-collector.observability",
        "jaeger-collector.observability.svc",
        "jaeger-collector.observability.svc.cluster.local",
        "jaeger-query",
        "jaeger-query.observability",
        "jaeger-query.observability.svc",
        "jaeger-query.observability.svc.cluster.local",
      ]);
      assert.deepEqual(at(cert, "spec.issuerRef"), {
        name: "internal-ca",
        kind: "ClusterIssuer",
        group: "cert-manager.io",
      });
      assert.equal(at(cert, "spec.secretName"), "jaeger-collector-tls");
    });

    it("serves the query HTTP and gRPC APIs over TLS too, without asking browsers for client certificates", () => {
      const d = objectNamed(ev, "Deployment", "jaeger");
      for (const api of ["http", "grpc"]) {
        const tls = at(deploymentConfig(ev, d), `extensions.jaeger_query.${api}.tls`) as Record<string, string>;
        assert.deepEqual(mountedFrom(d, tls.cert_file), { secret: "jaeger-collector-tls", key: "tls.crt" }, api);
        assert.deepEqual(mountedFrom(d, tls.key_file), { secret: "jaeger-collector-tls", key: "tls.key" }, api);
        assert.equal(tls.client_ca_file, undefined, api);
      }
      assert.equal(ev.outputs.uiUrl, "https://localhost:30002", "dev's NodePort, now https");
    });

    it("serves OTLP over TLS with client certificates required, files mounted from the Secrets", () => {
      const d = objectNamed(ev, "Deployment", "jaeger");
      for (const protocol of ["grpc", "http"]) {
        const tls = at(deploymentConfig(ev, d), `receivers.otlp.protocols.${protocol}.tls`) as Record<string, string>;
        assert.deepEqual(mountedFrom(d, tls.cert_file), { secret: "jaeger-collector-tls", key: "tls.crt" });
        assert.deepEqual(mountedFrom(d, tls.key_file), { secret: "jaeger-collector-tls", key: "tls.key" });
        assert.deepEqual(mountedFrom(d, tls.client_ca_file), { secret: "otel-clients-ca", key: "ca.crt" });
      }
    });

    it("does not run the Jaeger and Zipkin receivers, which would take spans without TLS or a client certificate", () => {
      const d = objectNamed(ev, "Deployment", "jaeger");
      const doc = deploymentConfig(ev, d);
      assert.deepEqual(Object.keys(at(doc, "receivers") as object), ["otlp"]);
      assert.deepEqual(at(doc, "service.pipelines.traces.receivers"), ["otlp"]);
      const legacy = [14250, 14268, 9411];
      const containerPorts = (d.spec?.template.spec?.containers[0].ports ?? []).map((p) => p.containerPort);
      const servicePorts = (objectNamed(ev, "Service", "jaeger-collector").spec?.ports ?? []).map((p) => p.port);
      const policyPorts = (objectNamed(ev, "NetworkPolicy", "jaeger-jaeger-ingest").spec?.ingress ?? []).flatMap((r) =>
        (r.ports ?? []).map((p) => p.port),
      );
      for (const port of legacy) {
        assert.ok(!containerPorts.includes(port), `container port ${port}`);
        assert.ok(!servicePorts.includes(port), `Service port ${port}`);
        assert.ok(!policyPorts.includes(port), `NetworkPolicy port ${port}`);
      }
      assert.ok(servicePorts.includes(4317) && policyPorts.includes(4317));
      assert.equal(ev.outputs.otlpHttpEndpoint, "https://jaeger-collector.observability.svc.cluster.local:4318");
      assert.equal(ev.outputs.zipkinEndpoint, null);
    });
  });

  describe("an existing TLS Secret with legacyReceivers", () => {
    const LEGACY_TLS = [
      "receivers.zipkin.tls",
      "receivers.jaeger.protocols.grpc.tls",
      "receivers.jaeger.protocols.thrift_http.tls",
    ];
    async function tlsFiles(extra: [string, string][]): Promise<{ d: Deployment; files: Record<string, string>[] }> {
      const ev = await evaluateStack(
        "dev",
        edits("dev", [
          ["security.tls.enabled", "true"],
          ["security.tls.source", "secret"],
          ["security.tls.secretName", "my-tls"],
          ["security.tls.legacyReceivers", "true"],
          ...extra,
        ]),
      );
      const d = objectNamed(ev, "Deployment", "jaeger");
      const doc = deploymentConfig(ev, d);
      assert.ok(!ev.resources.some((r) => r.type.includes("cert-manager")));
      return {
        d,
        files: [...LEGACY_TLS, "receivers.otlp.protocols.grpc.tls"].map((p) => at(doc, p) as Record<string, string>),
      };
    }

    it("serves the Jaeger and Zipkin receivers with the same certificate as OTLP", async () => {
      const { d, files } = await tlsFiles([]);
      for (const tls of files) {
        assert.equal(mountedFrom(d, tls.cert_file).secret, "my-tls");
        assert.equal(tls.client_ca_file, undefined);
      }
    });

    it("with mTLS, requires client certificates on every receiver", async () => {
      const { d, files } = await tlsFiles([
        ["security.tls.mtls", "true"],
        ["security.tls.clientCaSecret", "otel-clients-ca"],
      ]);
      for (const tls of files) {
        assert.deepEqual(mountedFrom(d, tls.client_ca_file), { secret: "otel-clients-ca", key: "ca.crt" });
      }
    });
  });

  describe("query UI basic auth", () => {
    let ev: Evaluation;
    const HTPASSWD = BCRYPT_HTPASSWD;
    before(async () => {
      ev = await evaluateStack(
        "dev",
        edits("dev", [...WITH_TLS, ["security.uiBasicAuth", "true"], ["uiHtpasswd", HTPASSWD, false]]),
        ["jaeger-spm:uiHtpasswd"],
      );
    });

    it("asks browsers for the password (WWW-Authenticate on the 401), over TLS only", () => {
      const doc = deploymentConfig(ev, objectNamed(ev, "Deployment", "jaeger"));
      assert.deepEqual(at(doc, "extensions.jaeger_query.http.response_headers"), {
        "WWW-Authenticate": 'Basic realm="Jaeger", charset="UTF-8"',
      });
      assert.ok(
        at(doc, "extensions.jaeger_query.http.tls.cert_file"),
        "the password never crosses the network in clear",
      );
      assert.ok(at(doc, "extensions.jaeger_query.grpc.tls.cert_file"));
    });

    it("puts the query HTTP and gRPC APIs behind the basicauth extension reading the htpasswd Secret", () => {
      const d = objectNamed(ev, "Deployment", "jaeger");
      const doc = deploymentConfig(ev, d);
      assert.ok((at(doc, "service.extensions") as string[]).includes("basicauth/ui"));
      assert.deepEqual(at(doc, "extensions.jaeger_query.http.auth"), { authenticator: "basicauth/ui" });
      // 16685 serves the same traces (api_v2/api_v3 gRPC): no side door around the password
      assert.deepEqual(at(doc, "extensions.jaeger_query.grpc.auth"), { authenticator: "basicauth/ui" });
      const servicePorts = (objectNamed(ev, "Service", "jaeger-query").spec?.ports ?? []).map((p) => p.port);
      assert.ok(servicePorts.includes(16685), "gRPC stays served, with authentication");
      const file = String(at(doc, "extensions.basicauth/ui.htpasswd.file"));
      assert.deepEqual(mountedFrom(d, file), { secret: "jaeger-ui-htpasswd", key: "htpasswd" });
      const secret = resourceFor(ev, "Secret", "jaeger-ui-htpasswd");
      assert.deepEqual(secret.secretPaths, ["stringData"]);
      for (const r of ev.resources.filter((x) => x.type !== "kubernetes:core/v1:Secret")) {
        assert.ok(!JSON.stringify(r.inputs).includes(HTPASSWD), `${r.type} ${r.name}`);
      }
    });

    it("a changed password rolls the query pods (the basicauth extension reads the file only at start-up)", async () => {
      const other = await evaluateStack(
        "dev",
        edits("dev", [
          ...WITH_TLS,
          ["security.uiBasicAuth", "true"],
          ["uiHtpasswd", BCRYPT_HTPASSWD.replace("admin:", "sre:"), false],
        ]),
        ["jaeger-spm:uiHtpasswd"],
      );
      const annotations = (e: Evaluation) =>
        objectNamed(e, "Deployment", "jaeger").spec?.template.metadata?.annotations ?? {};
      assert.match(annotations(ev)["checksum/ui-htpasswd"] ?? "", /^[0-9a-f]{64}$/);
      assert.notEqual(annotations(other)["checksum/ui-htpasswd"], annotations(ev)["checksum/ui-htpasswd"]);
      assert.equal(
        annotations(other)["checksum/jaeger-config"],
        annotations(ev)["checksum/jaeger-config"],
        "the Jaeger config itself does not change",
      );
      const deployment = resourceFor(ev, "Deployment", "jaeger");
      assert.ok(
        !deployment.secretPaths.some((p) => p.startsWith("spec.template.metadata")),
        "the digest stays visible in previews",
      );
    });
  });

  it("propagates the caller's bearer token to Elasticsearch when asked", async () => {
    const ev = await evaluateStack(
      "dev",
      edits("dev", [
        ["storage.backend", "elasticsearch"],
        ["storage.elasticsearch.serverUrls[0]", "https://es:9200"],
        ["storage.elasticsearch.majorVersion", "8"],
        ["security.bearerTokenPropagation", "true"],
      ]),
    );
    const doc = deploymentConfig(ev, objectNamed(ev, "Deployment", "jaeger-query"));
    assert.equal(at(doc, "extensions.jaeger_query.bearer_token_propagation"), true);
    assert.deepEqual(at(doc, "extensions.jaeger_storage.backends.traces.elasticsearch.auth"), {
      bearer_token: { from_context: true },
    });
  });

  describe("OIDC sign-in (prod default)", () => {
    let prod: Evaluation;
    before(async () => {
      prod = await evaluateStack("prod");
    });

    it("runs a pinned oauth2-proxy against the issuer, with secrets only as mounted files", () => {
      const d = objectNamed(prod, "Deployment", "jaeger-oauth2-proxy");
      const c = d.spec?.template.spec?.containers[0];
      assert.match(String(c?.image), /^quay\.io\/oauth2-proxy\/oauth2-proxy:v\d+\.\d+\.\d+$/);
      const args = c?.args ?? [];
      for (const expected of [
        "--provider=oidc",
        "--oidc-issuer-url=https://login.example.com/realms/platform",
        "--client-id=jaeger",
        "--redirect-url=https://jaeger.example.com/oauth2/callback",
        "--allowed-group=platform-sre",
        "--upstream=http://jaeger-query.observability.svc:16686",
        // Groups alone decide: oauth2-proxy will not start without an email rule.
        "--email-domain=*",
        // Without the groups scope many providers leave the claim out and every account is refused.
        "--scope=openid email profile groups",
        "--oidc-groups-claim=groups",
        "--code-challenge-method=S256",
        "--whitelist-domain=jaeger.example.com",
      ]) {
        assert.ok(args.includes(expected), `${expected} in ${args.join(" ")}`);
      }
      assert.ok(args.includes("--reverse-proxy=false"), "X-Forwarded-* from nobody without trustedProxyIps");
      assert.ok(!args.some((a) => a.startsWith("--trusted-proxy-ip")), "no trusted proxy unless set");
      const file = (flag: string) => args.find((a) => a.startsWith(`${flag}=`))?.split("=")[1] ?? "";
      const mountOf = (path: string) => {
        const mount = c?.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
        return d.spec?.template.spec?.volumes?.find((v) => v.name === mount?.name)?.secret?.secretName;
      };
      assert.equal(mountOf(file("--client-secret-file")), "jaeger-oidc-client", "the Secret the platform team creates");
      assert.equal(mountOf(file("--cookie-secret-file")), "jaeger-oauth2-proxy-cookie", "a generated cookie key");
      assert.equal(c?.env, undefined, "no secret in the environment");
      assert.deepEqual(resourceFor(prod, "Secret", "jaeger-oauth2-proxy-cookie").secretPaths, ["stringData"]);
    });

    it("lets email domains alone decide, asking for no groups scope, and takes the operator's scopes, claim and ingress addresses", async () => {
      const byDomain = await evaluateStack(
        "dev",
        edits("dev", [
          ["jaeger.query.serviceType", "ClusterIP"],
          ["security.oidc.enabled", "true"],
          ["security.oidc.issuerUrl", "https://login.example.com"],
          ["security.oidc.clientId", "jaeger"],
          ["security.oidc.redirectUrl", "https://jaeger.example.com/oauth2/callback"],
          ["security.oidc.emailDomains[0]", "example.com"],
        ]),
      );
      const domainArgs =
        objectNamed(byDomain, "Deployment", "jaeger-oauth2-proxy").spec?.template.spec?.containers[0].args ?? [];
      assert.deepEqual(
        domainArgs.filter((a) => /^--(email-domain|allowed-group|scope)=/.test(a)),
        ["--scope=openid email profile", "--email-domain=example.com"],
      );
      const tuned = await evaluateStack(
        "prod",
        edits("prod", [
          ["security.oidc.scopes[0]", "openid"],
          ["security.oidc.scopes[1]", "email"],
          ["security.oidc.scopes[2]", "roles"],
          ["security.oidc.groupsClaim", "roles"],
          ["security.oidc.trustedProxyIps[0]", "10.42.0.0/16"],
        ]),
      );
      const tunedArgs =
        objectNamed(tuned, "Deployment", "jaeger-oauth2-proxy").spec?.template.spec?.containers[0].args ?? [];
      for (const expected of [
        "--scope=openid email roles",
        "--oidc-groups-claim=roles",
        "--reverse-proxy=true",
        "--trusted-proxy-ip=10.42.0.0/16",
      ]) {
        assert.ok(tunedArgs.includes(expected), `${expected} in ${tunedArgs.join(" ")}`);
      }
    });

    it("points the UI outputs at the sign-in proxy", () => {
      assert.equal(prod.outputs.uiUrl, "https://jaeger.example.com");
      assert.match(String(prod.outputs.uiPortForward), /port-forward svc\/jaeger-ui 4180:4180$/);
      const service = objectNamed(prod, "Service", "jaeger-ui");
      assert.equal(service.spec?.type, "ClusterIP");
    });

    it("with TLS on, reaches the query API over https and trusts the query certificate's CA", async () => {
      const ev = await evaluateStack("prod", edits("prod", WITH_TLS));
      const c = objectNamed(ev, "Deployment", "jaeger-oauth2-proxy").spec?.template.spec;
      const args = c?.containers[0].args ?? [];
      assert.ok(args.includes("--upstream=https://jaeger-query.observability.svc:16686"), args.join(" "));
      assert.deepEqual(c?.containers[0].env, [{ name: "SSL_CERT_DIR", value: "/etc/jaeger-query-ca" }]);
      const ca = c?.volumes?.find((v) => v.name === "upstream-ca")?.secret;
      assert.equal(ca?.secretName, "jaeger-tls");
      assert.deepEqual(ca?.items, [{ key: "ca.crt", path: "ca.crt" }]);
    });
  });

  describe("validation", () => {
    const cases: { what: string; raw: () => RawConfig; secret?: string[]; message: RegExp }[] = [
      {
        what: "TLS enabled without a source",
        raw: () => edits("dev", [["security.tls.enabled", "true"]]),
        message:
          /^jaeger-spm:security\.tls\.source = \(not set\): expected "secret" \(an existing kubernetes\.io\/tls Secret\) or "certManager"/,
      },
      {
        what: "a Secret source without a Secret name",
        raw: () =>
          edits("dev", [
            ["security.tls.enabled", "true"],
            ["security.tls.source", "secret"],
          ]),
        message:
          /^jaeger-spm:security\.tls\.secretName = \(not set\): expected the name of a kubernetes\.io\/tls Secret/,
      },
      {
        what: "cert-manager without an issuer",
        raw: () =>
          edits("dev", [
            ["security.tls.enabled", "true"],
            ["security.tls.source", "certManager"],
          ]),
        message: /^jaeger-spm:security\.tls\.issuer = \(not set\): expected a cert-manager issuer/,
      },
      {
        what: "mTLS without a client CA",
        raw: () =>
          edits("dev", [
            ["security.tls.enabled", "true"],
            ["security.tls.source", "secret"],
            ["security.tls.secretName", "t"],
            ["security.tls.mtls", "true"],
          ]),
        message: /^jaeger-spm:security\.tls\.clientCaSecret = \(not set\): expected a Secret holding the client CA/,
      },
      {
        what: "mTLS without TLS",
        raw: () =>
          edits("dev", [
            ["security.tls.mtls", "true"],
            ["security.tls.clientCaSecret", "ca"],
          ]),
        message: /^jaeger-spm:security\.tls\.mtls = true: expected false unless security\.tls\.enabled is true/,
      },
      {
        what: "basic auth without htpasswd",
        raw: () => edits("dev", [["security.uiBasicAuth", "true"]]),
        message: /^jaeger-spm:uiHtpasswd = \(not set\): expected htpasswd lines/,
      },
      {
        what: "a NodePort query Service beside OIDC sign-in (it would bypass sign-in)",
        raw: () =>
          edits("prod", [
            ["jaeger.query.serviceType", "NodePort"],
            ["security.allowPublicServices", "true"],
          ]),
        message:
          /^jaeger-spm:jaeger\.query\.serviceType = "NodePort": expected "ClusterIP" when security\.oidc\.enabled is true/,
      },
      {
        what: "OIDC without issuer, client or redirect URL",
        raw: () =>
          edits("dev", [
            ["security.oidc.enabled", "true"],
            ["security.oidc.allowedGroups[0]", "sre"],
          ]),
        message:
          /^jaeger-spm:security\.oidc\.issuerUrl = \(not set\): expected set when security\.oidc\.enabled is true/,
      },
      {
        what: "OIDC that would let every account of the issuer in by omission",
        raw: () =>
          edits("dev", [
            ["security.oidc.enabled", "true"],
            ["security.oidc.issuerUrl", "https://login.example.com"],
            ["security.oidc.clientId", "jaeger"],
            ["security.oidc.redirectUrl", "https://jaeger.example.com/oauth2/callback"],
          ]),
        message: /^jaeger-spm:security\.oidc\.allowedGroups = \(not set\): expected at least one group/,
      },
      {
        what: "OIDC scopes without openid (no ID token would come back)",
        raw: () => edits("prod", [["security.oidc.scopes[0]", "email"]]),
        message: /^jaeger-spm:security\.oidc\.scopes = \["email"\]: expected a list of scopes that includes "openid"/,
      },
      {
        what: "a trusted proxy address that is not a CIDR",
        raw: () => edits("prod", [["security.oidc.trustedProxyIps[0]", "10.42.0.1"]]),
        message:
          /^jaeger-spm:security\.oidc\.trustedProxyIps\[0\] = "10\.42\.0\.1": expected a CIDR such as 10\.0\.0\.0\/8/,
      },
      {
        what: "an OIDC issuer over plain HTTP",
        raw: () => edits("dev", [["security.oidc.issuerUrl", "http://login.example.com"]]),
        message:
          /^jaeger-spm:security\.oidc\.issuerUrl = "http:\/\/login\.example\.com": expected the OpenID Connect issuer: an https:\/\/ URL/,
      },
      {
        what: "basic auth without TLS (the password would cross the network in clear)",
        raw: () =>
          edits("dev", [
            ["security.uiBasicAuth", "true"],
            ["uiHtpasswd", BCRYPT_HTPASSWD, false],
          ]),
        secret: ["jaeger-spm:uiHtpasswd"],
        message:
          /^jaeger-spm:security\.uiBasicAuth = true: expected security\.tls\.enabled true as well \(basic auth sends the password with every request/,
      },
      {
        what: "an htpasswd in plaintext",
        raw: () =>
          edits("dev", [
            ["security.uiBasicAuth", "true"],
            ["uiHtpasswd", "a:b", false],
          ]),
        message: /^jaeger-spm:uiHtpasswd is set in plaintext: expected a secret/,
      },
      {
        what: "htpasswd entries that are not bcrypt (MD5, SHA1, plain text), without echoing them",
        raw: () =>
          edits("dev", [
            ["security.uiBasicAuth", "true"],
            ["uiHtpasswd", `${BCRYPT_HTPASSWD}\nold:$apr1$salt$hashhashhash\nplain:hunter2-secret`, false],
          ]),
        secret: ["jaeger-spm:uiHtpasswd"],
        message:
          /^jaeger-spm:uiHtpasswd: lines 2, 3 \(value not shown\): expected bcrypt entries user:\$2y\$… as `htpasswd -nbB <user> <password>` writes them/,
      },
      {
        what: "a NodePort UI in production",
        raw: () => edits("prod", [["jaeger.query.serviceType", "NodePort"]]),
        message:
          /^jaeger-spm:jaeger\.query\.serviceType = "NodePort": expected "ClusterIP" when protectData is true \(production\), or set security\.allowPublicServices/,
      },
      {
        what: "bearer token propagation with Badger",
        raw: () => edits("dev", [["security.bearerTokenPropagation", "true"]]),
        message: /^jaeger-spm:security\.bearerTokenPropagation = true: expected storage\.backend "elasticsearch"/,
      },
      {
        what: "UI basic auth together with bearer token propagation (one Authorization header)",
        raw: () =>
          edits("prod", [
            ["security.oidc.enabled", "false"],
            ["security.bearerTokenPropagation", "true"],
            ["security.uiBasicAuth", "true"],
            ["uiHtpasswd", BCRYPT_HTPASSWD, false],
          ]),
        secret: ["jaeger-spm:uiHtpasswd"],
        message:
          /^jaeger-spm:security\.uiBasicAuth = true: expected false when security\.bearerTokenPropagation is true/,
      },
      {
        what: "pod labels without a namespace (any namespace could send spans)",
        raw: () => edits("dev", [["security.ingestFrom[0].podLabels.app", "otel-collector"]]),
        message:
          /^jaeger-spm:security\.ingestFrom\[0\]\.namespace = \(not set\): expected a namespace with podLabels: without one, pods with these labels in any namespace match/,
      },
      {
        what: "pod labels without a namespace on the query side",
        raw: () => edits("dev", [["security.queryFrom[0].podLabels.app", "grafana"]]),
        message: /^jaeger-spm:security\.queryFrom\[0\]\.namespace = \(not set\): expected a namespace with podLabels/,
      },
      {
        what: "a CIDR with an octet over 255 and a prefix over 32",
        raw: () => edits("dev", [["security.queryFrom[0].cidr", "999.1.1.1/40"]]),
        message:
          /^jaeger-spm:security\.queryFrom\[0\]\.cidr = "999\.1\.1\.1\/40": expected a CIDR such as 10\.0\.0\.0\/8/,
      },
      {
        what: "an IPv4 prefix of 33",
        raw: () => edits("dev", [["security.queryFrom[0].cidr", "10.0.0.0/33"]]),
        message: /^jaeger-spm:security\.queryFrom\[0\]\.cidr = "10\.0\.0\.0\/33": expected a CIDR/,
      },
      {
        what: "a network peer with both a CIDR and a namespace",
        raw: () =>
          edits("dev", [
            ["security.ingestFrom[0].cidr", "10.0.0.0/8"],
            ["security.ingestFrom[0].namespace", "otel"],
          ]),
        message:
          /^jaeger-spm:security\.ingestFrom\[0\]\.cidr = "10\.0\.0\.0\/8": expected either cidr or namespace\/podLabels/,
      },
    ];
    for (const c of cases) {
      it(`rejects ${c.what}`, () => {
        const result = parseStackConfig(c.raw(), new Set(c.secret ?? []));
        const problems = result.ok ? [] : result.problems;
        assert.ok(
          problems.some((p) => c.message.test(p)),
          `no problem matched ${c.message}; got:\n${problems.join("\n")}`,
        );
      });
    }

    it("names bad htpasswd lines without printing any part of the secret", () => {
      const result = parseStackConfig(
        edits("dev", [
          ["security.uiBasicAuth", "true"],
          ["uiHtpasswd", "opsuser:hunter2-secret\nold:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", false],
        ]),
        new Set(["jaeger-spm:uiHtpasswd"]),
      );
      assert.ok(!result.ok);
      const text = result.problems.join("\n");
      assert.match(text, /uiHtpasswd: lines 1, 2/);
      for (const leak of ["opsuser", "hunter2", "{SHA}", "W6ph5"]) assert.ok(!text.includes(leak), leak);
    });

    it("accepts IPv6 CIDRs as network peers", () => {
      const result = parseStackConfig(
        edits("dev", [
          ["security.queryFrom[0].cidr", "fd00::/8"],
          ["security.ingestFrom[0].cidr", "2001:db8::/32"],
        ]),
      );
      assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
      assert.deepEqual(result.config.security.queryFrom, [{ cidr: "fd00::/8" }, { cidr: "0.0.0.0/0" }]);
    });

    it("allows a NodePort in production when explicitly allowed", () => {
      const result = parseStackConfig(
        edits("prod", [
          ["security.oidc.enabled", "false"],
          ["jaeger.query.serviceType", "NodePort"],
          ["security.allowPublicServices", "true"],
        ]),
      );
      assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
    });
  });
});
