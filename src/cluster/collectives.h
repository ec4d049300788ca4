#pragma once
/// Small conveniences built on the Communicator interface.

#include <string>
#include <vector>

#include "cluster/communicator.h"

namespace tad {

/// This machine's host name ("unknown" if the system will not say).
std::string Hostname();

/// Every rank's `text`, by rank (a collective).
std::vector<std::string> AllGatherStrings(Communicator& communicator, const std::string& text);

}  // namespace tad
