#include "runtime/tls.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace fluxo::runtime {

namespace {

// OpenSSL's error queue as one line (and emptied).
std::string openssl_errors() {
  std::string out;
  while (auto e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

}  // namespace

std::optional<tls_client_auth> parse_client_auth(const std::string& text) {
  if (text == "none") return tls_client_auth::none;
  if (text == "requested") return tls_client_auth::requested;
  if (text == "required") return tls_client_auth::required;
  return std::nullopt;
}

std::shared_ptr<tls_context> tls_context::make(const tls_settings& s, std::string* error) {
  auto fail = [&](std::string why) -> std::shared_ptr<tls_context> {
    if (error) *error = std::move(why);
    return nullptr;
  };
  if (s.cert_file.empty() || s.key_file.empty()) return fail("a TLS listener needs --tls-cert and --tls-key");
  if (s.client_auth != tls_client_auth::none && s.ca_file.empty()) {
    return fail("--tls-client-auth " + std::string(s.client_auth == tls_client_auth::required ? "required" : "requested") +
                " needs --tls-ca (the CA that signs client certificates)");
  }
  ERR_clear_error();
  std::shared_ptr<tls_context> ctx(new tls_context(SSL_CTX_new(TLS_server_method())));
  auto* c = ctx->ctx_;
  if (!c) return fail("cannot create a TLS context: " + openssl_errors());
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(c, s.cert_file.c_str()) != 1) {
    return fail("cannot load the certificate " + s.cert_file + ": " + openssl_errors());
  }
  if (SSL_CTX_use_PrivateKey_file(c, s.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return fail("the key " + s.key_file + " does not belong to the certificate " + s.cert_file);
    }
    return fail("cannot load the private key " + s.key_file + ": " + openssl_errors());
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    return fail("the key " + s.key_file + " does not belong to the certificate " + s.cert_file);
  }
  if (!s.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(c, s.ca_file.c_str(), nullptr) != 1) {
      return fail("cannot load the CA file " + s.ca_file + ": " + openssl_errors());
    }
    if (auto* names = SSL_load_client_CA_file(s.ca_file.c_str())) SSL_CTX_set_client_CA_list(c, names);
  }
  switch (s.client_auth) {
    case tls_client_auth::none:
      SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
      break;
    case tls_client_auth::requested:
      SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
      break;
    case tls_client_auth::required:
      SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  return ctx;
}

tls_context::~tls_context() {
  if (ctx_) SSL_CTX_free(ctx_);
}

tls_session::tls_session(std::shared_ptr<tls_context> ctx) : ctx_(std::move(ctx)) {
  ssl_ = SSL_new(ctx_->native());
  auto* in = BIO_new(BIO_s_mem());
  auto* out = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(in, -1);  // "no data yet", not end of file
  SSL_set_bio(ssl_, in, out);      // owned by ssl_ from here
  in_ = in;
  out_ = out;
  SSL_set_accept_state(ssl_);
}

tls_session::~tls_session() {
  if (ssl_) SSL_free(ssl_);
}

bool tls_session::fail(const char* what) {
  error_ = std::string(what) + ": " + openssl_errors();
  return false;
}

bool tls_session::handshake_done() const { return SSL_is_init_finished(ssl_) == 1; }

bool tls_session::receive(std::span<const char> bytes, std::vector<char>& plaintext) {
  ERR_clear_error();
  if (!bytes.empty() && BIO_write(in_, bytes.data(), static_cast<int>(bytes.size())) != static_cast<int>(bytes.size())) {
    return fail("buffering TLS input");
  }
  if (!handshake_done()) {
    int r = SSL_do_handshake(ssl_);
    if (r != 1) {
      int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return true;
      return fail("TLS handshake failed");
    }
  }
  char buf[16384];
  for (;;) {
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      plaintext.insert(plaintext.end(), buf, buf + n);
      continue;
    }
    int e = SSL_get_error(ssl_, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return true;
    if (e == SSL_ERROR_ZERO_RETURN) {
      error_ = "the client closed the TLS session";
      peer_closed_ = true;
      return false;
    }
    return fail("TLS read failed");
  }
}

bool tls_session::send(std::span<const char> plaintext, std::vector<char>& out) {
  ERR_clear_error();
  std::size_t done = 0;
  while (done < plaintext.size()) {
    int n = SSL_write(ssl_, plaintext.data() + done, static_cast<int>(plaintext.size() - done));
    if (n <= 0) return fail("TLS write failed");
    done += static_cast<std::size_t>(n);
    take_output(out);
  }
  return true;
}

void tls_session::take_output(std::vector<char>& out) {
  for (;;) {
    auto pending = BIO_ctrl_pending(out_);
    if (pending == 0) return;
    auto old = out.size();
    out.resize(old + pending);
    int n = BIO_read(out_, out.data() + old, static_cast<int>(pending));
    out.resize(old + static_cast<std::size_t>(n > 0 ? n : 0));
    if (n <= 0) return;
  }
}

std::string tls_session::peer_principal() const {
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (!cert) return {};
  std::string out;
  if (SSL_get_verify_result(ssl_) == X509_V_OK) {
    char cn[256] = {0};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) {
      out = std::string("User:") + cn;
    }
  }
  X509_free(cert);
  return out;
}

}  // namespace fluxo::runtime
