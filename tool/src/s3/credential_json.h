// Pure checks and parsers for what credential sources send back: the JSON documents of
// credential_process, container endpoints, instance metadata and GitHub's token service,
// ISO 8601 expirations, and token files. Every input is bounded and every field checked;
// errors are one line (category Credentials) and never carry a secret.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "s3/credentials.h"

namespace xship {

// Largest reply or file read from a credential source; larger is an error.
inline constexpr std::size_t kMaxCredentialReply = 64 * 1024;
// Longest web identity token or session token accepted (real ones are 1 to 4 KiB).
inline constexpr std::size_t kMaxTokenBytes = 16 * 1024;

enum class CredentialJson {
  Process,  // credential_process: Version 1, SessionToken, Expiration optional
  Container,  // ECS/EKS: Token, Expiration
  Imds,  // EC2: Code "Success", Token, Expiration
};

Result<Credentials> parse_credentials_json(std::string_view text, CredentialJson shape, const std::string& source,
                                           TimePoint now);

// "2024-05-01T12:00:00Z", with optional fractional seconds and a "+hh:mm"/"-hh:mm" offset.
std::optional<TimePoint> parse_iso8601(std::string_view text);
std::string format_iso8601(TimePoint t);

// An expiration in the past, or more than a week ahead (a wrong clock or a broken
// source), is refused.
Status check_expiration(TimePoint expiration, TimePoint now, const std::string& source);
// Keys and tokens go into headers: printable ASCII without spaces, bounded lengths.
Status check_credential_text(const Credentials& c, const std::string& source);

// A token from a file (web identity, container authorization): trimmed, bounded, printable.
Result<std::string> read_token_file(const std::string& path, const std::string& what);

// GitHub's ID token reply: {"value": "<JWT>"}.
Result<std::string> parse_github_token(std::string_view body);

// Server text made safe for a message: secrets replaced, control characters escaped, cut.
std::string scrub(std::string_view text, const std::vector<std::string>& secrets, std::size_t max_bytes = 200);

}  // namespace xship
