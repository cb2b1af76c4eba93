#include "s3/credential_fetch.h"

#include <fmt/format.h>

#include <thread>

#include "core/terminal.h"
#include "process/process.h"
#include "s3/credential_json.h"
#include "s3/metadata_credentials.h"
#include "s3/sigv4.h"
#include "s3/sts.h"

namespace xship {

namespace {

// STS and GitHub answer within seconds; the SDKs retry them a few times.
net::Timeouts service_timeouts() {
  net::Timeouts t;
  t.connect_seconds = 5;
  t.stall_seconds = 15;
  t.deadline_seconds = 30;
  return t;
}
constexpr int kServiceAttempts = 3;
// credential_process may wait for a person (an MFA prompt on the terminal), but not forever.
constexpr auto kProcessTimeout = std::chrono::minutes(5);

std::string url_without_query(const std::string& url) { return url.substr(0, url.find_first_of("?#")); }

std::string default_session_name(const CredentialIo& io) {
  return fmt::format("xship-{}", std::chrono::duration_cast<std::chrono::seconds>(io.now().time_since_epoch()).count());
}

Result<Credentials> run_credential_process(const ProcessSpec& spec, const CredentialIo& io) {
  const std::string source = "credential_process of profile '" + printable(spec.profile, 80) + "'";
  // The command is never shown: it may carry a secret of its own.
  auto argv = process::split_words(spec.command);
  if (!argv || argv->empty())
    return credentials_error(source + " is empty or has an unclosed quote: fix the command in the profile");
  process::Command cmd;
  cmd.argv = std::move(*argv);
  cmd.stderr_to_parent = true;  // its prompts and messages are the user's to see
  cmd.max_output_bytes = kMaxCredentialReply;
  cmd.timeout = kProcessTimeout;
  if (io.cancel) cmd.should_stop = [c = io.cancel] { return c->load(); };
  if (io.debug_log) io.debug_log("credentials: running " + source);
  auto out = process::run(cmd);
  if (!out) return credentials_error(source + ": " + out.error().message);
  if (!out->success())
    return credentials_error(
        fmt::format("{} failed ({}): its messages, if any, are above; fix the command or what "
                    "it needs (a login, a token)",
                    source, out->describe()));
  if (out->output_cut) return credentials_error(source + " printed over 64 KiB: it must print one JSON document");
  return parse_credentials_json(out->output, CredentialJson::Process, source, io.now());
}

bool retryable(const CredentialReply& r) { return !r.reached || r.response.status == 429 || r.response.status >= 500; }

Result<std::string> github_token(const WebIdentitySpec& spec, const CredentialIo& io) {
  net::HttpRequest req;
  req.url = spec.github_request_url + (spec.github_request_url.find('?') == std::string::npos ? "?" : "&") +
            "audience=" + sigv4::uri_encode(spec.audience, false);
  req.headers = {{"authorization", "bearer " + spec.github_request_token}, {"accept", "application/json"}};
  auto reply = send_credential_request(io, req, service_timeouts(), kServiceAttempts);
  if (!reply.reached)
    return credentials_error("GitHub Actions ID token: ACTIONS_ID_TOKEN_REQUEST_URL is not reachable (" +
                             printable(reply.failure, 120) + ")");
  if (reply.response.status != 200)
    return credentials_error(
        fmt::format("GitHub Actions ID token: the request answered HTTP {}: give the job "
                    "'permissions: id-token: write'",
                    reply.response.status));
  return parse_github_token(reply.response.body);
}

// One STS call: retried while STS is busy or unreachable, then its reply parsed.
Result<Credentials> call_sts(const sts::Request& req, const std::string& source, const CredentialIo& io,
                             const std::vector<std::string>& secrets) {
  if (io.debug_log) io.debug_log("credentials: " + source);
  auto reply = send_credential_request(io, req.http(), service_timeouts(), kServiceAttempts);
  if (!reply.reached)
    return credentials_error(
        fmt::format("{}: STS at {} is not reachable ({}): check AWS_ENDPOINT_URL_STS and the "
                    "network",
                    source, url_without_query(req.url), printable(reply.failure, 120)));
  return sts::parse_reply(reply.response.status, reply.response.body, source, io.now(), secrets);
}

Result<Credentials> web_identity(const WebIdentitySpec& spec, const CredentialPlan& plan, const CredentialIo& io) {
  std::string token;
  if (spec.token_file.empty()) {
    auto t = github_token(spec, io);
    if (!t) return t.error();
    token = *t;
  } else {  // read at every fetch: Kubernetes rotates it
    auto t = read_token_file(spec.token_file, "web identity token file");
    if (!t) return t.error();
    token = *t;
  }
  const std::string session = spec.session_name.empty() ? default_session_name(io) : spec.session_name;
  return call_sts(sts::assume_role_with_web_identity(spec.role_arn, session, token, plan.sts_endpoint),
                  fmt::format("AssumeRoleWithWebIdentity {} ({})", printable(spec.role_arn, 200), spec.where), io,
                  {token, spec.github_request_token});
}

Result<Credentials> fetch_base(const CredentialPlan& plan, const CredentialIo& io) {
  if (auto* c = std::get_if<Credentials>(&plan.base)) return *c;
  if (auto* p = std::get_if<ProcessSpec>(&plan.base)) return run_credential_process(*p, io);
  if (auto* w = std::get_if<WebIdentitySpec>(&plan.base)) return web_identity(*w, plan, io);
  if (auto* c = std::get_if<ContainerSpec>(&plan.base)) return fetch_container_credentials(*c, io);
  std::string why;
  auto imds = fetch_imds_credentials(std::get<ImdsSpec>(plan.base), io, why);
  if (!imds) return imds.error();
  if (*imds) return **imds;
  if (!plan.roles.empty())  // credential_source = Ec2InstanceMetadata named it explicitly
    return credentials_error("credential_source Ec2InstanceMetadata of profile '" + plan.roles.front().profile +
                             "': no credentials from " + why);
  auto tried = plan.tried;
  tried.push_back(why);
  return no_credentials_error(tried, plan.fix);
}

}  // namespace

CredentialReply send_credential_request(const CredentialIo& io, const net::HttpRequest& req,
                                        const net::Timeouts& timeouts, int attempts) {
  CredentialReply reply;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
    if (io.debug_log)
      io.debug_log(fmt::format("credentials: > {} {}", net::method_name(req.method), url_without_query(req.url)));
    auto out = io.http(req, timeouts);
    reply.reached = out.transport_ok;
    reply.response = std::move(out.response);
    reply.failure = out.failure.message;
    if (io.debug_log)
      io.debug_log(reply.reached ? fmt::format("credentials: < {}", reply.response.status)
                                 : "credentials: < transport failure: " + printable(reply.failure, 200));
    if (!retryable(reply) || out.failure.cancelled || out.failure.tls) break;
  }
  return reply;
}

Result<Credentials> fetch_credentials(const CredentialPlan& plan, const CredentialIo& io) {
  auto creds = fetch_base(plan, io);
  if (!creds) return creds.error();
  for (const auto& role : plan.roles) {
    const std::string source =
        fmt::format("AssumeRole {} (profile '{}')", printable(role.role_arn, 200), printable(role.profile, 80));
    const std::string session = role.session_name.empty() ? default_session_name(io) : role.session_name;
    auto next = call_sts(sts::assume_role(role, session, *creds, plan.sts_endpoint, plan.sts_region, io.now()), source,
                         io, {creds->secret_key, creds->session_token});
    if (!next) return next.error();
    creds = std::move(next);
  }
  return creds;
}

CredentialIo system_credential_io(const net::TlsOptions& tls, const std::atomic<bool>* cancel,
                                  std::function<void(const std::string&)> debug_log) {
  CredentialIo io;
  io.http = [tls, cancel](const net::HttpRequest& req, const net::Timeouts& timeouts) {
    net::HttpClient client(tls, timeouts);  // credentials are fetched rarely: no pool
    net::HttpRequest r = req;
    r.cancel = cancel;
    return client.send(r);
  };
  io.now = [] { return std::chrono::system_clock::now(); };
  io.cancel = cancel;
  io.debug_log = std::move(debug_log);
  return io;
}

}  // namespace xship
