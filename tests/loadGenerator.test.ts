// The benchmark's load generator (engines/spansend -rate) is open loop: a receiver that does not
// keep up shows as a shortfall, not as a slower schedule. Against a receiver that accepts the
// connection and never answers, the batches stay due on their schedule, the ones with no free
// place are counted missed, and latency runs from the due time.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as net from "node:net";
import { engineCommand } from "./support/engines";

interface LoadResult {
  targetRate: number;
  wallSeconds: number;
  scheduledBatches: number;
  missedBatches: number;
  missed: number;
  sent: number;
  refused: number;
  achievedRate: number;
  p50Ms: number;
}

describe("load generator (spansend -rate): open loop", function () {
  this.timeout(60_000);
  let server: net.Server;
  let port: number;
  const held: net.Socket[] = [];

  before(async () => {
    // Takes the connection and every byte sent on it, and answers nothing.
    server = net.createServer((socket) => {
      held.push(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("keeps the schedule against a receiver that never answers, and reports the shortfall", async () => {
    const [rate, seconds, batch, inFlight] = [2000, 2, 100, 8];
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        engineCommand("spansend"),
        [
          `-endpoint=127.0.0.1:${port}`,
          `-rate=${rate}`,
          `-seconds=${seconds}`,
          `-batch=${batch}`,
          `-max-in-flight=${inFlight}`,
        ],
        { timeout: 45_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    const result = JSON.parse(output.trim().split("\n").pop() ?? "{}") as LoadResult;
    assert.equal(result.scheduledBatches, (rate * seconds) / batch, "every batch of the step is due");
    assert.equal(result.missedBatches, result.scheduledBatches - inFlight, "all but the ones in flight are missed");
    assert.equal(result.missed, result.missedBatches * batch);
    assert.equal(result.sent, 0);
    assert.equal(result.refused, inFlight * batch, "the batches in flight time out");
    assert.equal(result.achievedRate, 0);
    assert.ok(result.wallSeconds > seconds, `the step took its real time: ${result.wallSeconds} s`);
    // The first batch was due at the start and waited out the 10 s export timeout.
    assert.ok(result.p50Ms >= 10_000, `latency from the due time: p50 ${result.p50Ms} ms`);
  });
});
