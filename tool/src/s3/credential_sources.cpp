#include "s3/credential_sources.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/terminal.h"
#include "s3/location.h"

namespace xship {

std::string env_value(const EnvLookup& env, const std::string& name) {
  auto v = env(name);
  return v ? *v : std::string();
}

namespace {

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool all_of(std::string_view s, auto pred) {
  return std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); });
}

// A value that goes into a header or a form field: printable ASCII, no spaces.
bool is_token_text(std::string_view s) {
  return all_of(s, [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

// A key and secret from one source: both, neither (nullopt), or an error naming the
// source and the missing half. Only names go into messages, never values.
Result<std::optional<Credentials>> pair_of(const std::string& key, const std::string& secret, const std::string& token,
                                           const std::string& key_name, const std::string& secret_name,
                                           const std::string& source, const std::string& context) {
  if (key.empty() && secret.empty()) return std::optional<Credentials>{};
  const bool no_secret = secret.empty();
  if (no_secret || key.empty())
    return credentials_error((no_secret ? key_name : secret_name) + " is set but " +
                             (no_secret ? secret_name : key_name) + " is not" + context + ": set both, or neither");
  return std::optional<Credentials>{Credentials{key, secret, token, source, std::nullopt}};
}

// STS's pattern for role session names: [\w+=,.@-]{2,64}.
bool valid_session_name(std::string_view s) {
  return s.size() >= 2 && s.size() <= 64 && all_of(s, [](unsigned char c) {
           return std::isalnum(c) || std::string_view("_+=,.@-").find(static_cast<char>(c)) != std::string_view::npos;
         });
}

Result<std::string> checked_role_arn(const std::string& arn, const std::string& where) {
  if (arn.rfind("arn:", 0) != 0 || arn.size() > 2048 || !is_token_text(arn))
    return credentials_error(fmt::format(
        "role ARN '{}' in {} is not an ARN: write it as arn:aws:iam::ACCOUNT:role/NAME", printable(arn, 100), where));
  return arn;
}

Result<std::string> checked_session_name(const std::string& name, const std::string& where) {
  if (!name.empty() && !valid_session_name(name))
    return credentials_error(
        fmt::format("role session name '{}' in {} is not valid: use 2 to 64 letters, digits "
                    "and _+=,.@-",
                    printable(name, 80), where));
  return name;
}

// A role ARN and its optional session name, both checked, into `arn` and `session`.
Status checked_role(const std::string& role_arn, const std::string& session_name, const std::string& arn_where,
                    const std::string& session_where, std::string& arn, std::string& session) {
  auto a = checked_role_arn(role_arn, arn_where);
  if (!a) return a.error();
  auto n = checked_session_name(session_name, session_where);
  if (!n) return n.error();
  arn = *a;
  session = *n;
  return ok_status();
}

// scheme://host[:port] of an http(s) URL without a path (a trailing '/' is dropped).
Result<std::string> endpoint_base(const std::string& url, const std::string& what) {
  auto ep = parse_endpoint(url, "");
  if (!ep) return credentials_error(what + ": " + ep.error().message);
  return ep->scheme + "://" + ep->host + (ep->port ? ":" + std::to_string(ep->port) : "");
}

bool is_loopback_v4(std::string_view host) {
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.')
      ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  }
  return dots == 3;
}

// A URL whose requests carry a secret: https, or http to this machine (or the ECS/EKS
// link-local address), as the AWS SDKs allow.
Status secure_or_local(const std::string& url, const std::string& variable) {
  const std::size_t sep = url.find("://");
  const std::size_t path = sep == std::string::npos ? std::string::npos : url.find_first_of("/?#", sep + 3);
  auto ep = parse_endpoint(url.substr(0, path), "");
  if (!ep || !is_token_text(url)) return credentials_error(variable + " is not an http(s)://host[:port]/path URL");
  if (ep->scheme != "https" && !container_host_allowed(ep->host))
    return credentials_error(
        fmt::format("{} names host '{}' over http: use https, or a loopback or the ECS/EKS "
                    "link-local address",
                    variable, printable(ep->host, 80)));
  return ok_status();
}

}  // namespace

Result<std::optional<Credentials>> aws_env_credentials(const EnvLookup& env) {
  return pair_of(env_value(env, "AWS_ACCESS_KEY_ID"), env_value(env, "AWS_SECRET_ACCESS_KEY"),
                 env_value(env, "AWS_SESSION_TOKEN"), "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                 "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", "");
}

Result<std::optional<Credentials>> profile_keys(const IniSection* section, const std::string& where) {
  return pair_of(section_value(section, "aws_access_key_id"), section_value(section, "aws_secret_access_key"),
                 section_value(section, "aws_session_token"), "aws_access_key_id", "aws_secret_access_key", where,
                 " in " + where);
}

Result<AssumeRoleSpec> role_spec(const ProfileSettings& p) {
  const std::string where = "profile '" + p.name + "'";
  AssumeRoleSpec s;
  s.profile = p.name;
  XSHIP_TRY(checked_role(p.get("role_arn"), p.get("role_session_name"), where, where, s.role_arn, s.session_name));
  s.external_id = p.get("external_id");
  if (!s.external_id.empty() &&
      (s.external_id.size() < 2 || s.external_id.size() > 1224 || !all_of(s.external_id, [](unsigned char c) {
         return std::isalnum(c) || std::string_view("_+=,.@:/-").find(static_cast<char>(c)) != std::string_view::npos;
       })))
    return credentials_error("external_id in " + where + " is not valid: use 2 to 1224 letters, digits and _+=,.@:/-");
  if (std::string d = p.get("duration_seconds"); !d.empty()) {
    long v = 0;
    bool digits = d.size() <= 6 && all_of(d, [](unsigned char c) { return std::isdigit(c); });
    if (digits) v = std::stol(d);
    if (!digits || v < 1 || v > 43200)
      return credentials_error(
          fmt::format("duration_seconds '{}' in {} is not a number of seconds up to 43200 "
                      "(12 hours; AWS accepts 900 and more)",
                      printable(d, 20), where));
    s.duration_seconds = static_cast<int>(v);
  }
  return s;
}

Result<std::optional<WebIdentitySpec>> web_identity_from_env(const EnvLookup& env, const std::string& audience,
                                                             std::string& hint) {
  const std::string role = env_value(env, "AWS_ROLE_ARN");
  const std::string file = env_value(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  const std::string gh_url = env_value(env, "ACTIONS_ID_TOKEN_REQUEST_URL");
  const std::string gh_token = env_value(env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN");
  if (role.empty()) {
    if (!file.empty())
      return credentials_error(
          "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: set the ARN of the role to assume");
    return std::optional<WebIdentitySpec>{};
  }
  WebIdentitySpec s;
  XSHIP_TRY(checked_role(role, env_value(env, "AWS_ROLE_SESSION_NAME"), "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
                         s.role_arn, s.session_name));
  if (!file.empty()) {
    s.token_file = file;
    s.where = "AWS_WEB_IDENTITY_TOKEN_FILE";
    return std::optional(s);
  }
  if (gh_url.empty()) {
    hint =
        "AWS_ROLE_ARN is set without AWS_WEB_IDENTITY_TOKEN_FILE or ACTIONS_ID_TOKEN_REQUEST_URL (in GitHub Actions, "
        "give the job 'permissions: id-token: write')";
    return std::optional<WebIdentitySpec>{};
  }
  if (gh_token.empty())
    return credentials_error(
        "ACTIONS_ID_TOKEN_REQUEST_URL is set but ACTIONS_ID_TOKEN_REQUEST_TOKEN is not: run inside "
        "a GitHub Actions job with 'permissions: id-token: write'");
  // The request token is a bearer secret: it only goes over TLS, or to this machine.
  XSHIP_TRY(secure_or_local(gh_url, "ACTIONS_ID_TOKEN_REQUEST_URL"));
  if (audience.empty() || audience.size() > 256 || !is_token_text(audience))
    return credentials_error("--oidc-audience must be 1 to 256 printable characters without spaces");
  s.github_request_url = gh_url;
  s.github_request_token = gh_token;
  s.audience = audience;
  s.where = "GitHub Actions OIDC";
  return std::optional(s);
}

Result<std::optional<WebIdentitySpec>> web_identity_from_profile(const ProfileSettings& p) {
  const std::string file = p.get("web_identity_token_file");
  if (file.empty()) return std::optional<WebIdentitySpec>{};
  const std::string where = "profile '" + p.name + "'";
  if (!p.has("role_arn"))
    return credentials_error("web_identity_token_file is set in " + where + " but role_arn is not: add the role's ARN");
  WebIdentitySpec s;
  XSHIP_TRY(checked_role(p.get("role_arn"), p.get("role_session_name"), where, where, s.role_arn, s.session_name));
  s.token_file = file;
  s.where = where;
  return std::optional(s);
}

bool container_host_allowed(const std::string& host) {
  return is_loopback_v4(host) || host == "localhost" || host == "[::1]" || host == "169.254.170.2" ||
         host == "169.254.170.23" || host == "[fd00:ec2::23]";
}

Result<std::optional<ContainerSpec>> container_spec(const EnvLookup& env) {
  ContainerSpec s;
  if (std::string rel = env_value(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); !rel.empty()) {
    if (rel.front() != '/' || !is_token_text(rel))
      return credentials_error("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path starting with '/'");
    s.url = "http://169.254.170.2" + rel;
    s.variable = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
  } else if (std::string full = env_value(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI"); !full.empty()) {
    XSHIP_TRY(secure_or_local(full, "AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    s.url = full;
    s.variable = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
  } else {
    return std::optional<ContainerSpec>{};
  }
  s.auth_token_file = env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  if (s.auth_token_file.empty()) s.auth_token = env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (!all_of(s.auth_token, [](unsigned char c) { return c >= 0x20 && c < 0x7f; }))
    return credentials_error("AWS_CONTAINER_AUTHORIZATION_TOKEN holds a control character: set it to the token alone");
  return std::optional(s);
}

bool imds_disabled(const EnvLookup& env) {
  return equals_ignore_case(env_value(env, "AWS_EC2_METADATA_DISABLED"), "true");
}

Result<ImdsSpec> imds_spec(const EnvLookup& env, const ProfileSettings& p) {
  ImdsSpec s;
  std::string endpoint = env_value(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
  std::string what = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
  if (endpoint.empty()) {
    endpoint = p.get("ec2_metadata_service_endpoint");
    what = "ec2_metadata_service_endpoint in profile '" + p.name + "'";
  }
  std::string mode = env_value(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
  if (mode.empty()) mode = p.get("ec2_metadata_service_endpoint_mode");
  if (!endpoint.empty()) {
    auto base = endpoint_base(endpoint, what);
    if (!base) return base.error();
    s.endpoint = *base;
  } else if (equals_ignore_case(mode, "ipv6")) {
    s.endpoint = "http://[fd00:ec2::254]";
  } else if (!mode.empty() && !equals_ignore_case(mode, "ipv4")) {
    return credentials_error("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6");
  }
  std::string v1 = env_value(env, "AWS_EC2_METADATA_V1_DISABLED");
  if (v1.empty()) v1 = p.get("ec2_metadata_v1_disabled");
  s.allow_v1 = equals_ignore_case(v1, "false");
  auto number = [&](const char* name, long lo, long hi, long fallback) -> Result<long> {
    std::string v = env_value(env, name);
    if (v.empty()) return fallback;
    if (v.size() > 4 || !all_of(v, [](unsigned char c) { return std::isdigit(c); }) || std::stol(v) < lo ||
        std::stol(v) > hi)
      return credentials_error(fmt::format("{} must be a whole number from {} to {}", name, lo, hi));
    return std::stol(v);
  };
  auto timeout = number("AWS_METADATA_SERVICE_TIMEOUT", 1, 60, 1);
  if (!timeout) return timeout.error();
  auto attempts = number("AWS_METADATA_SERVICE_NUM_ATTEMPTS", 1, 10, 2);
  if (!attempts) return attempts.error();
  s.timeout_seconds = *timeout;
  s.attempts = static_cast<int>(*attempts);
  return s;
}

}  // namespace xship
