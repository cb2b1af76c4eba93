#include "s3/metadata_credentials.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/terminal.h"
#include "s3/credential_json.h"

namespace xship {

namespace {

// The SDKs' figures: metadata answers fast or not at all, and a laptop must not wait.
net::Timeouts short_timeouts(long seconds) {
  net::Timeouts t;
  t.connect_seconds = seconds;
  t.stall_seconds = seconds;
  t.deadline_seconds = seconds;
  return t;
}

constexpr const char* kTokenTtlHeader = "x-aws-ec2-metadata-token-ttl-seconds";
constexpr const char* kTokenHeader = "x-aws-ec2-metadata-token";
constexpr const char* kRolesPath = "/latest/meta-data/iam/security-credentials/";

// IAM role names: [\w+=,.@-]{1,64}.
bool valid_role_name(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_+=,.@-").find(c) != std::string_view::npos;
  });
}

}  // namespace

Result<Credentials> fetch_container_credentials(const ContainerSpec& spec, const CredentialIo& io) {
  const std::string source = "container credentials (" + spec.variable + ")";
  std::string token = spec.auth_token;
  if (!spec.auth_token_file.empty()) {  // read at every fetch: EKS rotates it
    auto t = read_token_file(spec.auth_token_file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    if (!t) return t.error();
    token = *t;
  }
  net::HttpRequest req;
  req.url = spec.url;
  if (!token.empty()) req.headers.push_back({"authorization", token});
  auto reply = send_credential_request(io, req, short_timeouts(2), 3);
  if (!reply.reached)
    return credentials_error(
        fmt::format("{}: {} is not reachable ({}): is this running in the container the "
                    "variable was set for?",
                    source, spec.variable, printable(reply.failure, 200)));
  if (reply.response.status != 200)
    return credentials_error(fmt::format(
        "{}: the endpoint answered HTTP {}: check the task role or pod identity "
        "association{}",
        source, reply.response.status,
        reply.response.status == 401 || reply.response.status == 403 ? " and AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)"
                                                                     : ""));
  return parse_credentials_json(reply.response.body, CredentialJson::Container, source, io.now());
}

Result<std::optional<Credentials>> fetch_imds_credentials(const ImdsSpec& spec, const CredentialIo& io,
                                                          std::string& why) {
  const auto timeouts = short_timeouts(spec.timeout_seconds);
  const std::string where = "EC2 instance metadata at " + spec.endpoint;
  std::string token;
  net::HttpRequest put;
  put.method = net::HttpMethod::Put;
  put.url = spec.endpoint + "/latest/api/token";
  put.headers = {{kTokenTtlHeader, "21600"}};  // six hours, the most IMDS grants
  auto reply = send_credential_request(io, put, timeouts, spec.attempts);
  if (reply.reached && reply.response.status == 200) {
    token = reply.response.body;
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
    if (token.empty() || token.size() > 4096 ||
        !std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; }))
      return credentials_error(where + ": the session token it sent is not printable text of at most 4 KiB");
  } else if (!spec.allow_v1 || (reply.reached && reply.response.status == 403)) {
    // 403: IMDS is turned off for this instance. Anything else: not EC2, or IMDSv2 blocked.
    why = reply.reached ? fmt::format("{} (its token request answered HTTP {})", where, reply.response.status)
                        : fmt::format("{} (not reachable: {})", where, printable(reply.failure, 120));
    return std::optional<Credentials>{};
  }
  const std::string version = token.empty() ? "IMDSv1" : "IMDSv2";
  auto get = [&](const std::string& path) {
    net::HttpRequest req;
    req.url = spec.endpoint + path;
    if (!token.empty()) req.headers.push_back({kTokenHeader, token});
    return send_credential_request(io, req, timeouts, spec.attempts);
  };
  reply = get(kRolesPath);
  if (!reply.reached || reply.response.status != 200) {
    why = reply.reached && reply.response.status == 404
              ? where + " (the instance has no IAM role: attach an instance profile)"
          : reply.reached ? fmt::format("{} (the role list answered HTTP {})", where, reply.response.status)
                          : fmt::format("{} (not reachable: {})", where, printable(reply.failure, 120));
    return std::optional<Credentials>{};
  }
  std::string_view roles = reply.response.body;
  std::string role(roles.substr(0, roles.find_first_of("\r\n")));
  if (!valid_role_name(role))
    return credentials_error(
        fmt::format("{}: the role name '{}' it sent is not an IAM role name", where, printable(role, 80)));
  reply = get(kRolesPath + role);
  if (!reply.reached || reply.response.status != 200)
    return credentials_error(reply.reached ? fmt::format("{}: the credentials of role {} answered HTTP {}", where, role,
                                                         reply.response.status)
                                           : fmt::format("{}: the credentials of role {} did not come ({})", where,
                                                         role, printable(reply.failure, 120)));
  auto creds = parse_credentials_json(reply.response.body, CredentialJson::Imds,
                                      fmt::format("{} ({}, role {})", where, version, role), io.now());
  if (!creds) return creds.error();
  return std::optional(std::move(*creds));
}

}  // namespace xship
