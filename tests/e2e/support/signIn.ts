// What the sign-in scenarios share: the identity provider (engines/oidcprovider, over TLS, with a
// certificate for its address as mockoidc names its issuer by it), the stack edits that turn on
// OIDC sign-in in front of a TLS query API, and oauth2-proxy (the pinned image's version, built by
// scripts/engines.sh) started from a rendered Deployment.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import type { Evaluation } from "../../../scripts/evaluate";
import { SIGN_IN } from "../../../components/security/signIn";
import { Engine, engineBinary, engineCommand, freePort, startEngine, waitFor } from "../../support/engines";
import { LocalPod, localPod, traversable } from "../../support/localPod";
import type { ConfigEdit } from "../../support/stackEdits";
import { Certificates, makeCertificates } from "./certs";

export const CLIENT_ID = "jaeger-ui";
export const QUERY_NAME = "jaeger-query.observability.svc";
export const COLLECTOR_NAME = "jaeger-collector.observability.svc";

export interface IdentityProvider {
  readonly engine: Engine;
  /** https://127.0.0.1:<port>/oidc */
  readonly issuer: string;
  readonly certs: Certificates;
  readonly clientSecret: string;
  stop(): Promise<void>;
}

/** Starts the issuer (its files under `dir`) and waits up to 15 s for its discovery document. */
export async function startIdentityProvider(dir: string): Promise<IdentityProvider> {
  // The provider is outside the cluster, and mockoidc names its issuer by its listener's
  // address (https://127.0.0.1:<port>/oidc), so its certificate carries that address.
  const certs = makeCertificates(path.join(dir, "provider"), ["idp.example"], { ipAddresses: ["127.0.0.1"] });
  const clientSecret = randomBytes(24).toString("hex");
  fs.writeFileSync(path.join(dir, "client-secret"), clientSecret);
  const port = await freePort();
  const engine = startEngine("oidcprovider", engineCommand("oidcprovider"), [
    `-listen=127.0.0.1:${port}`,
    `-cert=${certs.server.cert}`,
    `-key=${certs.server.key}`,
    `-client-id=${CLIENT_ID}`,
    `-client-secret-file=${path.join(dir, "client-secret")}`,
  ]);
  const issuer = `https://127.0.0.1:${port}/oidc`;
  const ca = fs.readFileSync(certs.serverCa);
  await waitFor(
    "the identity provider's discovery document",
    () =>
      new Promise<true | undefined>((resolve) => {
        https
          .get(`${issuer}/.well-known/openid-configuration`, { ca, timeout: 5_000 }, (response) => {
            response.resume();
            resolve(response.statusCode === 200 ? true : undefined);
          })
          .on("error", () => resolve(undefined));
      }),
    { timeoutMs: 15_000, engines: [engine], running: [engine] },
  );
  return { engine, issuer, certs, clientSecret, stop: () => engine.stop() };
}

/** The stack edits for OIDC sign-in (groups alone decide who may sign in) before a TLS query API. */
export function signInEdits(options: { issuer: string; publicHost: string; allowedGroup: string }): ConfigEdit[] {
  return [
    ["security.tls.enabled", "true"],
    ["security.tls.source", "secret"],
    ["security.tls.secretName", "jaeger-tls"],
    // Dev exposes the query Service as a NodePort; with sign-in the stack refuses that.
    ["jaeger.query.serviceType", "ClusterIP"],
    ["security.oidc.enabled", "true"],
    ["security.oidc.issuerUrl", options.issuer],
    ["security.oidc.clientId", CLIENT_ID],
    ["security.oidc.redirectUrl", `https://${options.publicHost}/oauth2/callback`],
    ["security.oidc.allowedGroups[0]", options.allowedGroup],
  ];
}

export interface RunningSignInProxy {
  readonly pod: LocalPod;
  readonly engine: Engine;
  /** http://127.0.0.1:<port> of its Service port. */
  readonly url: string;
  stop(): Promise<void>;
}

/** oauth2-proxy from a rendered Deployment, in front of the query API at `queryPort`, once its readiness probe answers. */
export async function startSignInProxy(
  rendered: Evaluation,
  options: { provider: IdentityProvider; queryCerts: Certificates; queryPort: number },
): Promise<RunningSignInProxy> {
  const pod = await localPod(rendered, SIGN_IN.deployment, {
    secrets: {
      // The Secret the operator creates (security.oidc.clientSecretName's default).
      "jaeger-oidc-client": { "client-secret": options.provider.clientSecret },
      // The query certificate's Secret: oauth2-proxy mounts its ca.crt to verify the upstream.
      "jaeger-tls": options.queryCerts.serverSecret,
      // What the random provider generates for the rendered Secret: 32 letters and digits.
      [SIGN_IN.cookieSecret]: {
        "cookie-secret": randomBytes(32)
          .toString("base64")
          .replace(/[^A-Za-z0-9]/g, "")
          .padEnd(32, "x")
          .slice(0, 32),
      },
    },
    services: new Map([[`${QUERY_NAME}:16686`, `127.0.0.1:${options.queryPort}`]]),
  });
  // SSL_CERT_FILE stands for the image's CA bundle, where a public provider's CA is; the
  // rendered SSL_CERT_DIR (the mounted query CA) comes with the pod's environment.
  traversable(path.dirname(options.provider.certs.serverCa));
  const engine = pod.start("oauth2-proxy", engineBinary("github.com/oauth2-proxy/oauth2-proxy/v7", "oauth2-proxy"), {
    env: { SSL_CERT_FILE: options.provider.certs.serverCa },
  });
  const url = `http://127.0.0.1:${pod.port(SIGN_IN.port)}`;
  const running = {
    pod,
    engine,
    url,
    async stop() {
      await engine.stop();
      pod.remove();
    },
  };
  try {
    await pod.waitReady(engine, 20_000);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}
