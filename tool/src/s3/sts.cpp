#include "s3/sts.h"

#include <fmt/format.h>

#include <pugixml.hpp>

#include "digest/digest.h"
#include "s3/credential_json.h"
#include "s3/sigv4.h"

namespace xship::sts {

namespace {

constexpr const char* kFormType = "application/x-www-form-urlencoded; charset=utf-8";

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) out += (out.empty() ? "" : "&") + k + "=" + sigv4::uri_encode(v, false);
  return out;
}

std::string host_of(const std::string& endpoint) { return endpoint.substr(endpoint.find("://") + 3); }

}  // namespace

net::HttpRequest Request::http() const {
  net::HttpRequest r;
  r.method = net::HttpMethod::Post;
  r.url = url;
  r.headers = headers;
  r.body = body;
  return r;
}

Request assume_role(const AssumeRoleSpec& role, const std::string& session_name, const Credentials& with,
                    const std::string& endpoint, const std::string& region, TimePoint now) {
  std::vector<std::pair<std::string, std::string>> fields = {{"Action", "AssumeRole"},
                                                             {"Version", "2011-06-15"},
                                                             {"RoleArn", role.role_arn},
                                                             {"RoleSessionName", session_name}};
  if (role.duration_seconds) fields.push_back({"DurationSeconds", std::to_string(role.duration_seconds)});
  if (!role.external_id.empty()) fields.push_back({"ExternalId", role.external_id});
  Request r;
  r.url = endpoint + "/";
  r.body = form(fields);
  sigv4::SignableRequest sr;
  sr.method = "POST";
  sr.path = "/";
  sr.headers = {{"host", host_of(endpoint)}, {"content-type", kFormType}};
  sr.payload_hash = digest::sha256_hex(r.body);
  r.headers.push_back({"content-type", kFormType});
  for (const auto& h : sigv4::sign(sr, with, now, {region, "sts"})) r.headers.push_back({h.name, h.value});
  return r;
}

Request assume_role_with_web_identity(const std::string& role_arn, const std::string& session_name,
                                      const std::string& token, const std::string& endpoint) {
  Request r;
  r.url = endpoint + "/";
  r.body = form({{"Action", "AssumeRoleWithWebIdentity"},
                 {"Version", "2011-06-15"},
                 {"RoleArn", role_arn},
                 {"RoleSessionName", session_name},
                 {"WebIdentityToken", token}});
  r.headers.push_back({"content-type", kFormType});
  return r;
}

Result<Credentials> parse_reply(long status, std::string_view body, const std::string& source, TimePoint now,
                                const std::vector<std::string>& secrets) {
  if (body.size() > kMaxCredentialReply)
    return credentials_error(
        fmt::format("{}: STS's reply is over {} KiB: check the STS endpoint", source, kMaxCredentialReply / 1024));
  pugi::xml_document doc;
  const bool parsed = !body.empty() && doc.load_buffer(body.data(), body.size());
  if (status < 200 || status >= 300) {
    pugi::xml_node err = doc.child("ErrorResponse").child("Error");
    if (!err) err = doc.child("Error");
    std::string code = scrub(err.child_value("Code"), secrets, 60);
    std::string message = scrub(err.child_value("Message"), secrets);
    std::string fix = status == 403 || code == "AccessDenied" ? "check the role's trust policy and the role ARN"
                      : code == "InvalidIdentityToken" || code == "ExpiredTokenException" || code == "IDPRejectedClaim"
                          ? "check the identity provider's token, its audience and the role's trust policy"
                          : "check the role and the STS endpoint";
    return credentials_error(fmt::format("{}: STS refused (HTTP {}{}{}{}): {}", source, status, code.empty() ? "" : " ",
                                         code, message.empty() ? "" : ": " + message, fix));
  }
  pugi::xml_node creds;
  for (pugi::xml_node response : doc.children())
    for (pugi::xml_node result : response.children())
      if (result.child("Credentials")) creds = result.child("Credentials");
  if (!parsed || !creds)
    return credentials_error(source +
                             ": STS's reply has no <Credentials>: check the STS endpoint (AWS_ENDPOINT_URL_STS)");
  Credentials c;
  c.source = source;
  c.access_key = creds.child_value("AccessKeyId");
  c.secret_key = creds.child_value("SecretAccessKey");
  c.session_token = creds.child_value("SessionToken");
  XSHIP_TRY(check_credential_text(c, source));
  if (c.session_token.empty()) return credentials_error(source + ": STS's reply has no SessionToken");
  std::string exp = creds.child_value("Expiration");
  c.expiration = parse_iso8601(exp);
  if (!c.expiration) return credentials_error(source + ": STS's reply has no valid Expiration");
  XSHIP_TRY(check_expiration(*c.expiration, now, source));
  return c;
}

}  // namespace xship::sts
