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
  bool debug = false;
};

void add_connection_flags(CLI::App& app, ConnectionFlags& f);
Result<s3::ClientConfig> make_client_config(const ConnectionFlags& f);

// Runs CLI11 and turns its exceptions into values: help is printed (nullopt = done).
Result<bool> parse_args(CLI::App& app, int argc, char** argv);

// `path` relative to the working directory when it is below it, else as given: for tables.
std::string relative_to_cwd(const std::string& path);

}  // namespace xship::cli
