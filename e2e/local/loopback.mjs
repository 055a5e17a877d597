// Preload (node --import ./loopback.mjs ...): binds every server of this process to 127.0.0.1.
// @modelcontextprotocol/server-everything listens on all interfaces; tests and demos must stay on loopback.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first, second] = args;
  const isPort = typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first));
  if (isPort && typeof second !== "string") {
    return listen.call(this, Number(first), "127.0.0.1", ...args.slice(1));
  }
  if (first && typeof first === "object" && first.path === undefined && first.host === undefined) {
    return listen.call(this, { ...first, host: "127.0.0.1" }, ...args.slice(1));
  }
  return listen.apply(this, args);
};
