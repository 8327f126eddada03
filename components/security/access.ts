// Who may talk to Jaeger: a TLS certificate for the ingestion endpoints (issued by
// cert-manager, or an existing Secret) and basic-auth credentials for the query UI,
// kept in a Secret created from a Pulumi secret.
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export const INGEST_TLS_SECRET = "jaeger-collector-tls";
export const UI_HTPASSWD_SECRET = "jaeger-ui-htpasswd";

/** Names the Services answer to (collector for ingestion, query for the UI/API), for the certificate. */
export function serviceDnsNames(services: readonly string[], namespace: string): string[] {
  return services.flatMap((service) => [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ]);
}

/**
 * The part of a cert-manager Certificate spec (cert-manager.io/v1) the stack sets. Declared here so
 * that the package's types need nothing outside its dependencies; the tests check it against
 * @kubernetes-models/cert-manager's type and the CRD itself.
 */
export interface CertificateSpec {
  secretName: string;
  dnsNames: string[];
  issuerRef: { name: string; kind: "Issuer" | "ClusterIssuer"; group: "cert-manager.io" };
  duration: string;
  renewBefore: string;
  privateKey: { algorithm: "ECDSA"; size: number; rotationPolicy: "Always" };
  usages: ("server auth" | "digital signature" | "key encipherment")[];
}

export function buildCertificateSpec(input: {
  dnsNames: string[];
  issuer: { kind: "Issuer" | "ClusterIssuer"; name: string };
}): CertificateSpec {
  return {
    secretName: INGEST_TLS_SECRET,
    dnsNames: input.dnsNames,
    issuerRef: { name: input.issuer.name, kind: input.issuer.kind, group: "cert-manager.io" },
    duration: "2160h",
    renewBefore: "360h",
    privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    usages: ["server auth", "digital signature", "key encipherment"],
  };
}

export interface AccessControlArgs {
  /** Jaeger's namespace: the certificate and the htpasswd Secret go there. */
  namespace: pulumi.Input<string>;
  /** The same namespace by name (in the certificate's DNS names). */
  namespaceName: string;
  /** The ingestion Service (the certificate covers its names). */
  collectorService: string;
  /** The query Service (the certificate covers its names too). */
  queryService: string;
  /** TLS (default off): a certificate cert-manager issues, or an existing kubernetes.io/tls Secret. */
  tls?:
    | { source: "secret"; secretName: string }
    | { source: "certManager"; issuer: { kind: "Issuer" | "ClusterIssuer"; name: string } };
  /** htpasswd lines (a Pulumi secret) for basic auth on the query UI/API (default: none). */
  uiHtpasswd?: pulumi.Output<string>;
  /** Labels of the objects it creates. */
  labels: Record<string, string>;
}

/** Who may talk to Jaeger: the ingestion and query certificate, and the UI's basic-auth credentials. */
export class AccessControl extends pulumi.ComponentResource {
  /** The kubernetes.io/tls Secret Jaeger's receivers use, if TLS is on. */
  public readonly tlsSecretName?: string;
  /**
   * The htpasswd Secret, and a sha256 of its content for the pod template: Jaeger's basicauth
   * extension reads the file only when it starts, so a new password needs a new pod.
   */
  public readonly uiAuth?: { secretName: string; key: string; checksum: pulumi.Output<string> };
  /** What Jaeger's pods wait for (the certificate, whose Secret they mount). */
  public readonly ready: pulumi.Resource[] = [];

  constructor(name: string, args: AccessControlArgs, opts?: pulumi.ComponentResourceOptions) {
    super("jaeger-spm:security:AccessControl", name, {}, opts);
    const meta = (objectName: string) => ({ name: objectName, namespace: args.namespace, labels: args.labels });
    if (args.tls?.source === "certManager") {
      this.ready.push(
        new k8s.apiextensions.CustomResource(
          `${name}-ingest-certificate`,
          {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: meta(INGEST_TLS_SECRET),
            spec: buildCertificateSpec({
              dnsNames: serviceDnsNames([args.collectorService, args.queryService], args.namespaceName),
              issuer: args.tls.issuer,
            }),
          },
          { parent: this },
        ),
      );
      this.tlsSecretName = INGEST_TLS_SECRET;
    } else if (args.tls?.source === "secret") {
      this.tlsSecretName = args.tls.secretName;
    }
    if (args.uiHtpasswd) {
      this.ready.push(
        new k8s.core.v1.Secret(
          `${name}-ui-htpasswd`,
          { metadata: meta(UI_HTPASSWD_SECRET), type: "Opaque", stringData: { htpasswd: args.uiHtpasswd } },
          { parent: this },
        ),
      );
      // Not secret: a digest of salted bcrypt hashes gives nothing away, and keeping it plain
      // lets a preview show that the query pods will roll.
      const checksum = pulumi.unsecret(
        args.uiHtpasswd.apply((text) => createHash("sha256").update(text).digest("hex")),
      );
      this.uiAuth = { secretName: UI_HTPASSWD_SECRET, key: "htpasswd", checksum };
    }
    this.registerOutputs({});
  }
}
