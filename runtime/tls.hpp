// TLS for the Kafka listener's connections, on OpenSSL 3 with memory BIOs: the listener keeps
// doing its own socket I/O (CAF's multiplexer) and passes bytes through a tls_session, which
// holds no socket. No CAF here.
//
//   bytes from the socket -> receive() -> plaintext for the frame reader (and, during the
//                                         handshake, records to send back: take_output())
//   response bytes        -> send()    -> records to write to the socket
//
// Server side only. TLS 1.2 or newer. Client certificates (`client_auth`): none (not asked),
// requested (asked, verified if sent), required (the handshake fails without one signed by the
// CA). A verified client certificate names the connection's principal "User:<subject CN>".
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

struct bio_st;
struct ssl_ctx_st;
struct ssl_st;

namespace fluxo::runtime {

enum class tls_client_auth { none, requested, required };

std::optional<tls_client_auth> parse_client_auth(const std::string& text);

struct tls_settings {
  std::string cert_file;  // PEM, the server's certificate (chain)
  std::string key_file;   // PEM, its private key
  std::string ca_file;    // PEM, CAs trusted for client certificates (needed unless client_auth none)
  tls_client_auth client_auth = tls_client_auth::none;
};

// One configured server context, shared by every connection of a listener.
class tls_context {
 public:
  // Nullptr and `error` set when a file is missing or does not fit (key vs certificate).
  static std::shared_ptr<tls_context> make(const tls_settings& settings, std::string* error);
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;
  ssl_ctx_st* native() const { return ctx_; }

 private:
  explicit tls_context(ssl_ctx_st* ctx) : ctx_(ctx) {}
  ssl_ctx_st* ctx_;
};

class tls_session {
 public:
  explicit tls_session(std::shared_ptr<tls_context> ctx);
  ~tls_session();
  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  // Takes bytes from the socket; appends what they decrypt to (maybe nothing). False on a
  // TLS error (see error()): the connection must be closed.
  bool receive(std::span<const char> bytes, std::vector<char>& plaintext);
  // Encrypts plaintext into records appended to `out`. False on error.
  bool send(std::span<const char> plaintext, std::vector<char>& out);
  // Appends the records OpenSSL wants sent (handshake, alerts); call after receive().
  void take_output(std::vector<char>& out);

  bool handshake_done() const;
  // The client ended the session itself (close_notify): not an error worth a warning.
  bool peer_closed() const { return peer_closed_; }
  const std::string& error() const { return error_; }
  // "User:<CN>" of a verified client certificate, else empty.
  std::string peer_principal() const;

 private:
  bool fail(const char* what);
  ssl_st* ssl_ = nullptr;
  bio_st* in_ = nullptr;   // socket -> OpenSSL (owned by ssl_)
  bio_st* out_ = nullptr;  // OpenSSL -> socket (owned by ssl_)
  std::shared_ptr<tls_context> ctx_;
  std::string error_;
  bool peer_closed_ = false;
};

}  // namespace fluxo::runtime
