// The cluster's ingress, as far as a browser can tell: it terminates TLS for the public name with
// that name's certificate and forwards every request to one Service, adding the X-Forwarded-*
// headers an ingress controller adds (proto, host, client address). Nothing else.
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";

export interface RunningIngress {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startIngress(options: {
  /** PEM files of the public name's certificate and key. */
  readonly cert: string;
  readonly key: string;
  /** Where it forwards: http://host:port of the backend. */
  readonly backend: string;
}): Promise<RunningIngress> {
  const backend = new URL(options.backend);
  const server = https.createServer(
    { cert: fs.readFileSync(options.cert), key: fs.readFileSync(options.key) },
    (request, response) => {
      const forwarded = http.request(
        {
          hostname: backend.hostname,
          port: backend.port,
          method: request.method,
          path: request.url,
          headers: {
            ...request.headers,
            "x-forwarded-proto": "https",
            "x-forwarded-host": request.headers.host ?? "",
            "x-forwarded-for": request.socket.remoteAddress ?? "",
          },
          timeout: 30_000,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      forwarded.on("timeout", () => forwarded.destroy(new Error("backend timeout")));
      forwarded.on("error", (error) => {
        if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" });
        response.end(`ingress: ${error.message}`);
      });
      request.pipe(forwarded);
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
