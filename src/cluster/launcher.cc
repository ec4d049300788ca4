#include "cluster/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <thread>

#include "cluster/collectives.h"
#include "cluster/local_communicator.h"
#include "cluster/mpi_communicator.h"
#include "common/hostname.h"
#include "common/process.h"
#include "common/progress.h"

extern char** environ;

namespace tad {
namespace {

const char* Env(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

std::string SelfPath() {
  char path[PATH_MAX] = {};
  const ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
  return length > 0 ? std::string(path, static_cast<size_t>(length)) : std::string();
}

bool ProcessAlive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  // A zombie nobody has reaped yet (PID 1 of a container may never) has stopped all the same.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t state = text.rfind(')');
  return state == std::string::npos || state + 2 >= text.size() || text[state + 2] != 'Z';
}

// After an interrupt: mpirun has ended, but a local rank it failed to stop (it abandons them on
// a second SIGINT) must not run on and write its outputs. Each local rank left its pid in
// `pid_directory`; those still alive get `signal_number`, then SIGKILL after a grace period.
void StopLeftoverRanks(const std::string& pid_directory, int signal_number) {
  if (pid_directory.empty()) return;
  std::vector<pid_t> alive;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(pid_directory, ignored)) {
    std::ifstream file(entry.path());
    long pid = 0;
    std::string host;
    if (file >> pid >> host && pid > 0 && host == Hostname() && ProcessAlive(static_cast<pid_t>(pid))) {
      alive.push_back(static_cast<pid_t>(pid));
      kill(static_cast<pid_t>(pid), signal_number);
    }
  }
  constexpr auto kGrace = std::chrono::milliseconds(1000);
  const auto deadline = std::chrono::steady_clock::now() + kGrace;
  while (!alive.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::erase_if(alive, [](pid_t pid) { return !ProcessAlive(pid); });
  }
  for (pid_t pid : alive) kill(pid, SIGKILL);
}

bool IsBoxRule(const std::string& line) {
  return line.size() >= 20 && line.find_first_not_of('-') == std::string::npos;
}

// Boxes mpirun prints when a rank failed: the job's end is reported by tad's own line instead.
bool IsFailureNotice(const std::string& text) {
  static const char* const kNotices[] = {
      "mpirun noticed that process rank",
      "Primary job  terminated normally",
      "Primary job terminated normally",
      "mpirun detected that one or more processes exited with non-zero status",
      "MPI_ABORT was invoked",
      "mpirun has exited due to process rank",
      "prterun noticed that process rank",
      "prterun detected that one or more processes exited with non-zero status",
  };
  for (const char* notice : kNotices) {
    if (text.find(notice) != std::string::npos) return true;
  }
  return false;
}

// Start-up settings for the mpirun tad starts and so for its ranks, each only where the user's
// environment does not set it. Without them most of a short job's start-up went to discovery that
// a job of one machine's ranks never uses (docs/training.md, "Start-up and exit"):
// hwloc loaded its OpenCL, OpenGL (X11) and libpciaccess plugins and read the configuration space
// of every PCI device, each read trapping to the hypervisor on a virtual machine, and ran cpuid
// on every core in turn, in mpirun and again in every rank; Open MPI opened its UCX and OFI
// transports and one-sided components to probe for hardware there is none of. tad uses neither
// one-sided communication nor binding, and the ob1 layer runs over shared memory and TCP.
struct EnvironmentDefault {
  const char* name;
  const char* value;
};
constexpr EnvironmentDefault kStartupDefaults[] = {
    {"HWLOC_PLUGINS_BLACKLIST", "hwloc_gl,hwloc_opencl,hwloc_pci,hwloc_xml_libxml"},
    {"HWLOC_COMPONENTS", "-linuxio,-x86"},
    {"OMPI_MCA_pml", "ob1"},
    {"OMPI_MCA_osc", "sm,pt2pt"},
    // A dead rank ends the job (Open MPI's default, made explicit).
    {"OMPI_MCA_orte_abort_on_non_zero_status", "1"},
};

}  // namespace

std::vector<std::string> MpirunEnvironment(const std::vector<std::string>& inherited) {
  std::vector<std::string> environment = inherited;
  for (const EnvironmentDefault& setting : kStartupDefaults) {
    const std::string prefix = std::string(setting.name) + "=";
    const bool set = std::any_of(inherited.begin(), inherited.end(),
                                 [&prefix](const std::string& entry) { return entry.rfind(prefix, 0) == 0; });
    if (!set) environment.push_back(prefix + setting.value);
  }
  return environment;
}

bool RunningUnderMpi() { return Env("OMPI_COMM_WORLD_SIZE") || Env("PMIX_RANK") || Env("PMI_RANK"); }

int MpiWorldSizeFromEnvironment() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    if (const char* value = Env(name)) return std::atoi(value);
  }
  return 0;
}

std::vector<std::string> MpirunArguments(const std::string& mpirun, int executors, unsigned cores,
                                         const std::string& self_path, const std::vector<std::string>& command_line) {
  std::vector<std::string> arguments = {mpirun, "-np", std::to_string(executors)};
  // Open MPI refuses more ranks than physical cores (its slots) unless told; hardware threads
  // can outnumber those, so the flag goes in whenever the ranks might not fit.
  if (static_cast<unsigned>(executors) > cores / 2) arguments.push_back("--oversubscribe");
  // tad's ranks run their own worker threads: pinning each rank to one core would starve them.
  arguments.insert(arguments.end(), {"--bind-to", "none"});
  arguments.push_back(self_path);
  for (size_t i = 1; i < command_line.size(); ++i) arguments.push_back(command_line[i]);
  return arguments;
}

std::vector<std::string> MpirunStderrFilter::Feed(const std::string& line) {
  Scan(line);
  if (!in_box_) {
    if (!IsBoxRule(line)) return {line};
    in_box_ = true;
    box_ = {line};
    return {};
  }
  box_.push_back(line);
  if (!IsBoxRule(line)) return {};
  // The box closed. mpirun sometimes prints two boxes back to back sharing no rule: a closing rule
  // followed by an opening one looks like an empty box, which we drop.
  in_box_ = false;
  std::string text;
  for (const auto& held : box_) text += held + "\n";
  std::vector<std::string> released;
  if (!IsFailureNotice(text) && box_.size() > 2) released = std::move(box_);
  box_.clear();
  return released;
}

std::vector<std::string> MpirunStderrFilter::Finish() {
  in_box_ = false;
  std::string text;
  for (const auto& held : box_) text += held + "\n";
  std::vector<std::string> released;
  if (!IsFailureNotice(text)) released = std::move(box_);
  box_.clear();
  return released;
}

void MpirunStderrFilter::set_pid_directory(std::string directory) { pid_directory_ = std::move(directory); }

void MpirunStderrFilter::Scan(const std::string& line) {
  if (!death_.empty()) return;
  // Open MPI 4: "mpirun noticed that process rank 1 with PID 123 on node h exited on signal 9 (Killed)."
  static const std::regex kDeath(
      R"((?:mpirun|prterun) noticed that process rank (\d+) with PID (\d+) on node (\S+) exited on signal (\d+)(?: \(([^)]*)\))?)");
  std::smatch match;
  if (!std::regex_search(line, match, kDeath)) return;
  // Open MPI 4.1 reports PID 0; the ranks tad's launcher started left their pid in a file.
  std::string pid = match[2].str();
  std::string host = match[3].str();
  if (pid == "0" && !pid_directory_.empty()) {
    std::ifstream file(pid_directory_ + "/rank-" + match[1].str());
    std::string file_pid;
    std::string file_host;
    if (file >> file_pid >> file_host) {
      pid = file_pid;
      host = file_host;
    }
  }
  std::string who = "executor " + match[1].str() + " (";
  if (pid != "0") who += "pid " + pid + ", ";
  who += "host " + host + ")";
  death_ = who + " died: killed by signal " + match[4].str();
  if (match[5].matched) death_ += " (" + match[5].str() + ")";
}

Result<std::optional<int>> RelaunchUnderMpirunIfNeeded(const std::vector<std::string>& command_line, int executors) {
  if (executors < 1) {
    return Status::InvalidArgument("--executors must be at least 1, not " + std::to_string(executors));
  }
  if (RunningUnderMpi()) {
    const int ranks = MpiWorldSizeFromEnvironment();
    const char* rank = Env("OMPI_COMM_WORLD_RANK") ? Env("OMPI_COMM_WORLD_RANK") : Env("PMIX_RANK");
    const bool driver = !rank || std::string(rank) == "0";
    if (driver && ranks > 0 && ranks != executors && !Env(kLaunchedMarker)) {
      std::fprintf(stderr, "tad: warning: running on the %d ranks mpirun started; --executors %d does not apply\n",
                   ranks, executors);
    }
    return std::optional<int>();
  }
  if (Env(kLaunchedMarker)) {
    return Status::Internal("started by tad's launcher under mpirun, but no MPI rank environment was found");
  }
  if (executors == 1) return std::optional<int>();

  const std::string self = SelfPath();
  if (self.empty()) return Status::IoError("cannot find this program's path (/proc/self/exe) to start it under mpirun");
  const std::string mpirun = Env("TAD_MPIRUN") ? Env("TAD_MPIRUN") : "mpirun";
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::vector<std::string> arguments = MpirunArguments(mpirun, executors, cores, self, command_line);

  // The environment of mpirun and so of every local rank.
  std::vector<std::string> inherited;
  for (char** entry = environ; *entry; ++entry) inherited.emplace_back(*entry);
  std::vector<std::string> environment = MpirunEnvironment(inherited);
  // Each local rank leaves "pid host" in this directory (see OpenCommunicator), for the message
  // that names a rank that died.
  char pid_template[] = "/tmp/tad-ranks.XXXXXX";
  const std::string pid_directory = mkdtemp(pid_template) ? pid_template : "";
  environment.push_back(std::string(kLaunchedMarker) + "=" + (pid_directory.empty() ? "1" : pid_directory));
  // The ranks' stderr is mpirun's pipe, passed through here: they may draw progress when ours is a terminal.
  if (isatty(STDERR_FILENO) == 1) environment.push_back(std::string(kStderrTerminalVariable) + "=1");
  if (geteuid() == 0) {
    // Containers and CI run as root; Open MPI refuses that unless told.
    environment.push_back("OMPI_ALLOW_RUN_AS_ROOT=1");
    environment.push_back("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1");
  }
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& entry : environment) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::IoError(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  // The ranks read nothing; mpirun in a background process group must not stop on reading a terminal.
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  // mpirun gets its own process group, so that a Ctrl-C (to the whole foreground group) reaches it
  // once, forwarded by this process: a second SIGINT would make it exit and abandon the ranks.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  // SIGINT/SIGTERM go to mpirun, which stops the ranks; this process ends with the signal after it.
  InterruptForwarder forwarder;
  pid_t pid = 0;
  std::fflush(stdout);
  std::fflush(stderr);
  const int spawn_error = posix_spawnp(&pid, mpirun.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(pipe_fds[1]);
  if (spawn_error != 0) {
    close(pipe_fds[0]);
    return Status::IoError("cannot start " + mpirun + " for " + std::to_string(executors) +
                           " executors: " + std::strerror(spawn_error) + " (is Open MPI installed?)");
  }
  forwarder.ForwardTo(pid);

  // Pass mpirun's stderr (its own and the ranks') through, line by line, minus its failure boxes.
  // A partial line (a progress bar redrawn with \r) is passed through at once.
  MpirunStderrFilter filter;
  filter.set_pid_directory(pid_directory);
  std::string pending;
  bool pending_shown = false;  // the start of `pending` is already on the terminal
  auto show = [](const std::string& text) { std::fwrite(text.data(), 1, text.size(), stderr); };
  char buffer[4096];
  for (;;) {
    const ssize_t count = read(pipe_fds[0], buffer, sizeof(buffer));
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    pending.append(buffer, static_cast<size_t>(count));
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      const std::string line = pending.substr(0, newline);
      pending.erase(0, newline + 1);
      if (pending_shown) {
        filter.Feed(line);  // keep the filter's view whole; the text is already out
        show(line.substr(0) + "\n");
        pending_shown = false;
        continue;
      }
      const std::vector<std::string> shown = filter.Feed(line);
      // After an interrupt mpirun's notices about the ranks it stopped are noise.
      if (forwarder.signal() == 0) {
        for (const auto& out : shown) show(out + "\n");
      }
    }
    if (!pending.empty() && !pending_shown && pending.front() != '-') {
      show(pending);
      pending_shown = true;
      pending.clear();
    } else if (pending_shown) {
      show(pending);
      pending.clear();
    }
    std::fflush(stderr);
  }
  close(pipe_fds[0]);
  std::vector<std::string> held;
  if (!pending.empty() && !pending_shown) held = filter.Feed(pending);
  for (auto& out : filter.Finish()) held.push_back(std::move(out));
  if (forwarder.signal() == 0) {
    for (const auto& out : held) show(out + "\n");
  }

  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (forwarder.signal() != 0) StopLeftoverRanks(pid_directory, forwarder.signal());
  std::fflush(stderr);
  if (!pid_directory.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(pid_directory, ignored);
  }

  if (forwarder.signal() != 0) {
    std::fprintf(stderr, "tad: interrupted (%s): every executor stopped, nothing written\n",
                 strsignal(forwarder.signal()));
    forwarder.EndIfInterrupted();
  }
  if (!filter.death().empty()) {
    std::fprintf(stderr, "tad: error: %s\n", filter.death().c_str());
    return std::optional<int>(1);
  }
  if (WIFSIGNALED(wait_status)) return std::optional<int>(128 + WTERMSIG(wait_status));
  return std::optional<int>(WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 1);
}

Result<std::unique_ptr<Communicator>> OpenCommunicator() {
  if (!RunningUnderMpi()) return std::unique_ptr<Communicator>(new LocalCommunicator());
  auto mpi = MpiCommunicator::Open();
  if (!mpi.ok()) return mpi.status();
  const char* marker = Env(kLaunchedMarker);
  if (marker && marker[0] == '/') {
    std::ofstream(std::string(marker) + "/rank-" + std::to_string((*mpi)->rank())) << getpid() << ' ' << Hostname() << '\n';
  }
  return std::unique_ptr<Communicator>(std::move(mpi).value());
}

}  // namespace tad
