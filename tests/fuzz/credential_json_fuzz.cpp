// Credentials come as JSON from a credential_process program, a container endpoint or the
// instance metadata service: any bytes give credentials that pass the text checks, or a
// one-line error without control characters that never repeats the secret sent. The same
// bytes as GitHub's token reply give a printable token or an error, and scrubbed (as
// error output is) they keep neither the secret nor a control character.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "s3/credential_json.h"

using namespace xship;

// A secret no fixed text of a message could contain by chance: 16 characters or more, no
// space, upper and lower case letters and a digit ("sion 1 is understo" is not one).
bool distinctive(const std::string& s) {
  auto has = [&](int (*is)(int)) {
    return std::any_of(s.begin(), s.end(), [&](unsigned char c) { return is(c) != 0; });
  };
  return s.size() >= 16 && s.find(' ') == std::string::npos && has(std::islower) && has(std::isupper) &&
         has(std::isdigit);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const TimePoint now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};
  std::string secret;
  auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_object() && doc.contains("SecretAccessKey") && doc["SecretAccessKey"].is_string())
    secret = doc["SecretAccessKey"].get<std::string>();
  for (auto shape : {CredentialJson::Process, CredentialJson::Container, CredentialJson::Imds}) {
    auto c = parse_credentials_json(text, shape, "fuzz", now);
    if (c) {
      if (!check_credential_text(*c, "fuzz").ok()) std::abort();
      continue;
    }
    const std::string& m = c.error().message;
    for (unsigned char ch : m)
      if (ch < 0x20 || ch == 0x7f) std::abort();
    if (distinctive(secret) && m.find(secret) != std::string::npos) std::abort();
  }
  if (auto token = parse_github_token(text)) {
    if (token->empty() || token->size() > kMaxTokenBytes) std::abort();
    for (unsigned char ch : *token)
      if (ch <= 0x20 || ch >= 0x7f) std::abort();
  }
  const std::string scrubbed = scrub(text, {secret});
  for (unsigned char ch : scrubbed)
    if (ch < 0x20 || ch == 0x7f) std::abort();
  if (distinctive(secret) && scrubbed.find(secret) != std::string::npos) std::abort();
  return 0;
}
