#pragma once
/// The host a process runs on, as results, error lines and the status page name it.

#include <string>

namespace tad {

/// This machine's host name ("unknown" if the system will not say).
std::string Hostname();

}  // namespace tad
