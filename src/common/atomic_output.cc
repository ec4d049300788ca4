#include "common/atomic_output.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <system_error>

namespace tad {
namespace {

// Temporaries in flight. The signal handler reads a snapshot of plain C strings, because it may
// not allocate or lock.
std::mutex g_pending_mutex;
std::set<std::string> g_pending;
constexpr int kMaxPending = 16;
char g_pending_snapshot[kMaxPending][4096];
volatile sig_atomic_t g_pending_count = 0;

void RefreshSnapshotLocked() {
  g_pending_count = 0;
  int i = 0;
  for (const auto& path : g_pending) {
    if (i == kMaxPending || path.size() >= sizeof(g_pending_snapshot[0])) continue;
    std::memcpy(g_pending_snapshot[i], path.c_str(), path.size() + 1);
    ++i;
  }
  g_pending_count = i;
}

void Register(const std::filesystem::path& path) {
  std::lock_guard lock(g_pending_mutex);
  g_pending.insert(path.string());
  RefreshSnapshotLocked();
}

void Unregister(const std::filesystem::path& path) {
  std::lock_guard lock(g_pending_mutex);
  g_pending.erase(path.string());
  RefreshSnapshotLocked();
}

// Async-signal-safe removal of a file or a tree: fork a child that runs `rm -rf` and wait.
void RemoveTreeFromSignalHandler(const char* path) {
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/rm", "rm", "-rf", "--", path, static_cast<char*>(nullptr));
    _exit(127);
  }
  if (pid > 0) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

extern "C" void OnInterrupt(int signal_number) {
  for (int i = 0; i < g_pending_count; ++i) RemoveTreeFromSignalHandler(g_pending_snapshot[i]);
  _exit(128 + signal_number);
}

}  // namespace

Status OutputExists(const std::filesystem::path& target) {
  return Status::AlreadyExists(target.string() + ": already exists (use --overwrite to replace it)");
}

Result<AtomicOutput> AtomicOutput::Create(const std::filesystem::path& target, bool overwrite) {
  std::error_code ec;
  if (std::filesystem::exists(target, ec) && !overwrite) {
    return OutputExists(target);
  }
  std::filesystem::path parent = target.parent_path();
  if (parent.empty()) parent = ".";
  if (!std::filesystem::is_directory(parent, ec)) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return Status::IoError(parent.string() + ": cannot create directory: " + ec.message());
  }
  std::filesystem::path temp = parent / ("." + target.filename().string() + ".tmp-" + std::to_string(getpid()));
  std::filesystem::remove_all(temp, ec);
  return AtomicOutput(target, temp, overwrite);
}

AtomicOutput::AtomicOutput(std::filesystem::path target, std::filesystem::path temp_path, bool overwrite)
    : target_(std::move(target)), temp_path_(std::move(temp_path)), overwrite_(overwrite), active_(true) {
  Register(temp_path_);
}

AtomicOutput::AtomicOutput(AtomicOutput&& other) noexcept
    : target_(std::move(other.target_)),
      temp_path_(std::move(other.temp_path_)),
      overwrite_(other.overwrite_),
      active_(other.active_) {
  other.active_ = false;
}

AtomicOutput::~AtomicOutput() {
  if (!active_) return;
  std::error_code ec;
  std::filesystem::remove_all(temp_path_, ec);
  Unregister(temp_path_);
}

Status AtomicOutput::Commit() {
  if (!active_) return Status::Internal("AtomicOutput committed twice");
  std::error_code ec;
  if (!std::filesystem::exists(temp_path_, ec)) {
    return Status::Internal(target_.string() + ": nothing was written");
  }
  if (std::filesystem::exists(target_, ec)) {
    if (!overwrite_) return Status::AlreadyExists(target_.string() + ": appeared while writing; not replaced");
    // Move the old one aside first so that the target is never missing a complete version for long.
    std::filesystem::path old = target_.parent_path() / ("." + target_.filename().string() + ".old-" + std::to_string(getpid()));
    std::filesystem::rename(target_, old, ec);
    if (ec) return Status::IoError(target_.string() + ": cannot replace: " + ec.message());
    std::filesystem::rename(temp_path_, target_, ec);
    if (ec) return Status::IoError(target_.string() + ": cannot move into place: " + ec.message());
    std::filesystem::remove_all(old, ec);
  } else {
    std::filesystem::rename(temp_path_, target_, ec);
    if (ec) return Status::IoError(target_.string() + ": cannot move into place: " + ec.message());
  }
  active_ = false;
  Unregister(temp_path_);
  return Status::Ok();
}

void InstallInterruptCleanup() {
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) sigaction(signal_number, &action, nullptr);
}

Status WriteFileAtomically(const std::filesystem::path& target, std::string_view text, bool overwrite) {
  auto output = AtomicOutput::Create(target, overwrite);
  if (!output.ok()) return output.status();
  {
    std::ofstream out(output->temp_path(), std::ios::binary);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.flush()) return Status::IoError("cannot write " + target.string());
  }
  return output->Commit();
}

}  // namespace tad
