#include "s3/credential_json.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/json_fields.h"
#include "core/terminal.h"
#include "core/utc_time.h"

namespace xship {

namespace {

using nlohmann::json;

bool printable_ascii_no_space(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Two to four digits at `s[pos]`, advancing `pos`; -1 when not digits.
int digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || (s[pos] != c && std::tolower(static_cast<unsigned char>(s[pos])) != c)) return false;
  ++pos;
  return true;
}

// A string field, or "" when absent; an error when present but not a string.
Result<std::string> string_field(const json& doc, const char* name, const std::string& source) {
  auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return std::string();
  if (!it->is_string()) return credentials_error(fmt::format("{}: the field {} is not a string", source, name));
  return it->get<std::string>();
}

}  // namespace

std::optional<TimePoint> parse_iso8601(std::string_view s) {
  // Hand-written: std::chrono::parse is not in g++ 12, and strptime ignores offsets.
  std::size_t pos = 0;
  std::tm tm{};
  int year = digits(s, pos, 4);
  // Past kLastReadableYear the clock overflows (found by the credential_json fuzzer:
  // "4050-01-01T01:00:00Z").
  if (year < 1970 || year > kLastReadableYear || !expect(s, pos, '-')) return std::nullopt;
  int mon = digits(s, pos, 2), day = -1, hour = -1, min = -1, sec = -1;
  if (mon < 1 || mon > 12 || !expect(s, pos, '-')) return std::nullopt;
  day = digits(s, pos, 2);
  if (day < 1 || day > 31 || !expect(s, pos, 't')) return std::nullopt;
  hour = digits(s, pos, 2);
  if (hour < 0 || hour > 23 || !expect(s, pos, ':')) return std::nullopt;
  min = digits(s, pos, 2);
  if (min < 0 || min > 59 || !expect(s, pos, ':')) return std::nullopt;
  sec = digits(s, pos, 2);
  if (sec < 0 || sec > 60) return std::nullopt;
  if (pos < s.size() && s[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])) && pos - start < 9) ++pos;
    if (pos == start) return std::nullopt;
  }
  long offset = 0;
  if (expect(s, pos, 'z')) {
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos++] == '-' ? -1 : 1;
    int oh = digits(s, pos, 2);
    if (oh < 0 || oh > 23 || !expect(s, pos, ':')) return std::nullopt;
    int om = digits(s, pos, 2);
    if (om < 0 || om > 59) return std::nullopt;
    offset = sign * (oh * 3600L + om * 60L);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t - offset);
}

std::string format_iso8601(TimePoint t) { return format_utc(t, "%Y-%m-%dT%H:%M:%SZ"); }

Status check_expiration(TimePoint expiration, TimePoint now, const std::string& source) {
  if (expiration <= now)
    return credentials_error(
        fmt::format("{}: the credentials expired at {} (it is {} here): check this machine's clock, "
                    "or the source's",
                    source, format_iso8601(expiration), format_iso8601(now)));
  if (expiration - now > std::chrono::hours(24 * 7))
    return credentials_error(
        fmt::format("{}: the credentials expire at {}, more than a week from now ({}): check this "
                    "machine's clock, or the source's",
                    source, format_iso8601(expiration), format_iso8601(now)));
  return ok_status();
}

Status check_credential_text(const Credentials& c, const std::string& source) {
  auto bad = [&](const char* what, const char* rule) {
    return credentials_error(fmt::format("{}: the {} is not {}: the source is broken", source, what, rule));
  };
  if (c.access_key.empty() || c.access_key.size() > 128 ||
      !std::all_of(c.access_key.begin(), c.access_key.end(),
                   [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)); }))
    return bad("access key id", "1 to 128 letters and digits");
  if (c.secret_key.empty() || c.secret_key.size() > 1024 || !printable_ascii_no_space(c.secret_key))
    return bad("secret access key", "1 to 1024 printable characters");
  if (c.session_token.size() > kMaxTokenBytes || !printable_ascii_no_space(c.session_token))
    return bad("session token", "up to 16 KiB of printable characters");
  return ok_status();
}

Result<Credentials> parse_credentials_json(std::string_view text, CredentialJson shape, const std::string& source,
                                           TimePoint now) {
  if (text.size() > kMaxCredentialReply)
    return credentials_error(
        fmt::format("{}: the reply is over {} KiB: the source is broken", source, kMaxCredentialReply / 1024));
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return credentials_error(fmt::format("{}: the reply is not a JSON object{}", source,
                                         shape == CredentialJson::Process ? ": the program must print the credentials "
                                                                            "as JSON (Version 1) on stdout"
                                                                          : ""));
  if (shape == CredentialJson::Process) {
    if (json_integer<int>(doc, "Version") != 1)
      return credentials_error(source + ": the JSON has no \"Version\": 1: only version 1 is understood");
  }
  if (shape == CredentialJson::Imds) {
    auto code = string_field(doc, "Code", source);
    if (!code) return code.error();
    if (!code->empty() && *code != "Success")
      return credentials_error(
          fmt::format("{}: the instance metadata service answered code '{}': check the instance's "
                      "IAM role",
                      source, printable(*code, 40)));
  }
  Credentials c;
  c.source = source;
  const char* token_name = shape == CredentialJson::Process ? "SessionToken" : "Token";
  for (auto [field, name] : {std::pair{&c.access_key, "AccessKeyId"}, std::pair{&c.secret_key, "SecretAccessKey"},
                             std::pair{&c.session_token, token_name}}) {
    auto v = string_field(doc, name, source);
    if (!v) return v.error();
    *field = std::move(*v);
  }
  if (c.access_key.empty() || c.secret_key.empty())
    return credentials_error(source + ": the reply lacks AccessKeyId or SecretAccessKey");
  if (shape != CredentialJson::Process && c.session_token.empty())
    return credentials_error(source + ": the reply lacks the session Token");
  XSHIP_TRY(check_credential_text(c, source));
  auto exp = string_field(doc, "Expiration", source);
  if (!exp) return exp.error();
  if (exp->empty()) {
    if (shape != CredentialJson::Process) return credentials_error(source + ": the reply lacks Expiration");
    return c;
  }
  c.expiration = parse_iso8601(*exp);
  if (!c.expiration)
    return credentials_error(fmt::format("{}: Expiration '{}' is not an ISO 8601 time such as 2024-05-01T12:00:00Z",
                                         source, printable(*exp, 40)));
  XSHIP_TRY(check_expiration(*c.expiration, now, source));
  return c;
}

Result<std::string> read_token_file(const std::string& path, const std::string& what) {
  struct stat st {};
  const bool found = stat(path.c_str(), &st) == 0;
  if (!found || !S_ISREG(st.st_mode))
    return credentials_error(fmt::format("{} '{}' cannot be read ({}): check the path", what, printable(path, 200),
                                         found ? "not a regular file" : std::strerror(errno)));
  if (static_cast<std::uint64_t>(st.st_size) > kMaxTokenBytes)
    return credentials_error(
        fmt::format("{} '{}' is over {} KiB: it is not a token", what, printable(path, 200), kMaxTokenBytes / 1024));
  std::ifstream in(path, std::ios::binary);
  std::string text(kMaxTokenBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad())
    return credentials_error(fmt::format("{} '{}' cannot be read: check its permissions", what, printable(path, 200)));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::size_t b = 0;
  while (b < text.size() && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  text.erase(0, b);
  if (text.empty() || text.size() > kMaxTokenBytes || !printable_ascii_no_space(text))
    return credentials_error(
        fmt::format("{} '{}' does not hold one token of printable characters", what, printable(path, 200)));
  return text;
}

Result<std::string> parse_github_token(std::string_view body) {
  const std::string source = "GitHub Actions ID token";
  if (body.size() > kMaxCredentialReply) return credentials_error(source + ": the reply is over 64 KiB");
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return credentials_error(source + ": the reply is not a JSON object");
  auto v = string_field(doc, "value", source);
  if (!v) return v.error();
  if (v->empty() || v->size() > kMaxTokenBytes || !printable_ascii_no_space(*v))
    return credentials_error(source + ": the reply has no token in \"value\"");
  return *v;
}

std::string scrub(std::string_view text, const std::vector<std::string>& secrets, std::size_t max_bytes) {
  std::string out(text.substr(0, std::min(text.size(), kMaxCredentialReply)));
  for (const auto& s : secrets) {
    if (s.size() < 4) continue;  // too short to be a secret, and would mangle the text
    for (std::size_t at = out.find(s); at != std::string::npos; at = out.find(s, at + 10))
      out.replace(at, s.size(), "[REDACTED]");
  }
  return printable(out, max_bytes);
}

}  // namespace xship
