// Flags shared by every command that talks to S3, and the client they configure.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "core/result.h"
#include "s3/client.h"

namespace xship::cli {

struct ConnectionFlags {
  CredentialFlags creds;
  bool path_style = false;
  bool virtual_host = false;
  bool insecure = false;
  std::string ca_bundle;
  int retries = 5;
  long timeout_seconds = 60;
  long deadline_seconds = 300;
  bool debug = false;
};

void add_connection_flags(CLI::App& app, ConnectionFlags& f);
Result<s3::ClientConfig> make_client_config(const ConnectionFlags& f);

// `publish --check`: the credentials (which source, fetched now), then one cheap signed
// request per destination. Uploads nothing.
Status check_destinations(const ConnectionFlags& conn, const std::vector<S3Location>& destinations, bool json);

// Runs CLI11 and turns its exceptions into values: true to go on; false when help was
// printed (the command is done); a usage error for bad arguments.
Result<bool> parse_args(CLI::App& app, int argc, char** argv);

// `path` relative to the working directory when it is below it, else as given: for tables.
std::string relative_to_cwd(const std::string& path);

// --json output, indented. A string that is not UTF-8 (a file name given on the command
// line) has its bad bytes written as U+FFFD: nlohmann would otherwise throw, aborting.
template <class Json>
std::string json_text(const Json& j) {
  return j.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace xship::cli
