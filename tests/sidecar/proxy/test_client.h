#pragma once

// A blocking mTLS HTTP/1.1 client for the proxy's component tests: presents a given certificate (or none), trusts a
// given bundle, keeps its connection, and records when each piece of a response body arrived.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include "sidecar/identity/svid.h"

namespace warden::sidecar::testing {

struct ClientResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  // When each piece of the body arrived, relative to sending the request.
  std::vector<std::pair<std::chrono::milliseconds, std::string>> pieces;
  std::string error;  // transport failure (connection closed, timeout)

  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  // The JSON-RPC messages of an SSE body, in order.
  std::vector<nlohmann::json> sseMessages() const;
};

class McpTestClient {
 public:
  // `svid` null: connect without a client certificate.
  McpTestClient(unsigned short port, const X509Svid* svid, const TrustBundles& trust);
  ~McpTestClient();

  // TCP connect and TLS handshake; "" on success, else why it failed.
  std::string connect();
  ClientResponse post(const std::string& body, std::map<std::string, std::string> headers = {});
  ClientResponse request(const std::string& method, const std::string& target, const std::string& body,
                         std::map<std::string, std::string> headers);
  // Sends raw bytes on the TLS connection (for malformed and slow requests); then reads one response.
  ClientResponse raw(const std::string& bytes);
  // Sends bytes without reading anything.
  bool send(const std::string& bytes);
  // True when the server closed the connection (reads EOF or an error within the timeout).
  bool closedByServer(std::chrono::milliseconds timeout);

  // TLS details, for the identity tests.
  // The client's SSL_CTX, to adjust before connect() (protocol versions, ciphers).
  SSL_CTX* sslContext();
  // The current connection's SSL object (session, version); nullptr before the first connect().
  SSL* ssl();
  // The certificate the server presented on the current connection (nullptr when there is none).
  X509Ptr peerCertificate() const;
  // Its serial number in hex ("" when there is none): tells which server SVID the connection got.
  std::string peerCertificateSerial() const;
  // Offers `session` for resumption on the next connect() (nullptr: offer none).
  void offerSession(std::shared_ptr<SSL_SESSION> session);
  // Drops the current connection without a TLS close, so the next request connects afresh.
  void disconnect();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A certificate's serial number in hex, as peerCertificateSerial() reports it ("" for nullptr).
std::string certificateSerial(X509* certificate);

}  // namespace warden::sidecar::testing
