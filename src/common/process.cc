#include "common/process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>

#include "common/elapsed.h"

extern char** environ;

namespace tad {
namespace {

constexpr int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP};
volatile sig_atomic_t g_forward_to = 0;
volatile sig_atomic_t g_received_signal = 0;
struct sigaction g_previous_actions[std::size(kForwardedSignals)];

extern "C" void ForwardToChild(int signal_number) {
  if (g_received_signal != 0) return;
  g_received_signal = signal_number;
  if (g_forward_to > 0) kill(static_cast<pid_t>(g_forward_to), signal_number);
}

}  // namespace

InterruptForwarder::InterruptForwarder() {
  g_received_signal = 0;
  g_forward_to = 0;
  struct sigaction forward {};
  forward.sa_handler = ForwardToChild;
  sigemptyset(&forward.sa_mask);
  for (size_t i = 0; i < std::size(kForwardedSignals); ++i) {
    sigaction(kForwardedSignals[i], &forward, &g_previous_actions[i]);
  }
}

InterruptForwarder::~InterruptForwarder() { Restore(); }

void InterruptForwarder::ForwardTo(pid_t child) {
  g_forward_to = child;
  if (g_received_signal != 0) kill(child, g_received_signal);
}

void InterruptForwarder::Restore() {
  if (restored_) return;
  restored_ = true;
  for (size_t i = 0; i < std::size(kForwardedSignals); ++i) {
    sigaction(kForwardedSignals[i], &g_previous_actions[i], nullptr);
  }
  g_forward_to = 0;
}

int InterruptForwarder::signal() const { return g_received_signal; }

void InterruptForwarder::EndIfInterrupted() {
  const int signal_number = g_received_signal;
  if (signal_number == 0) return;
  Restore();
  std::fflush(stdout);
  std::fflush(stderr);
  raise(signal_number);
  // A handler that returned (none installed that ends the process): end as the signal would have.
  std::_Exit(128 + signal_number);
}

Result<ProcessOutcome> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) return Status::Internal("RunProcess: no program");
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group: a Ctrl-C reaches the child once, through this process.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!options.output_log.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, options.output_log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  }
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  const auto start = SteadyClock::now();
  InterruptForwarder forwarder;
  pid_t pid = 0;
  const int error = options.search_path
                        ? posix_spawnp(&pid, argv[0].c_str(), &actions, &attributes, args.data(), environ)
                        : posix_spawn(&pid, argv[0].c_str(), &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) return Status::IoError(argv[0] + ": cannot start: " + std::strerror(error));
  forwarder.ForwardTo(pid);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Status::IoError(argv[0] + ": waiting failed: " + std::strerror(errno));
  }
  forwarder.EndIfInterrupted();
  ProcessOutcome outcome;
  outcome.wall_seconds = SecondsSince(start);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return outcome;
}

std::filesystem::path SelfExecutable() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("/proc/self/exe") : path;
}

}  // namespace tad
