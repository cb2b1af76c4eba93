// STS's query API for the two calls xship makes: AssumeRole (SigV4-signed with the
// credentials it starts from) and AssumeRoleWithWebIdentity (unsigned: the token is the
// proof). Pure: a request description goes out, a reply's bytes come in.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "net/http.h"
#include "s3/credentials.h"

namespace xship::sts {

// A request that owns its body (net::HttpRequest only views one).
struct Request {
  std::string url;
  std::vector<net::HttpHeader> headers;
  std::string body;
  net::HttpRequest http() const;
};

// POST form bodies, as the SDKs send them (RGW's STS takes no other form).
Request assume_role(const AssumeRoleSpec& role, const std::string& session_name, const Credentials& with,
                    const std::string& endpoint, const std::string& region, TimePoint now);
Request assume_role_with_web_identity(const std::string& role_arn, const std::string& session_name,
                                      const std::string& token, const std::string& endpoint);

// The <Credentials> of either reply, checked (text, expiration), or a one-line Credentials
// error with STS's code and message (`secrets` replaced, never shown).
Result<Credentials> parse_reply(long status, std::string_view body, const std::string& source, TimePoint now,
                                const std::vector<std::string>& secrets);

}  // namespace xship::sts
