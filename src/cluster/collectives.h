#pragma once
/// Small conveniences built on the Communicator interface.

#include <string>
#include <vector>

#include "cluster/communicator.h"
#include "common/hostname.h"

namespace tad {

/// Every rank's `text`, by rank (a collective).
std::vector<std::string> AllGatherStrings(Communicator& communicator, const std::string& text);

/// Collective: every rank learns whether any rank failed, so that all of them stop together
/// rather than leave the others waiting in the next collective. The lowest failing rank's Status
/// is returned on all ranks, with "executor N (host H): " in front when there are several ranks.
/// An InvalidArgument that only some ranks report becomes InvalidData: their input is at fault,
/// not the request all of them were given.
Status AgreeOnStatus(Communicator& communicator, const Status& local);

}  // namespace tad
