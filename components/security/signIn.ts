// Sign-in for the query UI/API through OpenID Connect: oauth2-proxy in front of the query
// Service, which then answers only to it (NetworkPolicies). Option names follow
// oauth2-proxy v7.15.3 (pkg/apis/options/{options,legacy_options,cookie}.go).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../podSecurity";

export const SIGN_IN = {
  deployment: "jaeger-oauth2-proxy",
  service: "jaeger-ui",
  cookieSecret: "jaeger-oauth2-proxy-cookie",
  port: 4180,
  portName: "http-sign-in",
  /** Where the query certificate's CA is mounted: Go adds every file in SSL_CERT_DIR to its system roots. */
  upstreamCaDir: "/etc/jaeger-query-ca",
  secretsDir: "/etc/oauth2-proxy",
} as const;

export interface OidcSettings {
  readonly issuerUrl: string;
  readonly clientId: string;
  /** The public address of the sign-in callback, e.g. https://jaeger.example.com/oauth2/callback. */
  readonly redirectUrl: string;
  readonly emailDomains: readonly string[];
  readonly allowedGroups: readonly string[];
  /** The scopes asked for; undefined: signInScopes(allowedGroups). */
  readonly scopes?: readonly string[];
  /** The ID token claim that lists the account's groups. */
  readonly groupsClaim: string;
  /** CIDRs allowed to set X-Forwarded-* (the ingress controller's); empty: nobody (the headers are ignored). */
  readonly trustedProxyIps: readonly string[];
}

/**
 * The scopes oauth2-proxy asks the provider for. Its default is "openid email profile"
 * (providers/oidc.go), which many providers (Dex, Okta, mockoidc) answer without the groups claim,
 * so that with allowed groups every account would be refused: ask for "groups" too then.
 */
export function signInScopes(allowedGroups: readonly string[]): string[] {
  return ["openid", "email", "profile", ...(allowedGroups.length > 0 ? ["groups"] : [])];
}

export interface OAuth2ProxyArgsInput extends OidcSettings {
  /** The query Service's HTTP API, http(s)://host:port. */
  readonly upstream: string;
  /** Forward the ID token as the Authorization header (bearer token propagation to storage). */
  readonly passAuthorization: boolean;
}

/** oauth2-proxy's command line: secrets only as files, nothing secret in the arguments. */
export function buildOAuth2ProxyArgs(input: OAuth2ProxyArgsInput): string[] {
  return [
    "--provider=oidc",
    `--oidc-issuer-url=${input.issuerUrl}`,
    `--client-id=${input.clientId}`,
    `--client-secret-file=${SIGN_IN.secretsDir}/client/client-secret`,
    `--cookie-secret-file=${SIGN_IN.secretsDir}/cookie/cookie-secret`,
    `--redirect-url=${input.redirectUrl}`,
    // Behind the ingress the page to return to is built from its X-Forwarded-Host; oauth2-proxy
    // sends the browser back only to allowed domains (validator.go), else to "/".
    `--whitelist-domain=${new URL(input.redirectUrl).host}`,
    // PKCE binds the code to this sign-in (Keycloak, Dex, Okta, Google and Entra ID support S256; a
    // provider without PKCE ignores the extra parameters, as OAuth 2.0 has it do with unknown ones).
    "--code-challenge-method=S256",
    `--http-address=0.0.0.0:${SIGN_IN.port}`,
    `--upstream=${input.upstream}`,
    `--scope=${(input.scopes ?? signInScopes(input.allowedGroups)).join(" ")}`,
    `--oidc-groups-claim=${input.groupsClaim}`,
    // oauth2-proxy refuses to start without an email rule (pkg/validation/options.go) and applies
    // it and the groups both: with groups alone, any address of the issuer in those groups.
    ...(input.emailDomains.length > 0 ? input.emailDomains : ["*"]).map((domain) => `--email-domain=${domain}`),
    ...input.allowedGroups.map((group) => `--allowed-group=${group}`),
    "--skip-provider-button=true",
    // X-Forwarded-* (the client's address, the public host and scheme) are read only from the
    // ingress controller's addresses. oauth2-proxy in reverse-proxy mode trusts every peer unless
    // given --trusted-proxy-ip (v7.15.3 oauthproxy.go, buildTrustedProxyNetSet; the check is
    // pkg/apis/middleware/scope.go, CanTrustForwardedHeaders), so without a list the headers are
    // not read at all: sign-in and the groups check do not need them (the callback address is
    // --redirect-url), and the log shows the ingress's address as the client's.
    ...(input.trustedProxyIps.length > 0
      ? ["--reverse-proxy=true", ...input.trustedProxyIps.map((cidr) => `--trusted-proxy-ip=${cidr}`)]
      : ["--reverse-proxy=false"]),
    ...(input.passAuthorization ? ["--pass-authorization-header=true"] : []),
  ];
}

export interface OidcSignInArgs {
  /** Jaeger's namespace: oauth2-proxy runs beside the query servers. */
  namespace: pulumi.Input<string>;
  /** A pinned oauth2-proxy image (`security.oidc.image`). */
  image: string;
  /** The identity provider, the client, the callback and who may sign in. */
  oidc: OidcSettings;
  /** An existing Secret in the namespace holding the client secret under the key `client-secret`. */
  clientSecretName: string;
  /** The query Service's HTTP API it forwards to, http(s)://host:port. */
  upstream: string;
  /** The query certificate's Secret, whose `ca.crt` signs the query APIs' certificate (TLS on). */
  upstreamCaSecret?: string;
  /** Forward the ID token as the Authorization header (bearer token propagation to storage). */
  passAuthorization: boolean;
  /** oauth2-proxy replicas (`security.oidc.replicas`, default 2). */
  replicas: number;
  /** Labels of its objects. */
  labels: Record<string, string>;
  /** The labels its Deployment and Service select pods by (a subset of `labels`). */
  selector: Record<string, string>;
}

/** OpenID Connect sign-in for the UI: oauth2-proxy in front of the query Service. */
export class OidcSignIn extends pulumi.ComponentResource {
  /** The Service users reach the UI through (instead of the query Service). */
  public readonly serviceName: string = SIGN_IN.service;

  constructor(name: string, args: OidcSignInArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:security:OidcSignIn", name, {}, opts);
    const meta = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: args.labels });
    // 32 characters: an AES-256 key, as oauth2-proxy requires 16, 24 or 32 bytes.
    const cookie = new random.RandomPassword(`${name}-cookie`, { length: 32, special: false }, { parent: this });
    const cookieSecret = new k8s.core.v1.Secret(
      `${name}-cookie`,
      { metadata: meta(SIGN_IN.cookieSecret), type: "Opaque", stringData: { "cookie-secret": cookie.result } },
      { parent: this },
    );
    const secretVolume = (volume: string, secretName: string, key: string) => ({
      name: volume,
      secret: { secretName, items: [{ key, path: key }], defaultMode: 0o440 },
    });
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: meta(SIGN_IN.deployment),
        spec: {
          replicas: args.replicas,
          selector: { matchLabels: args.selector },
          template: {
            metadata: { labels: args.labels },
            spec: {
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: restrictedPodSecurityContext(),
              containers: [
                {
                  name: "oauth2-proxy",
                  image: args.image,
                  args: buildOAuth2ProxyArgs({
                    ...args.oidc,
                    upstream: args.upstream,
                    passAuthorization: args.passAuthorization,
                  }),
                  ...(args.upstreamCaSecret && { env: [{ name: "SSL_CERT_DIR", value: SIGN_IN.upstreamCaDir }] }),
                  ports: [{ name: SIGN_IN.portName, containerPort: SIGN_IN.port, protocol: "TCP" }],
                  readinessProbe: { httpGet: { path: "/ready", port: SIGN_IN.portName }, periodSeconds: 10 },
                  livenessProbe: { httpGet: { path: "/ping", port: SIGN_IN.portName }, periodSeconds: 15 },
                  resources: { requests: { cpu: "25m", memory: "32Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [
                    { name: "client-secret", mountPath: `${SIGN_IN.secretsDir}/client`, readOnly: true },
                    { name: "cookie-secret", mountPath: `${SIGN_IN.secretsDir}/cookie`, readOnly: true },
                    ...(args.upstreamCaSecret
                      ? [{ name: "upstream-ca", mountPath: SIGN_IN.upstreamCaDir, readOnly: true }]
                      : []),
                  ],
                },
              ],
              volumes: [
                secretVolume("client-secret", args.clientSecretName, "client-secret"),
                secretVolume("cookie-secret", SIGN_IN.cookieSecret, "cookie-secret"),
                ...(args.upstreamCaSecret ? [secretVolume("upstream-ca", args.upstreamCaSecret, "ca.crt")] : []),
              ],
            },
          },
        },
      },
      { parent: this, dependsOn: [cookieSecret] },
    );
    new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: meta(SIGN_IN.service),
        spec: {
          type: "ClusterIP",
          selector: args.selector,
          ports: [{ name: SIGN_IN.portName, port: SIGN_IN.port, targetPort: SIGN_IN.portName, appProtocol: "http" }],
        },
      },
      { parent: this },
    );
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
