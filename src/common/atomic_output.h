#pragma once
/// Outputs appear whole or not at all: they are written under a hidden temporary name beside the
/// target and renamed into place once complete. If the process is interrupted (SIGINT, SIGTERM,
/// SIGHUP) the temporary is removed before exiting; after SIGKILL only a hidden `.<name>.tmp-<pid>`
/// can remain, never a half-written target.

#include <filesystem>
#include <string_view>

#include "common/status.h"

namespace tad {

class AtomicOutput {
 public:
  /// Prepares a temporary path for `target`. Fails if `target` exists and `overwrite` is false.
  static Result<AtomicOutput> Create(const std::filesystem::path& target, bool overwrite);

  AtomicOutput(AtomicOutput&& other) noexcept;
  AtomicOutput& operator=(AtomicOutput&&) = delete;
  AtomicOutput(const AtomicOutput&) = delete;
  ~AtomicOutput();  // removes the temporary unless committed

  /// Where to write: a file or a directory, whichever the caller creates there.
  const std::filesystem::path& temp_path() const { return temp_path_; }
  const std::filesystem::path& target() const { return target_; }

  /// Moves the temporary into place (replacing an existing target when allowed).
  Status Commit();

 private:
  AtomicOutput(std::filesystem::path target, std::filesystem::path temp_path, bool overwrite);
  std::filesystem::path target_;
  std::filesystem::path temp_path_;
  bool overwrite_ = false;
  bool active_ = false;
};

/// The one error of every command whose output exists already and --overwrite was not given:
/// AlreadyExists (exit 1), "PATH: already exists (use --overwrite to replace it)".
Status OutputExists(const std::filesystem::path& target);

/// Writes `text` to `target` through an AtomicOutput: the whole text or nothing.
Status WriteFileAtomically(const std::filesystem::path& target, std::string_view text, bool overwrite);

/// Installs the handlers that remove pending temporaries on SIGINT/SIGTERM/SIGHUP and then exit
/// with 128+signal. Called once by main.
void InstallInterruptCleanup();

}  // namespace tad
