// `xship verify --manifest URL --verify-key KEY [--rebuild COMMAND]`: checks a signed
// release without downloading its files, and with --rebuild rebuilds it from the recorded
// commit and compares bytes.
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.h"
#include "cli/connection.h"
#include "cli/signing_keys.h"
#include "core/terminal.h"
#include "fetch/rebuild.h"
#include "fetch/signed_release.h"

namespace xship::cli {

Status run_verify(int argc, char** argv) {
  CLI::App app{
      "Check a signed release: its signatures, manifest and provenance; with --rebuild, rebuild it from "
      "the recorded commit and compare bytes.",
      "verify"};
  std::string manifest_url, key_text;
  fetch::RebuildRequest rebuild;
  std::string etag_check = "on";
  ConnectionFlags conn;
  app.add_option("--manifest", manifest_url, "s3://.../manifest.json of the release")->required();
  app.add_option("--verify-key", key_text,
                 "The minisign public key the release must be signed by (file or base64 line)")
      ->required()
      ->option_text("KEY");
  app.add_option("--rebuild", rebuild.command,
                 "Rebuild in a git worktree of the commit the provenance records, with its SOURCE_DATE_EPOCH, by "
                 "this command (e.g. 'make -f ci.mk build'), then compare each published file it makes: one that "
                 "differs is exit 3")
      ->option_text("COMMAND");
  app.add_option("--dist", rebuild.dist, "With --rebuild: where the build writes the release, in the checkout")
      ->capture_default_str();
  app.add_option("--repo-dir", rebuild.repo_dir, "With --rebuild: a clone that has the recorded commit")
      ->capture_default_str();
  app.add_option("--etag-check", etag_check, "off accepts objects with nothing to verify against")
      ->check(CLI::IsMember({"on", "off"}));
  add_connection_flags(app, conn);
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();
  auto key = load_verify_key(key_text);
  if (!key) return key.error();
  auto loc = parse_s3_url(manifest_url);
  if (!loc) return loc.error();
  auto cfg = make_client_config(conn);
  if (!cfg) return cfg.error();
  s3::Client client(*cfg);
  auto top = fetch::fetch_release_top(client, *loc, &*key, etag_check == "on");
  if (!top) return top.error();
  const std::size_t n = top->manifest.files.size();
  fmt::print("signed by key {}: SHA256SUMS, manifest.json ({} file{}){}\n", minisign::key_id_text(key->id), n,
             n == 1 ? "" : "s", top->provenance ? " and provenance.intoto.json" : "");
  if (rebuild.command.empty()) return ok_status();
  if (!top->provenance)
    return integrity_error("the release has no provenance.intoto.json: it records no commit to rebuild from");
  auto recorded = release::recorded_build(*top->provenance);
  if (!recorded) return recorded.error();
  rebuild.log_path = (std::filesystem::current_path() / "xship-rebuild.log").string();
  fmt::print("rebuilding commit {} (SOURCE_DATE_EPOCH {}) with: {}\n", recorded->commit,
             recorded->source_date_epoch.empty() ? "unset" : recorded->source_date_epoch, printable(rebuild.command));
  std::fflush(stdout);
  auto result = fetch::rebuild_and_compare(*recorded, rebuild);
  if (!result) return result.error();
  for (const auto& name : result->matched) fmt::print("same bytes  {}\n", printable(name));
  for (const auto& name : result->not_rebuilt) fmt::print("not built   {}\n", printable(name));
  fmt::print("rebuilt {} of {} published files byte for byte (build log: {})\n", result->matched.size(),
             recorded->subjects.size(), printable(rebuild.log_path));
  return ok_status();
}

}  // namespace xship::cli
