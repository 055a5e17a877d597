#include "sidecar/identity/trust_store.h"

#include <ctime>

#include "policy/quote.h"

namespace warden::sidecar {
namespace {

// sk_X509_free is a macro in OpenSSL 3, so it cannot be an OpensslDeleter argument. The stack only borrows.
struct X509StackDeleter {
  void operator()(STACK_OF(X509) * stack) const noexcept { sk_X509_free(stack); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

// A certificate's subject for a message: RFC 2253 with control and non-ASCII bytes escaped, then quoted.
std::string subjectOf(X509* cert) {
  if (cert == nullptr) return "\"\"";
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return "\"\"";
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  return policy::quoteForMessage(bioContents(bio.get()), 200);
}

}  // namespace

X509StorePtr makeTrustStore(const std::vector<X509Ptr>& authorities, std::string* error) {
  if (authorities.empty()) {
    if (error != nullptr) *error = "the bundle has no authorities";
    return nullptr;
  }
  X509StorePtr store(X509_STORE_new());
  if (!store || X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN) != 1) {
    if (error != nullptr) *error = "cannot create an X509_STORE: " + opensslErrors();
    return nullptr;
  }
  for (const auto& authority : authorities) {
    if (!authority || X509_STORE_add_cert(store.get(), authority.get()) != 1) {
      if (error != nullptr) *error = "cannot add an authority to the trust store: " + opensslErrors();
      return nullptr;
    }
  }
  return store;
}

std::optional<std::string> chainError(X509_STORE* store, X509* leaf, const std::vector<X509*>& untrusted,
                                      std::optional<std::chrono::system_clock::time_point> at) {
  X509StackPtr stack(sk_X509_new_null());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!stack || !ctx) return "out of memory: " + opensslErrors();
  for (X509* cert : untrusted) {
    // The stack borrows: the caller owns the certificates for the duration of the call.
    if (cert != nullptr && sk_X509_push(stack.get(), cert) <= 0) return "out of memory: " + opensslErrors();
  }
  if (X509_STORE_CTX_init(ctx.get(), store, leaf, stack.get()) != 1) {
    return "cannot initialise verification: " + opensslErrors();
  }
  if (at) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(at->time_since_epoch()).count();
    X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<std::time_t>(seconds));
  } else {
    X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_NO_CHECK_TIME);
  }
  const int result = X509_verify_cert(ctx.get());
  if (result == 1) return std::nullopt;
  const int code = X509_STORE_CTX_get_error(ctx.get());
  std::string reason = code != X509_V_OK ? X509_verify_cert_error_string(code) : "verification failed";
  reason += " at depth " + std::to_string(X509_STORE_CTX_get_error_depth(ctx.get()));
  if (X509* current = X509_STORE_CTX_get_current_cert(ctx.get())) reason += " (subject " + subjectOf(current) + ")";
  const std::string details = opensslErrors();
  if (code == X509_V_OK && !details.empty()) reason += ": " + details;
  return reason;
}

}  // namespace warden::sidecar
