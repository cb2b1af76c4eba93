#include "cli/connection.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "core/cancel.h"
#include "core/env.h"
#include "core/terminal.h"
#include "net/http.h"
#include "s3/credential_fetch.h"

namespace xship::cli {

void add_connection_flags(CLI::App& app, ConnectionFlags& f) {
  auto* g = "S3 connection";
  app.add_option("--endpoint", f.creds.endpoint,
                 "S3-compatible endpoint URL, http(s)://host[:port] (default: AWS; env AWS_ENDPOINT_URL)")
      ->group(g);
  app.add_option("--region", f.creds.region,
                 "Region (env ARTIFACTS_REGION, AWS_REGION, AWS_DEFAULT_REGION; default us-east-1)")
      ->group(g);
  app.add_option("--profile", f.creds.profile, "Profile in ~/.aws/credentials and ~/.aws/config (env AWS_PROFILE)")
      ->group(g);
  app.add_option("--access-key", f.creds.access_key, "Access key id (env ARTIFACTS_KEY, AWS_ACCESS_KEY_ID)")->group(g);
  app.add_option("--secret-key", f.creds.secret_key, "Secret access key (env ARTIFACTS_SECRET, AWS_SECRET_ACCESS_KEY)")
      ->group(g);
  app.add_option("--session-token", f.creds.session_token, "Session token (env AWS_SESSION_TOKEN)")->group(g);
  app.add_option("--oidc-audience", f.creds.oidc_audience,
                 "Audience of the GitHub Actions ID token exchanged for AWS_ROLE_ARN's credentials")
      ->capture_default_str()
      ->group(g);
  app.add_flag("--path-style", f.path_style, "Force path-style addressing (default for custom endpoints)")->group(g);
  app.add_flag("--virtual-host", f.virtual_host, "Force virtual-hosted addressing (default for AWS)")->group(g);
  app.add_flag("--insecure", f.insecure, "Skip TLS certificate verification (prints a warning)")->group(g);
  app.add_option("--ca-bundle", f.ca_bundle, "Trust this CA file for TLS")->check(CLI::ExistingFile)->group(g);
  app.add_option("--retries", f.retries, "Retries per request, with exponential backoff and jitter")
      ->check(CLI::Range(0, 50))
      ->group(g);
  app.add_option("--timeout", f.timeout_seconds, "Abort a request that moves no byte for this many seconds")
      ->check(CLI::Range(1, 3600))
      ->group(g);
  app.add_option(
         "--deadline", f.deadline_seconds,
         "Abort a request not done after this many seconds plus one per 32 KiB it carries (retried like a timeout)")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str()
      ->group(g);
  app.add_flag("--debug", f.debug, "Log every request and response (secrets and signatures redacted)")->group(g);
}

namespace {

// Static credentials as they are; anything else fetched now (so a missing role or a dead
// metadata service stops the run before any upload) and renewed as it nears expiry.
Result<std::shared_ptr<CredentialProvider>> credential_provider(const CredentialPlan& plan,
                                                                const s3::ClientConfig& cfg) {
  if (std::holds_alternative<Credentials>(plan.base) && plan.roles.empty())
    return CredentialProvider::fixed(std::get<Credentials>(plan.base));
  auto io = system_credential_io(cfg.tls, cfg.cancel, cfg.debug_log);
  auto warn = [](const std::string& line) { fmt::print(stderr, "xship: warning: {}\n", printable(line)); };
  auto provider = std::make_shared<CredentialProvider>([plan, io] { return fetch_credentials(plan, io); }, io.now, warn,
                                                       cfg.debug_log);
  auto first = provider->get();
  if (!first) return first.error();
  return provider;
}

}  // namespace

Result<s3::ClientConfig> make_client_config(const ConnectionFlags& f) {
  auto resolved = resolve_config(f.creds, process_env());
  if (!resolved) return resolved.error();
  auto ep = parse_endpoint(resolved->endpoint, resolved->region);
  if (!ep) return ep.error();
  if (f.path_style && f.virtual_host)
    return usage_error("--path-style and --virtual-host contradict each other: pass one");
  s3::ClientConfig cfg;
  cfg.endpoint = *ep;
  cfg.addressing = f.path_style ? Addressing::Path : f.virtual_host ? Addressing::VirtualHost : Addressing::Auto;
  cfg.region = resolved->region;
  cfg.tls.insecure = f.insecure;
  cfg.tls.ca_bundle = f.ca_bundle;
  cfg.timeouts.stall_seconds = f.timeout_seconds;
  cfg.timeouts.deadline_seconds = f.deadline_seconds;
  cfg.retries = f.retries;
  cfg.cancel = &cancel_flag();
  XSHIP_TRY(net::global_init());  // libcurl is loaded here, in the main thread, or never
  if (f.debug) cfg.debug_log = [](const std::string& line) { fmt::print(stderr, "debug: {}\n", printable(line)); };
  auto provider = credential_provider(resolved->plan, cfg);
  if (!provider) return provider.error();
  cfg.credentials = *provider;
  if (f.insecure && ep->scheme == "https")
    fmt::print(stderr,
               "xship: warning: --insecure: TLS certificates are not verified; anyone on the path can read and change "
               "the traffic\n");
  return cfg;
}

Result<bool> parse_args(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return false;
  } catch (const CLI::ParseError& e) {
    return usage_error(fmt::format("{}: see 'xship {} --help'", e.what(), app.get_name()));
  }
  return true;
}

std::string relative_to_cwd(const std::string& path) {
  std::error_code ec;
  auto rel = std::filesystem::relative(path, std::filesystem::current_path(ec), ec);
  return ec || rel.empty() || rel.string().starts_with("..") ? path : rel.string();
}

}  // namespace xship::cli
