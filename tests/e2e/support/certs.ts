// Certificates for the TLS scenarios, made with the openssl command line: a CA for the server,
// a server certificate for the Services' names only (no IP address: clients reach the Services by
// name, as in the cluster, and verify that name), and a client CA with one client.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

function openssl(args: string[], cwd: string): void {
  const run = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (run.error)
    throw new Error(`openssl is required for the TLS scenarios (npm run setup installs it): ${run.error.message}`);
  if (run.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${run.stderr}`);
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

function authority(dir: string, name: string): void {
  openssl(
    ["req", "-x509", ...KEY, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=${name}`],
    dir,
  );
}

function issue(dir: string, ca: string, name: string, subjectAltName: string, usage: string): void {
  openssl(
    [
      "req",
      "-new",
      ...KEY,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${name}`,
      "-addext",
      `subjectAltName=${subjectAltName}`,
      "-addext",
      `extendedKeyUsage=${usage}`,
    ],
    dir,
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.crt`,
      "-CAkey",
      `${ca}.key`,
      "-CAcreateserial",
      "-days",
      "2",
      "-copy_extensions",
      "copy",
      "-out",
      `${name}.crt`,
    ],
    dir,
  );
}

export interface Certificates {
  readonly dir: string;
  /** What clients verify the server against. */
  readonly serverCa: string;
  readonly clientCa: string;
  /** The server's certificate and PKCS#8 key. */
  readonly server: { readonly cert: string; readonly key: string };
  readonly client: { readonly cert: string; readonly key: string };
  /** A client certificate from a CA the server does not trust. */
  readonly stranger: { readonly cert: string; readonly key: string };
  /** The kubernetes.io/tls Secret's data, as cert-manager or a user would store it. */
  readonly serverSecret: Record<string, string>;
  readonly clientCaSecret: Record<string, string>;
}

/**
 * Makes the certificates in `dir`; the server's names are `dnsNames`, and `ipAddresses` only for a
 * server outside the cluster that is known by its address. `serverAlsoClient` lets the server
 * certificate authenticate as a client too (an OpenSearch node's, also used on its transport).
 */
export function makeCertificates(
  dir: string,
  dnsNames: readonly string[],
  options: { serverAlsoClient?: boolean; ipAddresses?: readonly string[] } = {},
): Certificates {
  fs.mkdirSync(dir, { recursive: true });
  authority(dir, "server-ca");
  authority(dir, "client-ca");
  authority(dir, "other-ca");
  const serverUsage = options.serverAlsoClient ? "serverAuth,clientAuth" : "serverAuth";
  const names = [...dnsNames.map((n) => `DNS:${n}`), ...(options.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
  issue(dir, "server-ca", "server", names.join(","), serverUsage);
  issue(dir, "client-ca", "client", "DNS:e2e-client", "clientAuth");
  issue(dir, "other-ca", "stranger", "DNS:stranger", "clientAuth");
  const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
  return {
    dir,
    serverCa: path.join(dir, "server-ca.crt"),
    clientCa: path.join(dir, "client-ca.crt"),
    server: { cert: path.join(dir, "server.crt"), key: path.join(dir, "server.key") },
    client: { cert: path.join(dir, "client.crt"), key: path.join(dir, "client.key") },
    stranger: { cert: path.join(dir, "stranger.crt"), key: path.join(dir, "stranger.key") },
    serverSecret: { "tls.crt": read("server.crt"), "tls.key": read("server.key"), "ca.crt": read("server-ca.crt") },
    clientCaSecret: { "ca.crt": read("client-ca.crt") },
  };
}
