// Fetching what a CredentialPlan describes: credential_process, web identity (a token file
// or GitHub Actions' ID token) through STS, container endpoints, instance metadata, then
// the roles to assume. The transport and the clock are injected, so tests answer with
// stand-ins and move time; system_credential_io() is the real thing.
#pragma once
#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "net/http.h"
#include "s3/credentials.h"

namespace xship {

struct CredentialIo {
  std::function<net::HttpClient::Outcome(const net::HttpRequest&, const net::Timeouts&)> http;
  std::function<TimePoint()> now;
  const std::atomic<bool>* cancel = nullptr;  // SIGINT: stop a credential_process
  std::function<void(const std::string&)> debug_log;  // optional; never gets a secret
};

// libcurl with the user's TLS options (--ca-bundle, --insecure), the system clock.
CredentialIo system_credential_io(const net::TlsOptions& tls, const std::atomic<bool>* cancel,
                                  std::function<void(const std::string&)> debug_log);

// Errors are one line, category Credentials, naming the source and never a secret.
Result<Credentials> fetch_credentials(const CredentialPlan& plan, const CredentialIo& io);

// A reply, or why none came after `attempts` tries (transport failures, 429 and 5xx are
// retried). The log shows the method and the URL without its query, never headers.
struct CredentialReply {
  bool reached = false;
  net::HttpResponse response;
  std::string failure;  // curl's text when not reached
};
CredentialReply send_credential_request(const CredentialIo& io, const net::HttpRequest& req,
                                        const net::Timeouts& timeouts, int attempts);

}  // namespace xship
