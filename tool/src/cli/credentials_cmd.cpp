// `xship credentials` (which source answered, and what it gave, never a secret) and
// `xship publish --check` (that, then one cheap signed request per destination), so CI
// learns of a missing secret or a wrong bucket before it builds anything.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/connection.h"
#include "core/terminal.h"
#include "s3/credential_json.h"

namespace xship::cli {

namespace {

// The access key id's last four characters: enough to tell keys apart, useless to anyone else.
std::string key_hint(const std::string& key) { return key.size() > 4 ? "..." + key.substr(key.size() - 4) : "..."; }

std::string endpoint_text(const Endpoint& ep) {
  return ep.scheme + "://" + ep.host + (ep.port ? ":" + std::to_string(ep.port) : "");
}

std::string expiry_text(const Credentials& c) {
  if (!c.expiration) return "never (long-term keys)";
  auto left = std::chrono::duration_cast<std::chrono::minutes>(*c.expiration - std::chrono::system_clock::now());
  return fmt::format("{} (in {} min; renewed 5 min before)", format_iso8601(*c.expiration), left.count());
}

nlohmann::json credentials_json(const Credentials& c, const s3::ClientConfig& cfg) {
  nlohmann::json j;
  j["source"] = c.source;
  j["access_key_id_last4"] = c.access_key.size() > 4 ? c.access_key.substr(c.access_key.size() - 4) : "";
  j["session_token"] = !c.session_token.empty();
  j["expiration"] = c.expiration ? nlohmann::json(format_iso8601(*c.expiration)) : nlohmann::json(nullptr);
  j["region"] = cfg.region;
  j["endpoint"] = endpoint_text(cfg.endpoint);
  return j;
}

void print_credentials(const Credentials& c, const s3::ClientConfig& cfg) {
  fmt::print("source      {}\n", printable(c.source));
  fmt::print("access key  {}{}\n", printable(key_hint(c.access_key)),
             c.session_token.empty() ? "" : " (with a session token)");
  fmt::print("expires     {}\n", expiry_text(c));
  fmt::print("region      {}\n", printable(cfg.region));
  fmt::print("endpoint    {}\n", printable(endpoint_text(cfg.endpoint)));
}

}  // namespace

Status run_credentials(int argc, char** argv) {
  CLI::App app{
      "Show which credential source answers and what it gives: never a secret, only the access key id's last "
      "four characters, the expiry and the region",
      "credentials"};
  ConnectionFlags conn;
  bool json = false;
  app.add_flag("--json", json, "Print a machine-readable result on stdout");
  add_connection_flags(app, conn);
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();
  auto cfg = make_client_config(conn);
  if (!cfg) return cfg.error();
  auto creds = cfg->credentials->get();
  if (!creds) return creds.error();
  if (json)
    fmt::print("{}\n", json_text(credentials_json(*creds, *cfg)));
  else
    print_credentials(*creds, *cfg);
  return ok_status();
}

Status check_destinations(const ConnectionFlags& conn, const std::vector<S3Location>& destinations, bool json) {
  auto cfg = make_client_config(conn);
  if (!cfg) return cfg.error();
  auto creds = cfg->credentials->get();
  if (!creds) return creds.error();
  if (!json) print_credentials(*creds, *cfg);
  s3::Client client(*cfg);
  nlohmann::json checked = nlohmann::json::array();
  for (const auto& d : destinations) {
    XSHIP_TRY(client.probe(d));
    if (!json) fmt::print("reachable   s3://{}/{}\n", d.bucket, printable(d.key));
    checked.push_back("s3://" + d.bucket + "/" + d.key);
  }
  if (json) {
    auto out = credentials_json(*creds, *cfg);
    out["destinations"] = checked;
    fmt::print("{}\n", json_text(out));
  }
  return ok_status();
}

}  // namespace xship::cli
