#pragma once

#include <iosfwd>
#include <string>

#include "ingestd/v1/control.pb.h"

namespace ingestd::client {

/// A run in full, as `describe run`, `run --wait`, `watch` and `push` show
/// it: every field, then (for finished runs) the summary with rows per table
/// and one line per load package.
void RenderRunDetails(const v1::Run& run, std::ostream& out);

/// Finished minus started ("12.3s"), or "-" while either is unset.
std::string RunDuration(const v1::Run& run);

/// "CODE: message", or "-" when the run has no error.
std::string RunErrorText(const v1::Run& run);

}  // namespace ingestd::client
